import type { Insertable, Kysely } from 'kysely';
import type pg from 'pg';
import type { Database, JobOutboxTable } from '../schema.js';

export interface EnqueueOptions {
  /** Deduplicates: at most one pending job per key; a newer enqueue replaces it (graphile-worker's 'replace' mode). */
  jobKey?: string;
  runAt?: Date;
  maxAttempts?: number;
}

/**
 * Enqueues a job on the given connection, so a caller inside a transaction
 * gets the job committed (or rolled back) together with its data. The job
 * waits in `job_outbox` until a dispatcher hands it to graphile-worker
 * (see jobs/dispatcher.ts): no NOTIFY here, so these commits run in parallel.
 */
export async function enqueueJob(db: Kysely<Database>, task: string, payload: object, options: EnqueueOptions = {}): Promise<void> {
  await enqueueJobs(db, [outboxRow(task, payload, options)]);
}

/** Enqueues prepared outbox rows (see outboxRow) on the given connection, in one statement. */
export async function enqueueJobs(db: Kysely<Database>, rows: Insertable<JobOutboxTable>[]): Promise<void> {
  if (rows.length === 0) return;
  enqueuedOn.add(db);
  await db.insertInto('job_outbox').values(rows).execute();
}

/** The `job_outbox` row of a job, for statements that enqueue it themselves (the caller then wakes the dispatcher). */
export function outboxRow(task: string, payload: object, options: EnqueueOptions = {}): Insertable<JobOutboxTable> {
  return { task, payload: JSON.stringify(payload), job_key: options.jobKey ?? null, run_at: options.runAt ?? null, max_attempts: options.maxAttempts ?? null };
}

/** Transactions (Kysely handles) that enqueued a job: only their commits need a hand-over. */
const enqueuedOn = new WeakSet<object>();
export const hasEnqueued = (trx: object): boolean => enqueuedOn.has(trx);

/** Tasks whose plain jobs (no key, run_at or max_attempts) are handed over in batches: task → most entries per job. */
export type BatchSizes = Readonly<Record<string, number>>;

/**
 * Moves up to `limit` outbox rows into graphile-worker in one transaction,
 * with one NOTIFY for the batch, turning plain rows of the tasks in
 * `batchSizes` into batch jobs (migration 0010 has the details); returns how
 * many rows it moved.
 */
export async function dispatchOutbox(pool: pg.Pool, limit: number, batchSizes: BatchSizes): Promise<number> {
  const { rows } = await pool.query<{ moved: number }>({
    name: 'deskgate_hand_over_jobs',
    text: 'SELECT deskgate_hand_over_jobs($1, $2) AS moved',
    values: [Math.max(1, Math.floor(limit)), JSON.stringify(batchSizes)],
  });
  return rows[0]?.moved ?? 0;
}
