import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { enqueueJobs } from '../db/queries/jobs.js';
import { webhookDeliveryQueries, webhookEndpointQueries, type EventRows, type SettlementEvent } from '../db/queries/webhooks.js';
import type { Database, Ticket, WebhookDelivery, WebhookEndpoint, WebhookEventKind } from '../db/schema.js';
import { dialectOf, type WebhookDialects } from './dialect.js';
import { deliveryJob } from './deliver.js';
import type { InlineDeliveries } from './inline-deliveries.js';

export interface EventToRecord {
  accountId: string;
  kind: WebhookEventKind;
  ticket: Ticket | null;
  occurredAt: Date;
  endpoints: WebhookEndpoint[];
  /** When the delivery jobs first run; null: no jobs (the caller attempts the deliveries itself). */
  firstAttemptAt: Date | null;
}

/** The rows recording an event: each delivery's body is built here, once, by its endpoint's dialect. No I/O. */
export function eventRows(dialects: WebhookDialects, event: EventToRecord): EventRows {
  const eventId = randomUUID();
  const rows: EventRows = {
    event: { id: eventId, account_id: event.accountId, kind: event.kind, ticket_id: event.ticket?.id ?? null, occurred_at: event.occurredAt },
    deliveries: [],
    jobs: [],
  };
  for (const endpoint of event.endpoints) {
    const dialect = dialectOf(dialects, endpoint.dialect);
    const id = randomUUID();
    const eventType = dialect.eventTypeFor(event.kind);
    const messageId = dialect.messageIdFor(id);
    const body = dialect.buildBody({ kind: event.kind, eventType, occurredAt: event.occurredAt, ticket: event.ticket, endpointId: endpoint.id, messageId });
    rows.deliveries.push({ id, event_id: eventId, endpoint_id: endpoint.id, account_id: event.accountId, event_type: eventType, message_id: messageId, body, next_attempt_at: event.firstAttemptAt });
    if (event.firstAttemptAt) rows.jobs.push({ deliveryId: id, job: deliveryJob(id, event.firstAttemptAt) });
  }
  return rows;
}

/**
 * Writes an event, its deliveries and their jobs on the caller's transaction:
 * the event exists exactly when the change it reports does.
 */
export async function recordEvent(trx: Transaction<Database>, dialects: WebhookDialects, event: EventToRecord): Promise<WebhookDelivery[]> {
  const rows = eventRows(dialects, event);
  const deliveries = webhookDeliveryQueries(trx);
  await deliveries.insertEvent(rows.event);
  const created = await deliveries.insertAll(rows.deliveries);
  await enqueueJobs(trx, rows.jobs.map(({ job }) => job));
  return created;
}

/** A settlement's event, prepared before the statement that settles the ticket and writes it. */
export interface PreparedSettlement {
  event: SettlementEvent;
  /**
   * Some delivery's job is due at once (its first attempt is not made here):
   * the outbox must be handed over now. Jobs that only stand by behind an
   * attempt made here can wait for the periodic sweep.
   */
  jobsDueNow: boolean;
  /** The statement committed, writing these deliveries. */
  committed(deliveryIds: string[]): void;
  /** The statement wrote nothing (the ticket was no longer pending) or failed. */
  abandoned(): void;
}

/**
 * Prepares what settling tickets publishes, given each ticket as it will be
 * once settled: for each, null when no endpoint listens, else the event and
 * its deliveries (built before the settling statement, which commits them with
 * the status change). One query finds the subscribers of the whole batch.
 */
export type SettlementOutbox = (settled: Ticket[]) => Promise<(PreparedSettlement | null)[]>;

/** Does the endpoint take this event: its dialect's, and subscribed by one of the patterns covering the event type? */
const subscribes = (endpoint: WebhookEndpoint, ticket: Ticket, patterns: string[]) =>
  endpoint.account_id === ticket.account_id && endpoint.dialect === ticket.dialect && endpoint.event_types.some((type) => patterns.includes(type));

/**
 * The outbox: SUPPORT_TICKET.CREATED / FAILED (in each dialect's names) for
 * every subscribed endpoint. With `inline`, first attempts due at once are
 * made right after the commit by this process, their jobs kept as a fallback.
 */
export function webhookOutbox(deps: { db: Kysely<Database>; dialects: WebhookDialects; firstAttemptAt: (now: Date) => Date; inline?: InlineDeliveries }): SettlementOutbox {
  function prepare(ticket: Ticket, enabled: WebhookEndpoint[]): PreparedSettlement | null {
    const dialect = deps.dialects[ticket.dialect];
    if (!dialect) return null;
    const kind: WebhookEventKind = ticket.status === 'CREATED' ? 'ticket.created' : 'ticket.failed';
    const patterns = dialect.subscriptionPatternsFor(dialect.eventTypeFor(kind));
    const endpoints = enabled.filter((endpoint) => subscribes(endpoint, ticket, patterns));
    // Nobody listens: no event either (it would only wait for the purge).
    if (endpoints.length === 0) return null;
    const now = new Date();
    const firstAttemptAt = deps.firstAttemptAt(now);
    const rows = eventRows(deps.dialects, { accountId: ticket.account_id, kind, ticket, occurredAt: ticket.updated_at, endpoints, firstAttemptAt });
    const { inline } = deps;
    const inlined = inline && firstAttemptAt <= now ? inline.reserve(rows.deliveries.length) : 0;
    // The deliveries attempted here: their jobs wait until an attempt here would be long over.
    for (let i = 0; i < inlined; i += 1) rows.jobs[i]!.job = deliveryJob(rows.jobs[i]!.deliveryId, inline!.fallbackAt(now));
    return {
      event: { ...rows, patterns },
      jobsDueNow: firstAttemptAt <= now && inlined < rows.deliveries.length,
      committed(deliveryIds) {
        if (inlined === 0) return;
        const written = new Set(deliveryIds);
        const attempts = rows.deliveries.slice(0, inlined).flatMap((delivery, i) => (written.has(delivery.id) ? [{ delivery, endpoint: endpoints[i]! }] : []));
        inline!.release(inlined - attempts.length);
        inline!.start(attempts);
      },
      abandoned: () => inline?.release(inlined),
    };
  }

  return async (tickets) => {
    const accounts = [...new Set(tickets.filter((t) => deps.dialects[t.dialect]).map((t) => t.account_id))];
    const enabled = accounts.length === 0 ? [] : await webhookEndpointQueries(deps.db).enabledOf(accounts);
    return tickets.map((ticket) => prepare(ticket, enabled));
  };
}
