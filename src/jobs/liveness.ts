import { hostname } from 'node:os';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface LivenessOptions {
  heartbeatMs: number;
  /** A worker silent for this long is presumed dead and its jobs are unlocked. */
  deadAfterMs: number;
}

/**
 * graphile-worker only frees jobs locked by a vanished worker after 4 hours.
 * Workers here heartbeat into `worker_heartbeats`; any process can then unlock
 * the jobs of workers that stopped beating (kill -9, lost machine) within
 * seconds, so a crash delays a ticket by `deadAfterMs`, not hours.
 */
export function workerLiveness(db: Kysely<Database>, options: LivenessOptions) {
  const processName = `${hostname()}:${process.pid}`;
  return {
    async beat(workerIds: string[]): Promise<void> {
      if (workerIds.length === 0) return;
      await db
        .insertInto('worker_heartbeats')
        .values(workerIds.map((worker_id) => ({ worker_id, process: processName, heartbeat_at: new Date() })))
        .onConflict((oc) => oc.column('worker_id').doUpdateSet({ heartbeat_at: new Date() }))
        .execute();
    },
    async forget(workerIds: string[]): Promise<void> {
      if (workerIds.length === 0) return;
      await db.deleteFrom('worker_heartbeats').where('worker_id', 'in', workerIds).execute();
    },
    /** Unlocks jobs of dead workers: stale heartbeats, or lock holders never seen beating for a while. */
    async unlockDeadWorkers(): Promise<string[]> {
      const deadAfter = sql`now() - make_interval(secs => ${options.deadAfterMs / 1000})`;
      const { rows } = await sql<{ worker_id: string }>`
        SELECT worker_id FROM worker_heartbeats WHERE heartbeat_at < ${deadAfter}
        UNION
        SELECT DISTINCT locked_by FROM graphile_worker.jobs
        WHERE locked_by IS NOT NULL AND locked_at < ${deadAfter}
          AND locked_by NOT IN (SELECT worker_id FROM worker_heartbeats)`.execute(db);
      const dead = rows.map((r) => r.worker_id);
      if (dead.length === 0) return dead;
      await sql`SELECT graphile_worker.force_unlock_workers(${dead}::text[])`.execute(db);
      await db.deleteFrom('worker_heartbeats').where('worker_id', 'in', dead).execute();
      return dead;
    },
  };
}
