import type { NotificationSigningKey, Ticket, WebhookEndpoint } from '../../db/schema.js';
import type { CpnIssueType } from '../../domain/tickets.js';
import { isRestricted } from '../../domain/notifications.js';

/** Circle's `SupportTicket` for a ticket created through the CPN dialect. */
export const presentSupportTicket = (t: Ticket) => ({
  id: t.id,
  paymentId: t.payment_id!,
  issueType: t.issue_type as CpnIssueType,
  description: t.description,
  caseRefId: t.desk_reference ?? '',
  ticketRefId: t.external_ref,
  email: t.requester_email,
  ccEmails: t.cc_emails,
  createDate: t.created_at.toISOString(),
});

/** deskgate's read endpoints add the ticket's lifecycle status. */
export const presentSupportTicketWithStatus = (t: Ticket) => ({ ...presentSupportTicket(t), status: t.status });

/** Circle's `Subscription`: a webhook endpoint of the CPN dialect. */
export const presentSubscription = (e: WebhookEndpoint) => ({
  id: e.id,
  name: e.name,
  endpoint: e.url,
  enabled: e.enabled,
  createDate: e.created_at.toISOString(),
  updateDate: e.updated_at.toISOString(),
  notificationTypes: e.event_types,
  restricted: isRestricted(e.event_types),
});

/** Circle's `NotificationSignaturePublicKey` data. */
export const presentPublicKey = (k: NotificationSigningKey) => ({
  id: k.id,
  algorithm: k.algorithm,
  publicKey: k.public_key_der_b64,
  createDate: k.created_at.toISOString(),
});
