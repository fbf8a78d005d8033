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

// Any constant works; it only has to be the same in every deskgate process.
const DISPATCH_LOCK = 7_482_331_902;

/**
 * Moves up to `limit` outbox rows into graphile-worker in one transaction, with
 * one NOTIFY for the batch; returns how many rows it moved. Dispatchers take
 * turns (an advisory lock), so two enqueues of one job key reach
 * graphile-worker in the order they were written and the newer one wins.
 *
 * One round trip: a multi-statement simple query runs as one implicit
 * transaction (rolled back as a whole on error), and under READ COMMITTED its
 * second statement takes its snapshot after the lock is granted, so it sees
 * every row committed by then.
 */
export async function dispatchOutbox(pool: pg.Pool, limit: number): Promise<number> {
  const batch = Math.max(1, Math.floor(limit));
  const results = (await pool.query(`
    SELECT pg_advisory_xact_lock(${DISPATCH_LOCK});
    WITH batch AS (
      DELETE FROM job_outbox
      WHERE id IN (SELECT id FROM job_outbox ORDER BY id LIMIT ${batch})
      RETURNING *
    ), newest AS (
      -- add_jobs may not touch one job key twice in a batch: keep each key's newest row.
      SELECT DISTINCT ON (coalesce(job_key, 'id:' || id)) *
      FROM batch
      ORDER BY coalesce(job_key, 'id:' || id), id DESC
    ), specs AS (
      SELECT array_agg(ROW(task, payload, NULL, run_at, max_attempts, job_key, NULL, NULL)::graphile_worker.job_spec ORDER BY id) AS specs
      FROM newest
    )
    SELECT (SELECT count(*) FROM batch)::int AS moved,
           (SELECT count(*) FROM specs, graphile_worker.add_jobs(specs.specs) WHERE specs.specs IS NOT NULL) AS added`)) as unknown as pg.QueryResult<{ moved: number }>[];
  return results[1]?.rows[0]?.moved ?? 0;
}
