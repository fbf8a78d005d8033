import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServerProcess {
  name: string;
  child: ChildProcess;
  pid: number;
  url: string;
  logFile: string;
  /** SIGTERM, then wait for a graceful exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  /** Script run as `node --import tsx <script> ...args`, relative to the repository root. */
  script: string;
  args: string[];
  env: Record<string, string>;
  logDir: string;
  /** Matches the listening line in the log; group 1 is the base URL. */
  listening: RegExp;
  /** Directory for `node --cpu-prof` output, when profiling. */
  cpuProfDir?: string;
  timeoutMs?: number;
}

/**
 * Starts a server as a separate Node process with its stdout/stderr going to a
 * log file (never buffered in this process), and waits until it listens.
 */
export async function startServer(options: SpawnOptions): Promise<ServerProcess> {
  const logFile = path.join(options.logDir, `${options.name}-${Date.now()}.log`);
  const fd = openSync(logFile, 'a');
  const nodeArgs = ['--import', 'tsx'];
  if (options.cpuProfDir) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, options.script), ...options.args], {
    cwd: root,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const until = Date.now() + (options.timeoutMs ?? 60_000);
  let url: string | null = null;
  while (!url) {
    const text = readFileSync(logFile, 'utf8');
    url = options.listening.exec(text)?.[1] ?? null;
    if (url) break;
    if (child.exitCode !== null) throw new Error(`${options.name} exited early (code ${child.exitCode}); log: ${logFile}\n${text.slice(-4000)}`);
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`${options.name} did not start within ${options.timeoutMs ?? 60_000} ms; log: ${logFile}\n${text.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    name: options.name,
    child,
    pid: child.pid!,
    url,
    logFile,
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Resident set size of a process, in bytes (VmRSS from /proc/<pid>/status); null once it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface RssSampler {
  stop(): { peak: number; samples: number; last: number };
}

/** Samples a process's RSS every `everyMs` (default 50 ms) until stopped. */
export function sampleRss(pid: number, everyMs = 50): RssSampler {
  let peak = rssBytes(pid) ?? 0;
  let last = peak;
  let samples = 1;
  const timer = setInterval(() => {
    const value = rssBytes(pid);
    if (value === null) return;
    samples += 1;
    last = value;
    if (value > peak) peak = value;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const value = rssBytes(pid);
      if (value !== null && value > peak) peak = value;
      return { peak, samples, last: value ?? last };
    },
  };
}

/** Idle RSS: the median of a few samples over `ms`. */
export async function idleRss(pid: number, ms = 1_000): Promise<number> {
  const values: number[] = [];
  const until = Date.now() + ms;
  while (Date.now() < until) {
    const value = rssBytes(pid);
    if (value !== null) values.push(value);
    await new Promise((r) => setTimeout(r, 50));
  }
  values.sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)] ?? 0;
}

export async function removeDir(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}
