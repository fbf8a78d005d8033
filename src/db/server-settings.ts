import type pg from 'pg';
import type { Logger } from 'pino';

/**
 * Warns about PostgreSQL settings deskgate cannot work well with. Its job
 * tables (`job_outbox`, graphile-worker's jobs) take and delete rows all day:
 * without autovacuum their dead rows pile up and every job fetch and hand-over
 * wades through them, slower by the hour.
 */
export async function warnAboutServerSettings(pool: pg.Pool, log: Logger): Promise<string[]> {
  const { rows } = await pool.query<{ autovacuum: string }>('SHOW autovacuum');
  const warnings: string[] = [];
  if (rows[0]?.autovacuum !== 'on') {
    warnings.push('autovacuum is off on this PostgreSQL server: deskgate\'s job tables will bloat and jobs slow down over time; turn it on (the default), or VACUUM job_outbox and graphile_worker._private_jobs often');
  }
  for (const warning of warnings) log.warn({ component: 'database' }, warning);
  return warnings;
}
