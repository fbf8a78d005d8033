import type { Kysely } from 'kysely';
import { enqueueJob } from '../db/queries/jobs.js';
import { ticketQueries, type TicketSettlement } from '../db/queries/tickets.js';
import type { Attachment, Database, Ticket } from '../db/schema.js';
import { PermanentDeskError, TransientDeskError, type Desk, type DeskRegistration, type DeskTicket } from '../desks/desk.js';
import { uploadAllowanceMs } from '../desks/http.js';
import type { JobDispatcher } from '../jobs/dispatcher.js';
import { TASKS, registerTicketJobKey } from '../jobs/task-names.js';
import type { DeskCallOutcome, Metrics } from '../observability/metrics.js';
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

/** Registers PENDING tickets with the help desk, exactly once, and settles them, in batches where the desk takes them. */
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

  /**
   * PENDING → CREATED/FAILED with their events, all in one statement; returns
   * the ids it settled (a ticket no longer PENDING is left as it is).
   */
  async function settleAll(items: { ticket: Ticket; change: TicketSettlement }[]): Promise<Set<string>> {
    if (items.length === 0) return new Set();
    const prepared = await deps.outbox(items.map(({ ticket, change }) => ({ ...ticket, ...change })));
    const settled = await ticketQueries(deps.db)
      .settleMany(items.map(({ ticket, change }, i) => ({ id: ticket.id, change, event: prepared[i]?.event ?? null })))
      .catch((error: unknown) => {
        for (const p of prepared) p?.abandoned();
        throw error;
      });
    let jobsDueNow = false;
    items.forEach(({ ticket }, i) => {
      const result = settled.get(ticket.id);
      if (!result) return prepared[i]?.abandoned();
      prepared[i]?.committed(result.deliveryIds);
      jobsDueNow ||= result.deliveryIds.length > 0 && prepared[i]!.jobsDueNow;
      // Observed after commit: a rolled-back settlement did not happen.
      const { ticket: row } = result;
      deps.metrics.ticketSettled(row.status as 'CREATED' | 'FAILED', ((row.registered_at ?? row.updated_at).getTime() - row.created_at.getTime()) / 1000);
    });
    // Jobs standing by behind first attempts made here reach the workers with the next sweep, well before they are due.
    if (jobsDueNow) deps.jobs.wake();
    return new Set(settled.keys());
  }

  const failure = (reason: string): TicketSettlement => ({ status: 'FAILED', failure_reason: reason, updated_at: now() });

  /**
   * The desk's answer for each ticket: its reference or the error. A desk
   * that takes batches gets them all in one call; others one call per ticket,
   * side by side. Timed and counted by outcome.
   */
  async function callDesk(tickets: DeskTicket[]): Promise<({ reference: string } | { error: unknown })[]> {
    // One attempt may upload every file, and uploads get time in proportion to their size.
    const timeoutFor = (batch: DeskTicket[]) =>
      AbortSignal.timeout(deps.policy.deskTimeoutMs + uploadAllowanceMs(batch.reduce((total, t) => total + t.attachments.reduce((sum, a) => sum + a.size, 0), 0)));
    const timed = async (batch: DeskTicket[], call: (signal: AbortSignal) => Promise<DeskRegistration[]>) => {
      const started = performance.now();
      const observe = (outcome: DeskCallOutcome) => {
        const seconds = (performance.now() - started) / 1000;
        for (let i = 0; i < batch.length; i += 1) deps.metrics.deskCall(deps.desk.kind, outcome, seconds);
      };
      try {
        const registrations = await call(timeoutFor(batch));
        observe('success');
        return registrations;
      } catch (error) {
        observe(error instanceof PermanentDeskError ? 'permanent_error' : 'transient_error');
        return batch.map(() => ({ error }));
      }
    };
    const { batch } = deps.desk;
    if (batch) return timed(tickets, (signal) => batch.register(tickets, signal));
    return (await Promise.all(tickets.map((ticket) => timed([ticket], async (signal) => [await deps.desk.register(ticket, signal)])))).flat();
  }

  /** A transient failure: the attempt is noted and the ticket's own job retries it at `runAt`. */
  async function scheduleRetry(ticket: Ticket, error: unknown, runAt: Date): Promise<void> {
    await deps.jobs.transaction(async (trx) => {
      await ticketQueries(trx).noteAttempt(ticket.id, describe(error));
      await enqueueJob(trx, TASKS.registerTicket, { ticketId: ticket.id }, { jobKey: registerTicketJobKey(ticket.id), runAt });
    });
  }

  /**
   * Registers PENDING tickets with the desk, exactly once, and settles them:
   * one read, the desk's call(s), one settling statement. One result per id,
   * in order; a result is rejected when our own database failed for that
   * ticket (its job then runs it again).
   */
  async function registerMany(ticketIds: string[]): Promise<PromiseSettledResult<RegistrationOutcome>[]> {
    const found = await ticketQueries(deps.db).findManyWithAttachments(ticketIds);
    const pending = [...new Set(ticketIds)].flatMap((id) => {
      const row = found.get(id);
      return row?.ticket.status === 'PENDING' ? [row] : [];
    });
    const answers = pending.length === 0 ? [] : await callDesk(pending.map(({ ticket, attachments }) => toDeskTicket(ticket, attachments)));

    const settlements: { ticket: Ticket; change: TicketSettlement }[] = [];
    const retries: { ticket: Ticket; error: unknown; runAt: Date }[] = [];
    pending.forEach(({ ticket }, i) => {
      const answer = answers[i]!;
      if ('reference' in answer) {
        const at = now();
        settlements.push({ ticket, change: { status: 'CREATED', desk_reference: answer.reference, failure_reason: null, registered_at: at, updated_at: at } });
        return;
      }
      const { error } = answer;
      // Only a desk's explicit "no" is final; anything else (network, timeout, our own database) is retried.
      if (error instanceof PermanentDeskError) {
        settlements.push({ ticket, change: failure(`Permanent desk error: ${describe(error)}`) });
        return;
      }
      const attempt = ticket.registration_attempts + 1;
      const retryAfterMs = error instanceof TransientDeskError ? error.retryAfterMs : null;
      const runAt = new Date(now().getTime() + backoffDelayMs(attempt, deps.policy, retryAfterMs));
      if (runAt.getTime() > ticket.created_at.getTime() + deps.policy.deadlineMs) {
        const reason = `Gave up after ${attempt} attempts (deadline ${Math.round(deps.policy.deadlineMs / 1000)} s): ${describe(error)}`;
        settlements.push({ ticket, change: failure(reason) });
      } else retries.push({ ticket, error, runAt });
    });

    const results = new Map<string, PromiseSettledResult<RegistrationOutcome>>();
    const rejectAll = (ids: string[], reason: unknown) => ids.forEach((id) => results.set(id, { status: 'rejected', reason }));
    await Promise.all([
      settleAll(settlements).then(
        (settled) => {
          for (const { ticket, change } of settlements) {
            results.set(ticket.id, { status: 'fulfilled', value: !settled.has(ticket.id) ? 'not_pending' : change.status === 'CREATED' ? 'created' : 'failed' });
          }
        },
        (error: unknown) => rejectAll(settlements.map(({ ticket }) => ticket.id), error),
      ),
      ...retries.map(({ ticket, error, runAt }) =>
        scheduleRetry(ticket, error, runAt).then(
          () => void results.set(ticket.id, { status: 'fulfilled', value: 'retry_scheduled' }),
          (reason: unknown) => rejectAll([ticket.id], reason),
        ),
      ),
    ]);
    return ticketIds.map((id) => results.get(id) ?? { status: 'fulfilled', value: 'not_pending' });
  }

  return {
    registerMany,
    async register(ticketId: string): Promise<RegistrationOutcome> {
      const [result] = await registerMany([ticketId]);
      if (result!.status === 'rejected') throw result!.reason;
      return result!.value;
    },
  };
}

export type RegistrationService = ReturnType<typeof createRegistrationService>;
