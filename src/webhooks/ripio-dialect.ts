import type { WebhookEndpoint, WebhookEventKind } from '../db/schema.js';
import { presentTicketSummary } from '../http/ripio/presenters.js';
import { openSecret } from '../security/sealed-box.js';
import type { WebhookDialect } from './dialect.js';
import { signRipioDelivery } from './ripio-signature.js';

/** How long the previous secret keeps signing after a rotation. */
export const SECRET_ROTATION_OVERLAP_MS = 24 * 3_600_000;

export const RIPIO_EVENT_TYPES = ['SUPPORT_TICKET.CREATED', 'SUPPORT_TICKET.FAILED'] as const;
export type RipioEventType = (typeof RIPIO_EVENT_TYPES)[number];

/** Sent by `POST /api/v1/webhooks/{id}/test/`; never a real ticket, so `supportTicket` is null. */
export const RIPIO_TEST_EVENT_TYPE = 'WEBHOOK.TEST';

const EVENT_TYPES: Record<WebhookEventKind, string> = {
  'ticket.created': 'SUPPORT_TICKET.CREATED',
  'ticket.failed': 'SUPPORT_TICKET.FAILED',
  test: RIPIO_TEST_EVENT_TYPE,
};

/** The endpoint's secrets that sign now, newest first: the current one, and the previous one until it expires. */
export function activeSecrets(endpoint: WebhookEndpoint, sealingKey: Buffer, now: Date): string[] {
  if (!endpoint.sealed_secret) throw new Error(`Ripio endpoint ${endpoint.id} has no signing secret`);
  const secrets = [openSecret(endpoint.sealed_secret, sealingKey)];
  if (endpoint.sealed_previous_secret && endpoint.previous_secret_expires_at && endpoint.previous_secret_expires_at > now) {
    secrets.push(openSecret(endpoint.sealed_previous_secret, sealingKey));
  }
  return secrets;
}

/** Ripio's published event format (SPEC §2 "Webhook events"), signed per ripio-signature.ts. */
export function createRipioWebhookDialect(sealingKey: Buffer): WebhookDialect {
  return {
    eventTypes: RIPIO_EVENT_TYPES,
    eventTypeFor: (kind) => EVENT_TYPES[kind],
    subscriptionPatternsFor: (eventType) => [eventType],
    messageIdFor: (deliveryId) => `msg_${deliveryId}`,
    buildBody: (event) =>
      JSON.stringify({
        eventType: event.eventType,
        issueDatetime: event.occurredAt.toISOString(),
        supportTicket: event.ticket ? presentTicketSummary(event.ticket) : null,
      }),
    sign: async ({ endpoint, messageId, body, timestamp }) => signRipioDelivery({ secrets: activeSecrets(endpoint, sealingKey, timestamp), messageId, timestamp, body }),
  };
}
