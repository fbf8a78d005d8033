import type { WebhookEventKind } from '../db/schema.js';
import { presentSupportTicketWithStatus } from '../http/cpn/presenters.js';
import { ALL_NOTIFICATIONS } from '../domain/notifications.js';
import type { WebhookDialect } from './dialect.js';

const NOTIFICATION_TYPES: Record<WebhookEventKind, string> = {
  'ticket.created': 'cpn.supportTicket.created',
  'ticket.failed': 'cpn.supportTicket.failed',
  // Circle's name for a test notification; operators send them with `deskgate webhooks test`.
  test: 'webhooks.test',
};

/**
 * Circle's notification format (SPEC §3): the envelope around the ticket as
 * `GET /v1/cpn/supportTickets/{id}` shows it, signed with the service's ECDSA
 * key (the key active at each attempt).
 */
export function createCpnWebhookDialect(signingKeys: { sign(body: string): Promise<Record<string, string>> }): WebhookDialect {
  return {
    eventTypes: [NOTIFICATION_TYPES['ticket.created'], NOTIFICATION_TYPES['ticket.failed']],
    eventTypeFor: (kind) => NOTIFICATION_TYPES[kind],
    // 'cpn.supportTicket.created' is wanted by itself, by its category's wildcard and by '*'.
    subscriptionPatternsFor: (type) => [type, `${type.slice(0, type.lastIndexOf('.'))}.*`, ALL_NOTIFICATIONS],
    // Circle's notificationId is a uuid; the delivery's id is one, and stays the same across retries and replays.
    messageIdFor: (deliveryId) => deliveryId,
    buildBody: (event) =>
      JSON.stringify({
        subscriptionId: event.endpointId,
        notificationId: event.messageId,
        notificationType: event.eventType,
        notification: event.ticket ? presentSupportTicketWithStatus(event.ticket) : null,
        timestamp: event.occurredAt.toISOString(),
        version: 2,
      }),
    sign: ({ body }) => signingKeys.sign(body),
  };
}
