import type { Kysely } from 'kysely';
import { webhookDeliveryQueries, type WebhookScope } from '../db/queries/webhooks.js';
import type { Database, DeliveryStatus, WebhookAttempt, WebhookDelivery } from '../db/schema.js';
import { AppError } from '../domain/errors.js';
import { isUuid } from '../domain/tickets.js';
import type { JobDispatcher } from '../jobs/dispatcher.js';
import { enqueueDelivery } from '../webhooks/deliver.js';
import { requireWebhookEndpoint } from './webhook-endpoints.js';

export interface LoggedDelivery extends WebhookDelivery {
  attemptLog: WebhookAttempt[];
}

export interface DeliveryListOptions {
  status?: DeliveryStatus;
  createdFrom?: Date;
  createdUntil?: Date;
  limit: number;
  offset: number;
}

/** The delivery log (every attempt), replays and retention, for partners (scoped) and operators. */
export function createWebhookDeliveryService(deps: { db: Kysely<Database>; jobs: JobDispatcher; retentionMs: number; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const deliveries = webhookDeliveryQueries(deps.db);

  async function withAttempts(rows: WebhookDelivery[]): Promise<LoggedDelivery[]> {
    const attempts = await deliveries.attemptsOf(rows.map((d) => d.id));
    return rows.map((delivery) => ({ ...delivery, attemptLog: attempts.filter((a) => a.delivery_id === delivery.id) }));
  }

  async function requireDelivery(scope: WebhookScope, deliveryId: string, endpointId?: string) {
    const delivery = isUuid(deliveryId) ? await deliveries.find(scope, deliveryId) : undefined;
    if (!delivery || (endpointId !== undefined && delivery.endpoint_id !== endpointId)) {
      throw new AppError('webhook_delivery_not_found', 'Webhook delivery not found.');
    }
    return delivery;
  }

  async function requireEnabledEndpoint(scope: WebhookScope, endpointId: string) {
    const endpoint = await requireWebhookEndpoint(deps.db, scope, endpointId);
    if (!endpoint.enabled) throw new AppError('webhook_endpoint_disabled', 'The webhook endpoint is disabled; enable it before replaying deliveries.');
    return endpoint;
  }

  /** Back to the start of the retry schedule, due now; the attempt log is kept. */
  async function restart(deliveryIds: string[]): Promise<void> {
    await deps.jobs.transaction(async (trx) => {
      for (const id of deliveryIds) {
        await webhookDeliveryQueries(trx).reschedule(id, now());
        await enqueueDelivery(trx, id, now());
      }
    });
  }

  async function get(scope: WebhookScope, deliveryId: string, endpointId?: string): Promise<LoggedDelivery> {
    const [logged] = await withAttempts([await requireDelivery(scope, deliveryId, endpointId)]);
    return logged!;
  }

  return {
    get,
    /** Newest first, each with its attempts. */
    async list(scope: WebhookScope, endpointId: string, options: DeliveryListOptions) {
      await requireWebhookEndpoint(deps.db, scope, endpointId);
      const filter = { endpointId, status: options.status, createdFrom: options.createdFrom, createdUntil: options.createdUntil };
      const [count, rows] = await Promise.all([deliveries.count(scope, filter), deliveries.list(scope, filter, options.limit, options.offset)]);
      return { count, deliveries: await withAttempts(rows) };
    },
    /**
     * Sends a delivery again from the start of the retry schedule, with the same
     * body and message id (receivers de-duplicate on it). The endpoint must be enabled.
     */
    async replay(scope: WebhookScope, deliveryId: string, endpointId?: string): Promise<LoggedDelivery> {
      const delivery = await requireDelivery(scope, deliveryId, endpointId);
      await requireEnabledEndpoint(scope, delivery.endpoint_id);
      await restart([delivery.id]);
      return get(scope, delivery.id);
    },
    /** Operator: replays every failed delivery of an endpoint created in [from, until). */
    async replayFailed(endpointId: string, from: Date, until: Date): Promise<string[]> {
      await requireEnabledEndpoint('operator', endpointId);
      const failed = await deliveries.list('operator', { endpointId, status: 'failed', createdFrom: from, createdUntil: until }, 100_000, 0);
      await restart(failed.map((d) => d.id));
      return failed.map((d) => d.id);
    },
    /** The `purge_webhook_deliveries` job: the log is kept for the retention period. */
    purgeExpired() {
      return deliveries.purgeCreatedBefore(new Date(now().getTime() - deps.retentionMs));
    },
  };
}

export type WebhookDeliveryService = ReturnType<typeof createWebhookDeliveryService>;
