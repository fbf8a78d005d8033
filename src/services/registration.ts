import type { Kysely } from 'kysely';
import { enqueueJob } from '../db/queries/jobs.js';
import { ticketQueries, type TicketSettlement } from '../db/queries/tickets.js';
import type { Attachment, Database, Ticket } from '../db/schema.js';
import { PermanentDeskError, TransientDeskError, type Desk, type DeskTicket } from '../desks/desk.js';
import { uploadAllowanceMs } from '../desks/http.js';
import type { JobDispatcher } from '../jobs/dispatcher.js';
import { TASKS, registerTicketJobKey } from '../jobs/task-names.js';
import type { Metrics } from '../observability/metrics.js';
import type { ObjectStorage } from '../storage/storage.js';
import type { SettlementOutbox } from '../webhooks/events.js';

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
  /** What a settlement publishes, committed with it. */
  outbox: SettlementOutbox;
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

  /** PENDING → CREATED/FAILED and its event, in one statement; false if the ticket was no longer PENDING. */
  async function settle(ticket: Ticket, change: TicketSettlement): Promise<boolean> {
    const prepared = await deps.outbox({ ...ticket, ...change });
    const result = await ticketQueries(deps.db)
      .settle(ticket.id, change, prepared?.event ?? null)
      .catch((error: unknown) => {
        prepared?.abandoned();
        throw error;
      });
    if (!result) {
      prepared?.abandoned();
      return false;
    }
    const { ticket: settled, deliveryIds } = result;
    if (prepared) prepared.committed(deliveryIds);
    if (deliveryIds.length > 0) deps.jobs.wake();
    // Observed after commit: a rolled-back settlement did not happen.
    const settledAt = settled.registered_at ?? settled.updated_at;
    deps.metrics.ticketSettled(settled.status as 'CREATED' | 'FAILED', (settledAt.getTime() - settled.created_at.getTime()) / 1000);
    return true;
  }

  const failure = (reason: string): TicketSettlement => ({ status: 'FAILED', failure_reason: reason, updated_at: now() });

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
          return (await settle(ticket, failure(`Permanent desk error: ${describe(error)}`))) ? 'failed' : 'not_pending';
        }
        const retryAfterMs = error instanceof TransientDeskError ? error.retryAfterMs : null;
        const runAt = new Date(now().getTime() + backoffDelayMs(attempt, deps.policy, retryAfterMs));
        if (runAt.getTime() > ticket.created_at.getTime() + deps.policy.deadlineMs) {
          const reason = `Gave up after ${attempt} attempts (deadline ${Math.round(deps.policy.deadlineMs / 1000)} s): ${describe(error)}`;
          return (await settle(ticket, failure(reason))) ? 'failed' : 'not_pending';
        }
        await deps.jobs.transaction(async (trx) => {
          await ticketQueries(trx).noteAttempt(ticketId, describe(error));
          await enqueueJob(trx, TASKS.registerTicket, { ticketId }, { jobKey: registerTicketJobKey(ticketId), runAt });
        });
        return 'retry_scheduled';
      }
      const at = now();
      return (await settle(ticket, { status: 'CREATED', desk_reference: reference, failure_reason: null, registered_at: at, updated_at: at })) ? 'created' : 'not_pending';
    },
  };
}

export type RegistrationService = ReturnType<typeof createRegistrationService>;
