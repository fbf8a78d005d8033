import type { Kysely } from 'kysely';
import { outboxRow } from '../db/queries/jobs.js';
import { ticketQueries, type InsertOutcome, type OnceOutcome, type TicketFilter, type TicketStatusRow } from '../db/queries/tickets.js';
import type { Attachment, Database, Dialect, Ticket } from '../db/schema.js';
import { AppError } from '../domain/errors.js';
import { isUuid } from '../domain/tickets.js';
import type { JobDispatcher } from '../jobs/dispatcher.js';
import { TASKS } from '../jobs/task-names.js';
import type { StoredAttachment } from './attachment-intake.js';

/** A validated ticket, ready to store (both dialects). */
export interface TicketDraft {
  id: string;
  accountId: string;
  dialect: Dialect;
  customerId: string | null;
  paymentId: string | null;
  summary: string;
  description: string;
  issueType: string | null;
  requesterEmail: string;
  ccEmails: string[];
  externalRef: string;
}

/** The response an idempotent create stores, so a retry gets exactly the same answer. */
export interface IdempotentResult {
  scope: string;
  key: string;
  fingerprint: string;
  render(ticket: Ticket): { status: number; body: unknown };
}

function found<T extends { dialect: Dialect }>(ticket: T | undefined, dialect: Dialect | undefined): T {
  if (!ticket || (dialect && ticket.dialect !== dialect)) throw new AppError('ticket_not_found', 'Support ticket not found.');
  return ticket;
}

/** The row exactly as stored (every column given), so an idempotent answer can be rendered before the insert that stores it. */
function pendingRow(draft: TicketDraft): Ticket {
  const now = new Date();
  return {
    id: draft.id,
    account_id: draft.accountId,
    dialect: draft.dialect,
    customer_id: draft.customerId,
    payment_id: draft.paymentId,
    summary: draft.summary,
    description: draft.description,
    issue_type: draft.issueType,
    requester_email: draft.requesterEmail,
    cc_emails: draft.ccEmails,
    external_ref: draft.externalRef,
    status: 'PENDING',
    desk_reference: null,
    failure_reason: null,
    registration_attempts: 0,
    created_at: now,
    updated_at: now,
    registered_at: null,
  };
}

// No job key: the dispatcher hands plain registration jobs over in batches where the desk takes them.
const registrationJob = (ticketId: string) => outboxRow(TASKS.registerTicket, { ticketId });

// A duplicate that committed while our statement ran: asking again sees it. Bounded, though it can only happen once per key.
const ONCE_ATTEMPTS = 3;
const isKeyConflict = (error: unknown) => {
  const { code, constraint } = error as { code?: string; constraint?: string };
  return code === '23505' && constraint === 'idempotency_keys_pkey';
};

export function createTicketService(deps: { db: Kysely<Database>; jobs: JobDispatcher; idempotency: { staleInFlightMs: number; ttlMs: number } }) {
  return {
    /**
     * Stores the ticket and its attachments, enqueues its registration and
     * completes its (already claimed) idempotency key, all in one statement.
     * With `customerId`, that customer must be the account's and have an email
     * (the ticket's requester email); else nothing is stored.
     */
    async create(draft: TicketDraft, attachments: StoredAttachment[], options: { idempotent?: IdempotentResult; customerId?: string } = {}): Promise<InsertOutcome> {
      const ticket = pendingRow(draft);
      const { idempotent, customerId } = options;
      const outcome = await ticketQueries(deps.db).insertPending(
        ticket,
        attachments.map((a) => ({
          id: a.id,
          ticket_id: draft.id,
          position: a.position,
          filename: a.filename,
          content_type: a.contentType,
          size_bytes: a.size,
          sha256: a.sha256,
          storage_key: a.storageKey,
        })),
        registrationJob(ticket.id),
        {
          completedKey: idempotent && { accountId: draft.accountId, scope: idempotent.scope, key: idempotent.key, fingerprint: idempotent.fingerprint, ...idempotent.render(ticket) },
          customer: customerId === undefined ? undefined : { accountId: draft.accountId, id: customerId },
        },
      );
      if (outcome.state === 'created') deps.jobs.wake();
      return outcome;
    },
    /**
     * A payment's ticket under an idempotency key not seen before: the key is
     * claimed, the payment checked and the ticket stored in one statement (see
     * insertPendingOnce); otherwise the outcome says why nothing was written.
     */
    async createOnce(draft: TicketDraft & { paymentId: string }, idempotent: IdempotentResult): Promise<OnceOutcome> {
      const ticket = pendingRow(draft);
      const key = {
        accountId: draft.accountId,
        scope: idempotent.scope,
        key: idempotent.key,
        fingerprint: idempotent.fingerprint,
        ...idempotent.render(ticket),
        staleMs: deps.idempotency.staleInFlightMs,
        ttlMs: deps.idempotency.ttlMs,
      };
      for (let attempt = 1; ; attempt += 1) {
        try {
          const outcome = await ticketQueries(deps.db).insertPendingOnce(ticket, registrationJob(ticket.id), key);
          if (outcome.state === 'created') deps.jobs.wake();
          return outcome;
        } catch (error) {
          if (!isKeyConflict(error) || attempt >= ONCE_ATTEMPTS) throw error;
        }
      }
    },
    /** With `dialect`, a ticket created through the other dialect does not exist (its fields do not fit). */
    async get(accountId: string, id: string, dialect?: Dialect): Promise<Ticket> {
      return found(isUuid(id) ? await ticketQueries(deps.db).find(accountId, id) : undefined, dialect);
    },
    /** Only what a status check shows (see `get`). */
    async status(accountId: string, id: string, dialect?: Dialect): Promise<TicketStatusRow> {
      return found(isUuid(id) ? await ticketQueries(deps.db).status(accountId, id) : undefined, dialect);
    },
    /** For operators: any account's ticket, with its attachments. */
    async inspect(id: string): Promise<{ ticket: Ticket; attachments: Attachment[] }> {
      const found = isUuid(id) ? await ticketQueries(deps.db).findAnyWithAttachments(id) : undefined;
      if (!found) throw new AppError('ticket_not_found', 'Support ticket not found.');
      return found;
    },
    /** Cursor paging (CPN): newest first, after or before a ticket id. */
    page(filter: TicketFilter, size: number, cursor: { after?: string; before?: string }) {
      return ticketQueries(deps.db).page(filter, size, cursor);
    },
    async list(filter: TicketFilter, limit: number, offset: number) {
      const queries = ticketQueries(deps.db);
      const [count, tickets] = await Promise.all([queries.count(filter), queries.list(filter, limit, offset)]);
      return { count, tickets };
    },
  };
}

export type TicketService = ReturnType<typeof createTicketService>;
