import type { TaskList } from 'graphile-worker';
import type { AttachmentRetention } from '../services/attachment-retention.js';
import type { IdempotencyService } from '../services/idempotency.js';
import type { RegistrationService } from '../services/registration.js';
import type { WebhookDeliveryService } from '../services/webhook-deliveries.js';
import type { WebhookDeliverer } from '../webhooks/deliver.js';
import { TASKS } from './task-names.js';

/** A rejected promise for graphile-worker to collect, not reported as unhandled meanwhile. */
function handledRejection(reason: unknown): Promise<never> {
  const rejected = Promise.reject(reason instanceof Error ? reason : new Error(String(reason)));
  rejected.catch(() => undefined);
  return rejected;
}

export function createTaskList(deps: {
  registration: RegistrationService;
  idempotency: IdempotencyService;
  webhookDeliverer: WebhookDeliverer;
  webhookDeliveries: WebhookDeliveryService;
  retention: AttachmentRetention;
}): TaskList {
  return {
    [TASKS.registerTicket]: async (payload) => {
      if (!Array.isArray(payload)) {
        await deps.registration.register((payload as { ticketId: string }).ticketId);
        return;
      }
      // A batch job (see the dispatcher): graphile-worker runs again only the entries whose result rejected.
      const results = await deps.registration.registerMany((payload as { ticketId: string }[]).map((entry) => entry.ticketId));
      return results.map((result) => (result.status === 'fulfilled' ? result.value : handledRejection(result.reason)));
    },
    [TASKS.purgeIdempotencyKeys]: async () => {
      await deps.idempotency.purgeExpired();
    },
    [TASKS.deliverWebhook]: async (payload) => {
      await deps.webhookDeliverer.deliver((payload as { deliveryId: string }).deliveryId);
    },
    [TASKS.purgeWebhookDeliveries]: async () => {
      await deps.webhookDeliveries.purgeExpired();
    },
    [TASKS.purgeAttachments]: async () => {
      await deps.retention.purgeSettled();
    },
    [TASKS.sweepOrphanObjects]: async () => {
      await deps.retention.sweepOrphans();
    },
  };
}

/** Periodic housekeeping (graphile-worker crontab syntax). */
export const CRONTAB = [
  `17 * * * * ${TASKS.purgeIdempotencyKeys}`,
  `43 * * * * ${TASKS.purgeWebhookDeliveries}`,
  // Every minute, so a retention of 0 means "as soon as the desk has them" (a single query when nothing is due).
  `* * * * * ${TASKS.purgeAttachments}`,
  `41 * * * * ${TASKS.sweepOrphanObjects}`,
].join('\n');
