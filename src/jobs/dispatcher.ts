import type { Kysely, Transaction } from 'kysely';
import type pg from 'pg';
import type { Logger } from 'pino';
import { dispatchOutbox, hasEnqueued, type BatchSizes } from '../db/queries/jobs.js';
import type { Database } from '../db/schema.js';

export interface JobDispatcher {
  /** Runs `work` in a transaction and, once it has committed, hands any jobs it enqueued to the workers. */
  transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T>;
  /** Hands committed outbox rows to the workers soon; calls that arrive while a hand-over runs share the next one. */
  wake(): void;
  /** Periodic sweeps pick up rows whose writer died between its commit and its hand-over. */
  startSweeping(): void;
  /** Stops sweeping, waits for a running hand-over and makes a last one. */
  stop(): Promise<void>;
}

/**
 * Moves jobs from `job_outbox` into graphile-worker, whose NOTIFY then wakes a
 * worker. One hand-over at a time per process, each a single batch
 * transaction, so many concurrent commits cost one NOTIFY between them. Plain
 * jobs of the tasks in `batchSizes` become batch jobs of up to that many entries.
 */
export function createJobDispatcher(deps: {
  db: Kysely<Database>;
  pool: pg.Pool;
  log: Logger;
  sweepIntervalMs: number;
  /**
   * A hand-over starts at least this long after the previous one ended.
   * After a quiet spell the first commit is handed over at once; under
   * sustained load commits gather into fewer, larger hand-overs (each costs a
   * transaction, a NOTIFY and the workers' fetch it wakes).
   */
  minIntervalMs?: number;
  batchSize?: number;
  batchSizes?: BatchSizes;
}): JobDispatcher {
  const batchSize = deps.batchSize ?? 500;
  const batchSizes = deps.batchSizes ?? {};
  const minIntervalMs = deps.minIntervalMs ?? 0;
  let running: Promise<void> | null = null;
  let wokenDuringRun = false;
  let lastEnded = -Infinity;
  let paced: NodeJS.Timeout | undefined;
  let sweep: NodeJS.Timeout | undefined;

  async function dispatchAll() {
    try {
      while ((await dispatchOutbox(deps.pool, batchSize, batchSizes)) === batchSize);
    } catch (error) {
      deps.log.error({ err: error }, 'handing jobs to the workers failed; the next sweep retries');
    }
  }

  function start() {
    paced = undefined;
    wokenDuringRun = false;
    running = dispatchAll().finally(() => {
      running = null;
      lastEnded = performance.now();
      // Commits that arrived meanwhile get the next hand-over.
      if (wokenDuringRun) wake();
    });
  }

  function wake() {
    if (running) {
      wokenDuringRun = true;
      return;
    }
    if (paced) return;
    const wait = lastEnded + minIntervalMs - performance.now();
    if (wait <= 0) start();
    else paced = setTimeout(start, wait);
  }

  /** The hand-over in progress or due, if any. */
  async function settled() {
    while (running || paced) {
      if (paced) {
        clearTimeout(paced);
        start();
      }
      await running;
    }
  }

  return {
    async transaction(work) {
      let used: Transaction<Database> | undefined;
      const result = await deps.db.transaction().execute((trx) => work((used = trx)));
      if (used && hasEnqueued(used)) wake();
      return result;
    },
    wake,
    startSweeping() {
      sweep ??= setInterval(wake, deps.sweepIntervalMs);
      sweep.unref();
    },
    async stop() {
      clearInterval(sweep);
      sweep = undefined;
      await settled();
      start();
      await settled();
    },
  };
}
