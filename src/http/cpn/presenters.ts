import type { Ticket } from '../../db/schema.js';
import type { CpnIssueType } from '../../domain/tickets.js';

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
