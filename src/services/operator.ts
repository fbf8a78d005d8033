import type { TicketFilter } from '../db/queries/tickets.js';
import type { Account, Attachment, Customer, Ticket, TicketStatus } from '../db/schema.js';
import { PermanentDeskError, TransientDeskError, type Desk, type DeskCheckResult } from '../desks/desk.js';
import type { PaymentFileFormat } from '../domain/payment-records.js';
import type { AccountService } from './accounts.js';
import type { ApiKeyService } from './api-keys.js';
import type { CustomerService } from './customers.js';
import type { PaymentImportReport, PaymentService } from './payments.js';
import type { TicketService } from './tickets.js';

/*
 * What operators see, in the admin API and the CLI alike: camelCase records
 * with ISO-8601 timestamps, and never a stored secret hash.
 */

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export interface AccountView {
  id: string;
  name: string;
  supportTicketsEnabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface OAuthClientView {
  clientId: string;
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

/** The secret is in this answer only. */
export interface NewOAuthClientView {
  clientId: string;
  clientSecret: string;
  accountId: string;
  name: string;
}

export interface ApiKeyView {
  id: string;
  accountId: string;
  environment: 'TEST' | 'LIVE';
  name: string;
  createdAt: string;
  revokedAt: string | null;
}

/** The full key is in this answer only. */
export interface NewApiKeyView extends ApiKeyView {
  apiKey: string;
}

export interface CustomerView {
  id: string;
  accountId: string;
  email: string | null;
  type: Customer['type'];
  createdAt: string;
  updatedAt: string;
}

export interface TicketView {
  id: string;
  accountId: string;
  dialect: Ticket['dialect'];
  status: TicketStatus;
  deskReference: string | null;
  customerId: string | null;
  paymentId: string | null;
  issueType: string | null;
  summary: string;
  requesterEmail: string;
  ccEmails: string[];
  registrationAttempts: number;
  createdAt: string;
  updatedAt: string;
  registeredAt: string | null;
}

export interface AttachmentView {
  id: string;
  position: number;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  purgedAt: string | null;
}

/** Everything about one ticket, including why registration failed (never shown to partners). */
export interface TicketDetailView extends TicketView {
  description: string;
  externalRef: string;
  failureReason: string | null;
  attachments: AttachmentView[];
}

export interface PaymentImportView {
  accepted: number;
  rejected: number;
  lines: (PaymentImportReport['accepted'][number] | PaymentImportReport['rejected'][number])[];
}

export type TicketListFilter = Omit<TicketFilter, 'accountId'>;

const accountView = (a: Account): AccountView => ({
  id: a.id,
  name: a.name,
  supportTicketsEnabled: a.support_tickets_enabled,
  createdAt: a.created_at.toISOString(),
  updatedAt: a.updated_at.toISOString(),
});

const apiKeyView = (k: { id: string; account_id: string; environment: 'TEST' | 'LIVE'; name: string; created_at: Date; revoked_at?: Date | null }): ApiKeyView => ({
  id: k.id,
  accountId: k.account_id,
  environment: k.environment,
  name: k.name,
  createdAt: k.created_at.toISOString(),
  revokedAt: iso(k.revoked_at ?? null),
});

const customerView = (c: Customer): CustomerView => ({
  id: c.id,
  accountId: c.account_id,
  email: c.email,
  type: c.type,
  createdAt: c.created_at.toISOString(),
  updatedAt: c.updated_at.toISOString(),
});

const ticketView = (t: Ticket): TicketView => ({
  id: t.id,
  accountId: t.account_id,
  dialect: t.dialect,
  status: t.status,
  deskReference: t.desk_reference,
  customerId: t.customer_id,
  paymentId: t.payment_id,
  issueType: t.issue_type,
  summary: t.summary,
  requesterEmail: t.requester_email,
  ccEmails: t.cc_emails,
  registrationAttempts: t.registration_attempts,
  createdAt: t.created_at.toISOString(),
  updatedAt: t.updated_at.toISOString(),
  registeredAt: iso(t.registered_at),
});

const attachmentView = (a: Attachment): AttachmentView => ({
  id: a.id,
  position: a.position,
  filename: a.filename,
  contentType: a.content_type,
  sizeBytes: Number(a.size_bytes),
  sha256: a.sha256,
  purgedAt: iso(a.purged_at),
});

export interface OperatorDeps {
  accounts: AccountService;
  apiKeys: ApiKeyService;
  customers: CustomerService;
  payments: PaymentService;
  tickets: TicketService;
  desk: Desk;
}

/** Every operator action, as the admin API serves it and the CLI runs it against the database. */
export function createOperatorService(deps: OperatorDeps) {
  return {
    async createAccount(name: string, supportTicketsEnabled = false): Promise<AccountView> {
      const created = await deps.accounts.create(name);
      return accountView(supportTicketsEnabled ? await deps.accounts.setSupportTickets(created.id, true) : created);
    },
    listAccounts: async (): Promise<AccountView[]> => (await deps.accounts.list()).map(accountView),
    getAccount: async (accountId: string): Promise<AccountView> => accountView(await deps.accounts.get(accountId)),
    setSupportTickets: async (accountId: string, enabled: boolean): Promise<AccountView> => accountView(await deps.accounts.setSupportTickets(accountId, enabled)),

    createOAuthClient: (accountId: string, name = ''): Promise<NewOAuthClientView> => deps.accounts.createOAuthClient(accountId, name),
    async listOAuthClients(accountId: string): Promise<OAuthClientView[]> {
      return (await deps.accounts.listOAuthClients(accountId)).map((c) => ({ clientId: c.client_id, name: c.name, createdAt: c.created_at.toISOString(), revokedAt: iso(c.revoked_at) }));
    },
    revokeOAuthClient: (clientId: string): Promise<void> => deps.accounts.revokeOAuthClient(clientId),

    async createApiKey(accountId: string, options: { live?: boolean; name?: string }): Promise<NewApiKeyView> {
      const key = await deps.apiKeys.create(accountId, options);
      return { ...apiKeyView(key), apiKey: key.apiKey };
    },
    listApiKeys: async (accountId?: string): Promise<ApiKeyView[]> => (await deps.apiKeys.list(accountId)).map(apiKeyView),
    revokeApiKey: (keyId: string): Promise<void> => deps.apiKeys.revoke(keyId),

    async listCustomers(accountId: string, limit: number, offset: number): Promise<CustomerView[]> {
      await deps.accounts.get(accountId);
      return (await deps.customers.list(accountId, limit, offset)).map(customerView);
    },
    getCustomer: async (accountId: string, customerId: string): Promise<CustomerView> => customerView(await deps.customers.get(accountId, customerId)),

    async importPayments(accountId: string, content: string, format: PaymentFileFormat): Promise<PaymentImportView> {
      const report = await deps.payments.importFile(accountId, content, format);
      return { accepted: report.accepted.length, rejected: report.rejected.length, lines: [...report.accepted, ...report.rejected].sort((a, b) => a.line - b.line) };
    },

    async listTickets(accountId: string, filter: TicketListFilter, limit: number, offset: number): Promise<{ count: number; tickets: TicketView[] }> {
      await deps.accounts.get(accountId);
      const { count, tickets } = await deps.tickets.list({ ...filter, accountId }, limit, offset);
      return { count, tickets: tickets.map(ticketView) };
    },
    async showTicket(ticketId: string): Promise<TicketDetailView> {
      const { ticket, attachments } = await deps.tickets.inspect(ticketId);
      return {
        ...ticketView(ticket),
        description: ticket.description,
        externalRef: ticket.external_ref,
        failureReason: ticket.failure_reason,
        attachments: attachments.map(attachmentView),
      };
    },

    /** Read-only: the configured desk's credentials and ids. */
    checkDesk: (): Promise<DeskCheckResult> =>
      deps.desk.check(AbortSignal.timeout(30_000)).catch((error: unknown) => {
        // An answer the connector could not make sense of is still a failed check, said in plain words.
        if (error instanceof TransientDeskError || error instanceof PermanentDeskError) return { ok: false, lines: [error.message] };
        throw error;
      }),
  };
}

export type OperatorService = ReturnType<typeof createOperatorService>;
