import type { Insertable, Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Metrics } from '../observability/metrics.js';
import { enqueueJobs, outboxRow } from '../db/queries/jobs.js';
import { webhookDeliveryQueries, webhookEndpointQueries } from '../db/queries/webhooks.js';
import type { Database, JobOutboxTable, WebhookDelivery, WebhookEndpoint } from '../db/schema.js';
import type { JobDispatcher } from '../jobs/dispatcher.js';
import { TASKS, webhookDeliveryJobKey } from '../jobs/task-names.js';
import { dialectOf, type WebhookDialects } from './dialect.js';
import { postWebhook, type AttemptResult, type OutboundPolicy } from './outbound.js';
import { nextAttemptDelayMs } from './retry-schedule.js';

export interface DeliveryPolicy {
  retryScheduleMs: readonly number[];
  timeoutMs: number;
  /** An endpoint failing without a success for this long is disabled. */
  disableAfterMs: number;
  outbound: OutboundPolicy;
}

export type DeliveryOutcome = 'delivered' | 'retry_scheduled' | 'failed' | 'not_pending';

/** What an attempt sends: the delivery's id, message id and body, fixed when it was created. */
export type DeliveryToSend = Pick<WebhookDelivery, 'id' | 'message_id' | 'body'>;

/** The outbox row of a delivery's job: one job per delivery, the newest enqueue of it wins. */
export function deliveryJob(deliveryId: string, runAt: Date): Insertable<JobOutboxTable> {
  return outboxRow(TASKS.deliverWebhook, { deliveryId }, { jobKey: webhookDeliveryJobKey(deliveryId), runAt });
}

/** Enqueues the delivery's job on the caller's connection (inside its transaction). */
export async function enqueueDelivery(db: Kysely<Database>, deliveryId: string, runAt: Date): Promise<void> {
  await enqueueJobs(db, [deliveryJob(deliveryId, runAt)]);
}

/** Delay before a delivery's first attempt: the schedule's first entry, jittered. */
export function firstAttemptAt(policy: DeliveryPolicy, now: Date): Date {
  return new Date(now.getTime() + (nextAttemptDelayMs(0, { schedule: policy.retryScheduleMs }) ?? 0));
}

/**
 * The delivery engine: one attempt of one delivery per job run, then
 * delivered, retried later (a new job) or failed, with the endpoint's health
 * updated. Dialects only build and sign; everything here is shared.
 */
