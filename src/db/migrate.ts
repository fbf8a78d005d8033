import type pg from 'pg';
import { runMigrations as runWorkerMigrations } from 'graphile-worker';
import { latestMigrationId, migrations } from './migrations/index.js';

// Any constant works; it only has to be the same in every deskgate process.
const MIGRATION_LOCK = 7_482_331_901;

/**
 * Applies deskgate's pending migrations (each in its own transaction) and
 * graphile-worker's. Safe to run from several processes at once.
 */
export async function migrate(pool: pg.Pool): Promise<{ applied: number[] }> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS deskgate_migrations (
      id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ id: number }>('SELECT id FROM deskgate_migrations');
    const done = new Set(rows.map((r) => r.id));
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO deskgate_migrations (id, name) VALUES ($1, $2)', [migration.id, migration.name]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${migration.id} (${migration.name}) failed: ${(error as Error).message}`, { cause: error });
      }
      applied.push(migration.id);
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    client.release();
  }
  await runWorkerMigrations({ pgPool: pool });
  return { applied };
}

/** True when this database has every migration this build knows. */
export async function migrationsCurrent(pool: pg.Pool): Promise<boolean> {
  const { rows } = await pool.query<{ max: number | null }>('SELECT max(id) AS max FROM deskgate_migrations');
  return rows[0]?.max === latestMigrationId;
}
