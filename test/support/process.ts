import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(root, 'src/cli/main.ts');

export interface DeskgateProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `deskgate <args>` as a real child process (TypeScript sources via tsx). */
export function spawnDeskgate(args: string[], env: Record<string, string>): DeskgateProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, ...args], {
    cwd: root,
    env: { ...process.env, DESKGATE_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => output, exited };
}

/** Runs a one-shot command to completion. */
export async function runDeskgate(args: string[], env: Record<string, string>) {
  const proc = spawnDeskgate(args, env);
  const { code } = await proc.exited;
  return { code, output: proc.output() };
}

/** Waits for `serve` to log its listening address; resolves the base URL. */
export async function listeningUrl(proc: DeskgateProcess, timeoutMs = 60_000): Promise<string> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(proc.output());
    if (match) return match[1]!;
    if (proc.child.exitCode !== null) throw new Error(`deskgate exited early:\n${proc.output()}`);
    if (Date.now() > until) {
      proc.child.kill('SIGKILL');
      throw new Error(`deskgate did not start:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
