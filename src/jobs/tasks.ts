import type { TaskList } from 'graphile-worker';
import type { IdempotencyService } from '../services/idempotency.js';
import type { RegistrationService } from '../services/registration.js';
import type { WebhookDeliveryService } from '../services/webhook-deliveries.js';
import type { WebhookDeliverer } from '../webhooks/deliver.js';
import { TASKS } from './task-names.js';

export function createTaskList(deps: {
  registration: RegistrationService;
  idempotency: IdempotencyService;
  webhookDeliverer: WebhookDeliverer;
  webhookDeliveries: WebhookDeliveryService;
}): TaskList {
  return {
    [TASKS.registerTicket]: async (payload) => {
      await deps.registration.register((payload as { ticketId: string }).ticketId);
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
  };
}

/** Periodic housekeeping (graphile-worker crontab syntax). */
export const CRONTAB = [`17 * * * * ${TASKS.purgeIdempotencyKeys}`, `43 * * * * ${TASKS.purgeWebhookDeliveries}`].join('\n');
