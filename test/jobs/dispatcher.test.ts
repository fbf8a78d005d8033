import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { sql, type Kysely } from 'kysely';
import pino from 'pino';
import type pg from 'pg';
import { createPool, wrapPool } from '../../src/db/database.js';
import { enqueueJob } from '../../src/db/queries/jobs.js';
import { migrate } from '../../src/db/migrate.js';
import type { Database } from '../../src/db/schema.js';
import { createJobDispatcher } from '../../src/jobs/dispatcher.js';
import { eventually } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let db: Kysely<Database>;
const log = pino({ level: 'silent' });

before(async () => {
  database = await createTestDatabase();
  pool = createPool(database.url);
  db = wrapPool(pool);
  await migrate(pool);
});
after(async () => {
  await db.destroy();
  await database.drop();
});
beforeEach(async () => {
  await sql`TRUNCATE job_outbox`.execute(db);
  await sql`DELETE FROM graphile_worker._private_jobs`.execute(db);
});

interface QueuedJob {
  task_identifier: string;
  payload: unknown;
  key: string | null;
  run_at: Date;
  max_attempts: number;
}
const queuedJobs = async () =>
  (
    // The public jobs view hides payloads; the test reads graphile-worker's table itself.
    await sql<QueuedJob>`
      SELECT t.identifier AS task_identifier, j.payload, j.key, j.run_at, j.max_attempts
      FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
      ORDER BY j.id`.execute(db)
  ).rows;
