import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import fs from 'node:fs/promises';
import type { Config } from '../config.js';
import { acquireDataDirLock, readLiveHolder, type DataDirLock } from './data-dir-lock.js';
import { startEmbeddedPostgres, type EmbeddedPostgres } from './embedded.js';
import { preparingPool } from './prepared.js';
import type { Database } from './schema.js';

// Return bigint (int8) columns as JS numbers: our counters and sizes stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface DatabaseHandle {
  pool: pg.Pool;
  db: Kysely<Database>;
  /** Where the connection came from, for logs: 'external' or 'embedded'. */
  source: 'external' | 'embedded';
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Recorded in the data-directory lock ("serve", "worker", "cli"). */
  role: string;
  /**
   * Operator commands may attach to the embedded PostgreSQL of a deskgate that
   * already runs on this data directory instead of failing on its lock.
   */
  attachToRunning?: boolean;
  poolSize?: number;
}

export function createPool(url: string, poolSize = 20): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000 });
  // An idle client that loses its server must not crash the process; the pool replaces it.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Kysely on the pool; its queries run as prepared statements (see prepared.ts). */
export function wrapPool(pool: pg.Pool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under the data directory. */
export async function openDatabase(config: Config, options: OpenOptions): Promise<DatabaseHandle> {
  if (config.databaseUrl) {
    const pool = createPool(config.databaseUrl, options.poolSize);
    const db = wrapPool(pool);
    return { pool, db, source: 'external', close: () => db.destroy() };
  }

  await fs.mkdir(config.dataDir, { recursive: true });

  if (options.attachToRunning) {
    const holder = await readLiveHolder(config.dataDir);
    if (holder?.pgPort) {
      const password = (await fs.readFile(`${config.dataDir}/pg-password`, 'utf8')).trim();
      const pool = createPool(`postgres://deskgate:${encodeURIComponent(password)}@127.0.0.1:${holder.pgPort}/deskgate`, options.poolSize);
      const db = wrapPool(pool);
      return { pool, db, source: 'embedded', close: () => db.destroy() };
    }
  }

  const lock: DataDirLock = await acquireDataDirLock(config.dataDir, options.role);
  let embedded: EmbeddedPostgres;
  try {
    embedded = await startEmbeddedPostgres(config.dataDir);
    await lock.setPgPort(embedded.port);
  } catch (error) {
    await lock.release();
    throw error;
  }
  const pool = createPool(embedded.url, options.poolSize);
  const db = wrapPool(pool);
  return {
    pool,
    db,
    source: 'embedded',
    async close() {
      await db.destroy();
      await embedded.stop();
      await lock.release();
    },
  };
}
