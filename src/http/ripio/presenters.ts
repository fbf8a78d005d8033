import type { Customer, Ticket, WebhookEndpoint } from '../../db/schema.js';
import type { LoggedDelivery } from '../../services/webhook-deliveries.js';
import type { EndpointWithSecret } from '../../services/webhook-endpoints.js';

export const presentCustomer = (c: Customer) => ({ customerId: c.id, email: c.email, type: c.type, createdAt: c.created_at.toISOString() });

export const presentTicket = (t: Pick<Ticket, 'id' | 'status' | 'desk_reference'>) => ({ ticketId: t.id, status: t.status, issueKey: t.desk_reference });

export const presentTicketSummary = (t: Ticket) => ({
  ticketId: t.id,
  status: t.status,
  issueKey: t.desk_reference,
  customerId: t.customer_id,
  summary: t.summary,
  createdAt: t.created_at.toISOString(),
  updatedAt: t.updated_at.toISOString(),
});

const isoOrNull = (d: Date | null) => (d ? d.toISOString() : null);

export const presentWebhook = (e: WebhookEndpoint) => ({
  id: e.id,
  url: e.url,
  eventTypes: e.event_types,
  enabled: e.enabled,
  disabledReason: e.disabled_reason,
  previousSecretExpiresAt: e.previous_secret_expires_at && e.previous_secret_expires_at > new Date() ? e.previous_secret_expires_at.toISOString() : null,
  createdAt: e.created_at.toISOString(),
  updatedAt: e.updated_at.toISOString(),
});

export const presentWebhookWithSecret = ({ endpoint, secret }: EndpointWithSecret) => ({ ...presentWebhook(endpoint), secret });

export const presentDelivery = (d: LoggedDelivery) => ({
  deliveryId: d.id,
  eventType: d.event_type,
  messageId: d.message_id,
  status: d.status,
  attempts: d.attempts,
  createdAt: d.created_at.toISOString(),
  lastAttemptAt: isoOrNull(d.last_attempt_at),
  nextAttemptAt: isoOrNull(d.next_attempt_at),
  deliveredAt: isoOrNull(d.delivered_at),
  failureReason: d.failure_reason,
  attemptLog: d.attemptLog.map((a) => ({
    number: a.number,
    attemptedAt: a.attempted_at.toISOString(),
    statusCode: a.status_code,
    latencyMs: a.latency_ms,
    responseExcerpt: a.response_excerpt,
    error: a.error,
  })),
});
