import type { Customer, Ticket } from '../../db/schema.js';

export const presentCustomer = (c: Customer) => ({ customerId: c.id, email: c.email, type: c.type, createdAt: c.created_at.toISOString() });

export const presentTicket = (t: Ticket) => ({ ticketId: t.id, status: t.status, issueKey: t.desk_reference });

export const presentTicketSummary = (t: Ticket) => ({
  ticketId: t.id,
  status: t.status,
  issueKey: t.desk_reference,
  customerId: t.customer_id,
  summary: t.summary,
  createdAt: t.created_at.toISOString(),
  updatedAt: t.updated_at.toISOString(),
});