const outboxRows = async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM job_outbox`.execute(db)).rows[0]!.n);

test('a job enqueued in a transaction reaches graphile-worker once the transaction commits, with its key, run_at and attempts', async () => {
  const jobs = createJobDispatcher({ db, pool, log, sweepIntervalMs: 60_000 });
  const runAt = new Date(Date.now() + 3_600_000);
  const result = await jobs.transaction(async (trx) => {
    await enqueueJob(trx, 'some_task', { ticketId: 't-1' }, { jobKey: 'k-1', runAt, maxAttempts: 7 });
    // Not visible to anyone before the commit.
    assert.equal((await queuedJobs()).length, 0);
    return 'done';
  });
  assert.equal(result, 'done');
  const [job] = await eventually(async () => ((await queuedJobs()).length > 0 ? queuedJobs() : null), 5_000, 'the job to be handed over');
  assert.deepEqual({ ...job, run_at: job!.run_at.getTime() }, { task_identifier: 'some_task', payload: { ticketId: 't-1' }, key: 'k-1', run_at: runAt.getTime(), max_attempts: 7 });
  assert.equal(await outboxRows(), 0);
  await jobs.stop();
});

test('a rolled-back transaction enqueues nothing', async () => {
  const jobs = createJobDispatcher({ db, pool, log, sweepIntervalMs: 60_000 });
  await assert.rejects(
    jobs.transaction(async (trx) => {
      await enqueueJob(trx, 'some_task', { n: 1 });
      throw new Error('the data change failed');
    }),
    /the data change failed/,
  );
  await jobs.stop();
  assert.equal(await outboxRows(), 0);
  assert.equal((await queuedJobs()).length, 0);
});

test('rows committed by a process that died before handing them over are picked up by another process\'s sweep', async () => {
  // The writer: commits and "crashes" (no dispatcher ever wakes for these rows).
  await db.transaction().execute((trx) => enqueueJob(trx, 'orphaned', { n: 1 }));
  await enqueueJob(db, 'orphaned', { n: 2 });
  const survivor = createJobDispatcher({ db, pool, log, sweepIntervalMs: 50 });
  survivor.startSweeping();
  const found = await eventually(async () => ((await queuedJobs()).length === 2 ? queuedJobs() : null), 5_000, 'the sweep');
  assert.deepEqual(found.map((j) => j.payload), [{ n: 1 }, { n: 2 }]);
  await survivor.stop();
});

test('two enqueues of one job key become one job carrying the newer payload and run_at, also within one batch', async () => {
  const first = new Date(Date.now() + 60_000);
  const second = new Date(Date.now() + 120_000);
  await enqueueJob(db, 'retry', { attempt: 1 }, { jobKey: 'same', runAt: first });
  await enqueueJob(db, 'retry', { attempt: 2 }, { jobKey: 'same', runAt: second });
  await enqueueJob(db, 'other', { unkeyed: true });
  const jobs = createJobDispatcher({ db, pool, log, sweepIntervalMs: 60_000 });
  await jobs.stop(); // the last hand-over moves all three rows as one batch
  const found = await queuedJobs();
  assert.deepEqual(
    found.map((j) => [j.task_identifier, j.payload, j.run_at.getTime()]).sort(),
    [['other', { unkeyed: true }, found.find((j) => j.task_identifier === 'other')!.run_at.getTime()], ['retry', { attempt: 2 }, second.getTime()]].sort(),
  );
  assert.equal(await outboxRows(), 0);
});

test('a key enqueued again while its job runs gets a new job, as graphile-worker\'s replace mode does', async () => {
  const jobs = createJobDispatcher({ db, pool, log, sweepIntervalMs: 60_000 });
  await jobs.transaction((trx) => enqueueJob(trx, 'register', { n: 1 }, { jobKey: 'ticket-1' }));
  await jobs.stop();
  await sql`UPDATE graphile_worker._private_jobs SET locked_at = now(), locked_by = 'some-worker'`.execute(db);
  await jobs.transaction((trx) => enqueueJob(trx, 'register', { n: 2 }, { jobKey: 'ticket-1', runAt: new Date(Date.now() + 1_000) }));
  await jobs.stop();
  const found = await queuedJobs();
  assert.deepEqual(found.map((j) => [j.payload, j.key]), [[{ n: 1 }, null], [{ n: 2 }, 'ticket-1']]);
});

test('many rows, several batches and two processes dispatching at once: every job is handed over exactly once', async () => {
  const rows = 1_000;
  await sql`INSERT INTO job_outbox (task, payload) SELECT 'bulk', json_build_object('n', n) FROM generate_series(1, ${rows}) AS n`.execute(db);
  const a = createJobDispatcher({ db, pool, log, sweepIntervalMs: 60_000, batchSize: 64 });
  const b = createJobDispatcher({ db, pool, log, sweepIntervalMs: 60_000, batchSize: 64 });
  a.wake();
  b.wake();
  a.wake();
  await Promise.all([a.stop(), b.stop()]);
  const found = await queuedJobs();
  assert.equal(found.length, rows);
  assert.equal(new Set(found.map((j) => (j.payload as { n: number }).n)).size, rows);
  assert.equal(await outboxRows(), 0);
});

test('a hand-over that fails leaves the rows for the next one', async () => {
  await enqueueJob(db, 'unlucky', { n: 1 });
  // graphile-worker's job table is briefly unavailable (locked by someone else) and this process does not wait for it.
  const impatientPool = createPool(`${database.url}?options=${encodeURIComponent('-c lock_timeout=100')}`);
  const jobs = createJobDispatcher({ db: wrapPool(impatientPool), pool: impatientPool, log, sweepIntervalMs: 60_000 });
  const blocker = await pool.connect();
  try {
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE graphile_worker._private_jobs IN ACCESS EXCLUSIVE MODE');
    await jobs.stop();
  } finally {
    await blocker.query('ROLLBACK');
    blocker.release();
  }
  assert.equal(await outboxRows(), 1);
  await jobs.stop();
  await impatientPool.end();
  assert.equal((await queuedJobs()).length, 1);
  assert.equal(await outboxRows(), 0);
});

test('plain jobs of a batched task are handed over as batch jobs of at most its size, in outbox order; keyed, delayed and other jobs stay single', async () => {
  for (let n = 1; n <= 5; n += 1) await enqueueJob(db, 'batched', { n });
  await enqueueJob(db, 'batched', { keyed: true }, { jobKey: 'k' });
  await enqueueJob(db, 'batched', { later: true }, { runAt: new Date(Date.now() + 60_000) });
  await enqueueJob(db, 'batched', { attempts: true }, { maxAttempts: 3 });
  await enqueueJob(db, 'single', { n: 6 });
  const jobs = createJobDispatcher({ db, pool, log, sweepIntervalMs: 60_000, batchSizes: { batched: 2, single: 1 } });
  await jobs.stop(); // one hand-over moves every row
  // graphile-worker's job ids need not follow the order of add_jobs' specs: compare as sets.
  const sorted = (jobs: unknown[][]) => jobs.map((j) => JSON.stringify(j)).sort();
  const found = await queuedJobs();
  assert.deepEqual(
    sorted(found.map((j) => [j.task_identifier, j.payload, j.key])),
    sorted([
      ['batched', [{ n: 1 }, { n: 2 }], null],
      ['batched', [{ n: 3 }, { n: 4 }], null],
      ['batched', [{ n: 5 }], null],
      ['batched', { keyed: true }, 'k'],
      ['batched', { later: true }, null],
      ['batched', { attempts: true }, null],
      ['single', { n: 6 }, null],
    ]),
  );
  assert.equal(await outboxRows(), 0);
});

test('under load hand-overs are paced: the first commit after a quiet spell goes at once, later ones wait for the interval; stopping hands over at once', async () => {
  const jobs = createJobDispatcher({ db, pool, log, sweepIntervalMs: 60_000, minIntervalMs: 1_000 });
  const handedOver = async (n: number) => (await queuedJobs()).length === n;
  await jobs.transaction((trx) => enqueueJob(trx, 'paced', { n: 1 }));
  await eventually(() => handedOver(1), 500, 'the first hand-over, at once');
  const second = Date.now();
  await jobs.transaction((trx) => enqueueJob(trx, 'paced', { n: 2 }));
  await jobs.transaction((trx) => enqueueJob(trx, 'paced', { n: 3 }));
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(await outboxRows(), 2, 'the next hand-over waits for the interval');
  await eventually(() => handedOver(3), 3_000, 'the paced hand-over');
  assert.ok(Date.now() - second >= 400, 'it came after the interval');
  await jobs.transaction((trx) => enqueueJob(trx, 'paced', { n: 4 }));
  await jobs.stop();
  assert.equal(await outboxRows(), 0, 'stop does not wait for the interval');
  assert.equal((await queuedJobs()).length, 4);
});
