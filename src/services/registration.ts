import type { Kysely, Transaction } from 'kysely';
import { enqueueJob } from '../db/queries/jobs.js';
import { ticketQueries } from '../db/queries/tickets.js';
import type { Attachment, Database, Ticket } from '../db/schema.js';
import { PermanentDeskError, TransientDeskError, type Desk, type DeskTicket } from '../desks/desk.js';
import { uploadAllowanceMs } from '../desks/http.js';
import type { JobDispatcher } from '../jobs/dispatcher.js';
import { TASKS, registerTicketJobKey } from '../jobs/task-names.js';
import type { Metrics } from '../observability/metrics.js';
import type { ObjectStorage } from '../storage/storage.js';

/** Runs inside the transaction that settles a ticket (CREATED or FAILED): the outbox. */
export type SettledListener = (trx: Transaction<Database>, ticket: Ticket) => Promise<void>;

export interface RegistrationPolicy {
  /** After this long since creation, a ticket still failing transiently becomes FAILED. */
  deadlineMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  deskTimeoutMs: number;
}

export type RegistrationOutcome = 'created' | 'failed' | 'retry_scheduled' | 'not_pending';

/** Exponential backoff with full-range jitter (0.5×–1.5×), never sooner than the desk asked. */
export function backoffDelayMs(attempt: number, policy: RegistrationPolicy, retryAfterMs: number | null, random = Math.random): number {
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt - 1, 30));
  const jittered = Math.round(exponential * (0.5 + random()));
  return Math.max(jittered, retryAfterMs ?? 0);
}

function describe(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.slice(0, 2000);
}

/** Registers PENDING tickets with the help desk, exactly once, and settles them. */
export function createRegistrationService(deps: {
  db: Kysely<Database>;
  jobs: JobDispatcher;
  desk: Desk;
  storage: ObjectStorage;
  policy: RegistrationPolicy;
  onSettled: SettledListener[];
  metrics: Metrics;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());

  function toDeskTicket(ticket: Ticket, attachments: Attachment[]): DeskTicket {
    return {
      ticketId: ticket.id,
      externalRef: ticket.external_ref,
      dialect: ticket.dialect,
      summary: ticket.summary,
      description: ticket.description,
      requesterEmail: ticket.requester_email,
      ccEmails: ticket.cc_emails,
      paymentId: ticket.payment_id,
      issueType: ticket.issue_type,
      createdAt: ticket.created_at,
      attachments: attachments.map((a) => ({
        id: a.id,
        filename: a.filename,
        contentType: a.content_type,
        size: a.size_bytes,
        open: () => deps.storage.get(a.storage_key),
      })),
    };
  }

  async function settle(change: (trx: Transaction<Database>) => Promise<Ticket | undefined>): Promise<boolean> {
    const settled = await deps.jobs.transaction(async (trx) => {
      const ticket = await change(trx);
      if (!ticket) return undefined;
      for (const listener of deps.onSettled) await listener(trx, ticket);
      return ticket;
    });
    if (!settled) return false;
    // Observed after commit: a rolled-back settlement did not happen.
    const settledAt = settled.registered_at ?? settled.updated_at;
    deps.metrics.ticketSettled(settled.status as 'CREATED' | 'FAILED', (settledAt.getTime() - settled.created_at.getTime()) / 1000);
    return true;
  }

  /** The desk call, timed and counted by outcome. */
  async function callDesk(deskTicket: DeskTicket): Promise<{ reference: string }> {
    // One attempt may upload every file, and uploads get time in proportion to their size.
    const attachmentBytes = deskTicket.attachments.reduce((total, attachment) => total + attachment.size, 0);
    const signal = AbortSignal.timeout(deps.policy.deskTimeoutMs + uploadAllowanceMs(attachmentBytes));
    const started = performance.now();
    const elapsed = () => (performance.now() - started) / 1000;
    try {
      const result = await deps.desk.register(deskTicket, signal);
      deps.metrics.deskCall(deps.desk.kind, 'success', elapsed());
      return result;
    } catch (error) {
      deps.metrics.deskCall(deps.desk.kind, error instanceof PermanentDeskError ? 'permanent_error' : 'transient_error', elapsed());
      throw error;
    }
  }

  return {
    async register(ticketId: string): Promise<RegistrationOutcome> {
      const found = await ticketQueries(deps.db).findAnyWithAttachments(ticketId);
      if (!found || found.ticket.status !== 'PENDING') return 'not_pending';
      const { ticket } = found;
      const attempt = ticket.registration_attempts + 1;

      let reference: string;
      try {
        ({ reference } = await callDesk(toDeskTicket(ticket, found.attachments)));
      } catch (error) {
        // Only a desk's explicit "no" is final; anything else (network, timeout, our own database) is retried.
        if (error instanceof PermanentDeskError) {
          return (await settle((trx) => ticketQueries(trx).markFailed(ticketId, `Permanent desk error: ${describe(error)}`))) ? 'failed' : 'not_pending';
        }
        const retryAfterMs = error instanceof TransientDeskError ? error.retryAfterMs : null;
        const runAt = new Date(now().getTime() + backoffDelayMs(attempt, deps.policy, retryAfterMs));
        if (runAt.getTime() > ticket.created_at.getTime() + deps.policy.deadlineMs) {
          const reason = `Gave up after ${attempt} attempts (deadline ${Math.round(deps.policy.deadlineMs / 1000)} s): ${describe(error)}`;
          return (await settle((trx) => ticketQueries(trx).markFailed(ticketId, reason))) ? 'failed' : 'not_pending';
        }
        await deps.jobs.transaction(async (trx) => {
          await ticketQueries(trx).noteAttempt(ticketId, describe(error));
          await enqueueJob(trx, TASKS.registerTicket, { ticketId }, { jobKey: registerTicketJobKey(ticketId), runAt });
        });
        return 'retry_scheduled';
      }
      return (await settle((trx) => ticketQueries(trx).markCreated(ticketId, reference))) ? 'created' : 'not_pending';
    },
  };
}

export type RegistrationService = ReturnType<typeof createRegistrationService>;
