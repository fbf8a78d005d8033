import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { Logger as WorkerLogger, run, type Runner, type TaskList, type WorkerEvents } from 'graphile-worker';
import type { Logger } from 'pino';
import { workerLiveness, type LivenessOptions } from './liveness.js';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface JobWorker {
  stop(): Promise<void>;
}

/**
 * graphile-worker's lines through pino. Its `job` meta (the whole job row, on
 * every completion) is left out: the scope names the job and its task, and
 * serialising the row cost more than the rest of the line.
 */
function workerLogger(log: Logger): WorkerLogger {
  return new WorkerLogger((scope) => (level, message, meta) => {
    const { job: _job, error, ...rest } = (meta ?? {}) as Record<string, unknown>;
    const fields = { scope: { label: scope.label, taskIdentifier: scope.taskIdentifier, jobId: scope.jobId }, ...rest, ...(error === undefined ? {} : { err: error }) };
    if (level === 'error') log.error(fields, message);
    else if (level === 'warning') log.warn(fields, message);
    else if (level === 'info') log.info(fields, message);
    else log.debug(fields, message);
  });
}

/**
 * Runs graphile-worker in this process with deskgate's tasks, heartbeating its
 * workers and freeing the jobs of workers that died elsewhere.
 */
export async function startJobWorker(options: {
  pool: pg.Pool;
  db: Kysely<Database>;
  tasks: TaskList;
  crontab: string;
  concurrency: number;
  pollIntervalMs: number;
  liveness: LivenessOptions;
  /** On stop, running jobs get this long to finish; then they are failed and released for a retry. */
  shutdownTimeoutMs: number;
  log: Logger;
}): Promise<JobWorker> {
  const liveness = workerLiveness(options.db, options.liveness);
  const workerIds = new Set<string>();
  const events = new EventEmitter() as WorkerEvents;
  events.on('worker:create', ({ worker }) => void workerIds.add(worker.workerId));
  events.on('worker:release', ({ worker }) => void workerIds.delete(worker.workerId));
  // graphile-worker locks jobs with the pool's id, so the pool must beat too: otherwise a job running
  // longer than `deadAfterMs` looks abandoned and is unlocked and run a second time, concurrently.
  events.on('pool:create', ({ workerPool }) => void workerIds.add(workerPool.id));
  events.on('pool:release', ({ workerPool }) => void workerIds.delete(workerPool.id));

  const tick = async () => {
    try {
      await liveness.beat([...workerIds]);
      const unlocked = await liveness.unlockDeadWorkers();
      if (unlocked.length > 0) options.log.warn({ workers: unlocked }, 'unlocked jobs of dead workers');
    } catch (error) {
      options.log.error({ err: error }, 'worker heartbeat failed');
    }
  };
  // Free what a crashed predecessor held before taking new work.
  await tick();

  const runner: Runner = await run({
    pgPool: options.pool,
    taskList: options.tasks,
    crontab: options.crontab,
    concurrency: options.concurrency,
    pollInterval: options.pollIntervalMs,
    noHandleSignals: true,
    logger: workerLogger(options.log),
    events,
    // The pool fetches due jobs in one query for all its workers (instead of each idle worker asking on every
    // new-job notification), and completions finishing in the same tick share one query. Jobs it holds are
    // under the pool's id, which heartbeats, so a dead process's jobs are freed as any others.
    preset: { worker: { localQueue: { size: options.concurrency }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  });
  await tick();
  const timer = setInterval(() => void tick(), options.liveness.heartbeatMs);
  timer.unref();

  let stopping: Promise<void> | undefined;
  async function stop() {
    clearInterval(timer);
    const ids = [...workerIds];
    let deadline: NodeJS.Timeout | undefined;
    const overdue = new Promise<'overdue'>((resolve) => (deadline = setTimeout(() => resolve('overdue'), options.shutdownTimeoutMs)));
    if ((await Promise.race([runner.stop(), overdue])) === 'overdue') {
      options.log.warn({ timeoutMs: options.shutdownTimeoutMs }, 'jobs still running at the shutdown deadline; releasing them for a retry');
      await runner.kill();
    }
    clearTimeout(deadline);
    await liveness.forget(ids).catch(() => undefined);
  }
  // Stopping twice (a signal, then the app closing) waits for the one stop.
  return { stop: () => (stopping ??= stop()) };
}
