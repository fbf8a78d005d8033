import { sql, type Kysely } from 'kysely';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { Database, TicketStatus } from '../db/schema.js';

const STATUSES: TicketStatus[] = ['PENDING', 'CREATED', 'FAILED'];

/**
 * Gauges read from PostgreSQL when /metrics is scraped, so every deskgate
 * process reports the same shared truth. A failed query drops the series for
 * that scrape (and logs) rather than failing the whole scrape.
 */
export function registerDatabaseGauges(registry: Registry, db: Kysely<Database>, log: Logger): void {
  const registers = [registry];
  const guarded = async (gauge: Gauge, read: () => Promise<void>) => {
    gauge.reset();
    try {
      await read();
    } catch (error) {
      log.warn({ err: error }, 'metrics query failed');
    }
  };

  // Due and unlocked: waiting for a free worker, not merely scheduled for later; outbox rows not yet handed over count too.
  const waitingJobs = () =>
    sql<{ task: string; depth: number; oldest_seconds: number }>`
      SELECT task, count(*)::int AS depth, extract(epoch FROM now() - min(due))::float8 AS oldest_seconds
      FROM (
        SELECT task_identifier AS task, run_at AS due
        FROM graphile_worker.jobs
        WHERE locked_at IS NULL AND run_at <= now() AND attempts < max_attempts
        UNION ALL
        SELECT task, coalesce(run_at, created_at) FROM job_outbox WHERE coalesce(run_at, created_at) <= now()
      ) AS waiting
      GROUP BY task`.execute(db).then((r) => r.rows);

  new Gauge({
    name: 'deskgate_tickets',
    help: 'Tickets by status.',
    labelNames: ['status'],
    registers,
    async collect() {
      await guarded(this, async () => {
        const rows = await db.selectFrom('tickets').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
        for (const status of STATUSES) this.set({ status }, Number(rows.find((r) => r.status === status)?.n ?? 0));
      });
    },
  });
  new Gauge({
    name: 'deskgate_job_queue_depth',
    help: 'Jobs due to run that no worker has picked up yet, by task.',
    labelNames: ['task'],
    registers,
    async collect() {
      await guarded(this, async () => {
        for (const row of await waitingJobs()) this.set({ task: row.task }, row.depth);
      });
    },
  });
  new Gauge({
    name: 'deskgate_job_oldest_age_seconds',
    help: 'How long the longest-waiting due job has waited for a worker, by task.',
    labelNames: ['task'],
    registers,
    async collect() {
      await guarded(this, async () => {
        for (const row of await waitingJobs()) this.set({ task: row.task }, row.oldest_seconds);
      });
    },
  });
}
