import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface EnqueueOptions {
  /** Deduplicates: at most one pending job per key. */
  jobKey?: string;
  runAt?: Date;
  maxAttempts?: number;
}

/**
 * Enqueues a graphile-worker job on the given connection, so a caller inside a
 * transaction gets the job committed (or rolled back) together with its data.
 */
export async function enqueueJob(db: Kysely<Database>, task: string, payload: object, options: EnqueueOptions = {}): Promise<void> {
  await sql`SELECT graphile_worker.add_job(
    ${task}::text,
    ${JSON.stringify(payload)}::json,
    run_at => ${options.runAt ?? null}::timestamptz,
    max_attempts => ${options.maxAttempts ?? null}::int,
    job_key => ${options.jobKey ?? null}::text,
    job_key_mode => 'replace'
  )`.execute(db);
}
