import type { Dialect, Ticket, WebhookEndpoint, WebhookEventKind } from '../db/schema.js';

/**
 * What differs between the dialects' webhooks: event names, envelope and
 * signing. The delivery core (outbox, jobs, retries, attempt log) is shared;
 * each dialect (Ripio endpoints, CPN subscriptions) is one implementation of this.
 */
export interface WebhookDialect {
  /** The event types partners of this dialect subscribe to. */
  readonly eventTypes: readonly string[];
  eventTypeFor(kind: WebhookEventKind): string;
  /** The `event_types` entries that subscribe an endpoint to this event type: the type itself and any wildcard covering it. */
  subscriptionPatternsFor(eventType: string): string[];
  /** The id receivers de-duplicate on: the same for every retry and replay of one delivery. */
  messageIdFor(deliveryId: string): string;
  /** The exact bytes to send, built once when the delivery is created. */
  buildBody(event: EventToPublish): string;
  /** Headers authenticating one attempt (signed again for each, with a fresh timestamp and the current key). */
  sign(request: DeliveryToSign): Promise<Record<string, string>>;
}

export interface EventToPublish {
  kind: WebhookEventKind;
  eventType: string;
  occurredAt: Date;
  /** Null for test events. */
  ticket: Ticket | null;
  endpointId: string;
  messageId: string;
}

export interface DeliveryToSign {
  endpoint: WebhookEndpoint;
  messageId: string;
  body: string;
  timestamp: Date;
}

/** The dialects whose webhooks are implemented; endpoints of any other dialect receive nothing. */
export type WebhookDialects = Partial<Record<Dialect, WebhookDialect>>;

export function dialectOf(dialects: WebhookDialects, dialect: Dialect): WebhookDialect {
  const implementation = dialects[dialect];
  if (!implementation) throw new Error(`webhooks of the ${dialect} dialect are not implemented`);
  return implementation;
}
