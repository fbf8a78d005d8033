import os from 'node:os';
import type pg from 'pg';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  postgres: string;
  os: string;
  loadAverage: string;
}

export async function describeMachine(pool: pg.Pool): Promise<Machine> {
  const cpus = os.cpus();
  const { rows } = await pool.query<{ server_version: string }>('SHOW server_version');
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    postgres: `PostgreSQL ${rows[0]?.server_version ?? '?'}`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: os.loadavg().map((n) => n.toFixed(2)).join(' / '),
  };
}
