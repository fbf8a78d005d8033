import fs from 'node:fs/promises';
import path from 'node:path';

/** Who holds a data directory, recorded in `<dataDir>/deskgate.lock`. */
export interface LockHolder {
  pid: number;
  role: string;
  /** Port of the embedded PostgreSQL this holder runs, so operator commands can attach to it. */
  pgPort: number | null;
  startedAt: string;
}

export class DataDirBusyError extends Error {
  override readonly name = 'DataDirBusyError';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder,
  ) {
    super(
      `The data directory ${dataDir} is in use by another deskgate (${holder.role}, pid ${holder.pid}, since ${holder.startedAt}). ` +
        'Stop it first, or give this one its own DESKGATE_DATA_DIR, or point both at a shared PostgreSQL with DATABASE_URL.',
    );
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockPath(dataDir: string): string {
  return path.join(dataDir, 'deskgate.lock');
}

/** The live holder of the data directory, or null when it is free (a dead holder's lock is stale). */
export async function readLiveHolder(dataDir: string): Promise<LockHolder | null> {
  let raw: string;
  try {
    raw = await fs.readFile(lockPath(dataDir), 'utf8');
  } catch {
    return null;
  }
  try {
    const holder = JSON.parse(raw) as LockHolder;
    return isAlive(holder.pid) && holder.pid !== process.pid ? holder : null;
  } catch {
    return null;
  }
}

export interface DataDirLock {
  setPgPort(port: number): Promise<void>;
  release(): Promise<void>;
}

/** Takes the data directory for this process; throws DataDirBusyError when a live deskgate has it. */
export async function acquireDataDirLock(dataDir: string, role: string): Promise<DataDirLock> {
  const file = lockPath(dataDir);
  const holder: LockHolder = { pid: process.pid, role, pgPort: null, startedAt: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      await fs.writeFile(file, JSON.stringify(holder), { flag: 'wx', mode: 0o600 });
      return {
        async setPgPort(port) {
          holder.pgPort = port;
          await fs.writeFile(file, JSON.stringify(holder), { mode: 0o600 });
        },
        async release() {
          await fs.rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const live = await readLiveHolder(dataDir);
      if (live) throw new DataDirBusyError(dataDir, live);
      // The previous holder died without cleaning up (crash, kill -9): the lock is stale.
      await fs.rm(file, { force: true });
    }
  }
  throw new Error(`Could not take the lock ${file}; another process keeps re-creating it.`);
}