export function createWebhookDeliverer(deps: {
  db: Kysely<Database>;
  jobs: JobDispatcher;
  dialects: WebhookDialects;
  policy: DeliveryPolicy;
  log: Logger;
  metrics: Pick<Metrics, 'webhookDelivery'>;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());

  async function attempt(delivery: DeliveryToSend, endpoint: WebhookEndpoint): Promise<{ attemptedAt: Date; result: AttemptResult }> {
    const attemptedAt = now();
    const headers = await dialectOf(deps.dialects, endpoint.dialect).sign({ endpoint, messageId: delivery.message_id, body: delivery.body, timestamp: attemptedAt });
    const result = await postWebhook(endpoint.url, delivery.body, headers, { timeoutMs: deps.policy.timeoutMs, policy: deps.policy.outbound });
    return { attemptedAt, result };
  }

  const attemptRecord = (attemptedAt: Date, result: AttemptResult) => ({
    attemptedAt,
    statusCode: result.status,
    latencyMs: result.latencyMs,
    responseExcerpt: result.responseExcerpt,
    error: result.error,
  });

  /**
   * One attempt of a pending delivery and its outcome: delivered (one
   * statement), or failed and retried later (a new job) or given up, with the
   * endpoint's health updated. `dropJob`: the delivery's job is still pending
   * and goes once the attempt succeeds (an attempt made outside its job).
   */
  async function attemptOnce(delivery: DeliveryToSend, endpoint: WebhookEndpoint, dropJob: boolean): Promise<DeliveryOutcome> {
    const deliveryId = delivery.id;
    if (!endpoint.enabled) {
      await webhookDeliveryQueries(deps.db).markFailed(deliveryId, `Endpoint disabled${endpoint.disabled_reason ? `: ${endpoint.disabled_reason}` : ''}`);
      return 'failed';
    }
    const { attemptedAt, result } = await attempt(delivery, endpoint);
    if (result.ok) {
      await webhookDeliveryQueries(deps.db).recordDelivered(deliveryId, endpoint.id, attemptRecord(attemptedAt, result), dropJob ? webhookDeliveryJobKey(deliveryId) : undefined);
      return 'delivered';
    }
    return deps.jobs.transaction(async (trx): Promise<DeliveryOutcome> => {
      const deliveries = webhookDeliveryQueries(trx);
      const endpoints = webhookEndpointQueries(trx);
      const recorded = await deliveries.recordAttempt(deliveryId, attemptRecord(attemptedAt, result));
      const failingSince = await endpoints.noteFailure(endpoint.id, attemptedAt);
      const disableReason = result.gone
        ? 'The endpoint answered 410 Gone.'
        : attemptedAt.getTime() - failingSince.getTime() >= deps.policy.disableAfterMs
          ? `Every attempt failed since ${failingSince.toISOString()}.`
          : null;
      if (disableReason) {
        await endpoints.disable(endpoint.id, disableReason);
        await deliveries.markFailed(deliveryId, `Endpoint disabled: ${disableReason}`);
        deps.log.warn({ endpointId: endpoint.id, reason: disableReason }, 'webhook endpoint disabled');
        return 'failed';
      }
      const delayMs = nextAttemptDelayMs(recorded.schedule_step, { schedule: deps.policy.retryScheduleMs, retryAfterMs: result.retryAfterMs });
      if (delayMs === null) {
        await deliveries.markFailed(deliveryId, `Gave up after ${recorded.schedule_step} attempts.`);
        return 'failed';
      }
      // The retry's job takes the delivery's job key: it replaces a job still pending for this delivery.
      const runAt = new Date(attemptedAt.getTime() + delayMs);
      await deliveries.scheduleRetry(deliveryId, runAt);
      await enqueueDelivery(trx, deliveryId, runAt);
      return 'retry_scheduled';
    });
  }

  const counted = async (outcome: Promise<DeliveryOutcome>) => {
    const settled = await outcome;
    deps.metrics.webhookDelivery(settled);
    return settled;
  };

  return {
    /** The `deliver_webhook` job. Safe to run again after a crash: a pending delivery is simply attempted again. */
    async deliver(deliveryId: string): Promise<DeliveryOutcome> {
      const target = await webhookDeliveryQueries(deps.db).findWithEndpoint(deliveryId);
      if (!target || target.delivery.status !== 'pending') return 'not_pending';
      return counted(attemptOnce(target.delivery, target.endpoint, false));
    },

    /** A just-created delivery's first attempt, made by the process that created it while its job waits (see inline-deliveries.ts). */
    deliverNow(delivery: DeliveryToSend, endpoint: WebhookEndpoint): Promise<DeliveryOutcome> {
      return counted(attemptOnce(delivery, endpoint, true));
    },

    /** One attempt right now, without retries and without counting toward the endpoint's health (test sends). */
    async deliverOnce(deliveryId: string): Promise<void> {
      const target = await webhookDeliveryQueries(deps.db).findWithEndpoint(deliveryId);
      if (!target) return;
      const sent = await attempt(target.delivery, target.endpoint);
      await deps.db.transaction().execute(async (trx) => {
        const deliveries = webhookDeliveryQueries(trx);
        await deliveries.recordAttempt(deliveryId, attemptRecord(sent.attemptedAt, sent.result));
        if (sent.result.ok) await deliveries.markDelivered(deliveryId, sent.attemptedAt);
        else await deliveries.markFailed(deliveryId, 'Test deliveries are not retried.');
      });
    },
  };
}

export type WebhookDeliverer = ReturnType<typeof createWebhookDeliverer>;
