import { randomUUID } from 'node:crypto';
import type { Transaction } from 'kysely';
import { webhookDeliveryQueries, webhookEndpointQueries } from '../db/queries/webhooks.js';
import type { Database, Ticket, WebhookDelivery, WebhookEndpoint, WebhookEventKind } from '../db/schema.js';
import type { SettledListener } from '../services/registration.js';
import { dialectOf, type WebhookDialects } from './dialect.js';
import { enqueueDelivery } from './deliver.js';

export interface EventToRecord {
  accountId: string;
  kind: WebhookEventKind;
  ticket: Ticket | null;
  occurredAt: Date;
  endpoints: WebhookEndpoint[];
  /** When the delivery jobs first run; null: no jobs (the caller attempts the deliveries itself). */
  firstAttemptAt: Date | null;
}

/**
 * Writes an event and one delivery per endpoint, each body built by the
 * endpoint's dialect, and enqueues one job per delivery, all on the caller's
 * transaction: the event exists exactly when the change it reports does.
 */
export async function recordEvent(trx: Transaction<Database>, dialects: WebhookDialects, event: EventToRecord): Promise<WebhookDelivery[]> {
  const eventId = randomUUID();
  const deliveries = webhookDeliveryQueries(trx);
  await deliveries.insertEvent({ id: eventId, account_id: event.accountId, kind: event.kind, ticket_id: event.ticket?.id ?? null, occurred_at: event.occurredAt });
  const created: WebhookDelivery[] = [];
  for (const endpoint of event.endpoints) {
    const dialect = dialectOf(dialects, endpoint.dialect);
    const id = randomUUID();
    const eventType = dialect.eventTypeFor(event.kind);
    const messageId = dialect.messageIdFor(id);
    const body = dialect.buildBody({ kind: event.kind, eventType, occurredAt: event.occurredAt, ticket: event.ticket, endpointId: endpoint.id, messageId });
    created.push(
      await deliveries.insert({
        id,
        event_id: eventId,
        endpoint_id: endpoint.id,
        account_id: event.accountId,
        event_type: eventType,
        message_id: messageId,
        body,
        next_attempt_at: event.firstAttemptAt,
      }),
    );
    if (event.firstAttemptAt) await enqueueDelivery(trx, id, event.firstAttemptAt);
  }
  return created;
}

/** The outbox: SUPPORT_TICKET.CREATED / FAILED (in each dialect's names) for every subscribed endpoint. */
export function webhookOutbox(deps: { dialects: WebhookDialects; firstAttemptAt: (now: Date) => Date }): SettledListener {
  return async (trx, ticket) => {
    const dialect = deps.dialects[ticket.dialect];
    if (!dialect) return;
    const kind: WebhookEventKind = ticket.status === 'CREATED' ? 'ticket.created' : 'ticket.failed';
    const endpoints = await webhookEndpointQueries(trx).subscribers(ticket.account_id, ticket.dialect, dialect.subscriptionPatternsFor(dialect.eventTypeFor(kind)));
    await recordEvent(trx, deps.dialects, {
      accountId: ticket.account_id,
      kind,
      ticket,
      occurredAt: ticket.updated_at,
      endpoints,
      firstAttemptAt: deps.firstAttemptAt(new Date()),
    });
  };
}
