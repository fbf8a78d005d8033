import type { Readable } from 'node:stream';

/** What a help desk needs to open a case for one ticket. */
export interface DeskTicket {
  /** deskgate's ticket id. */
  ticketId: string;
  /** Stable external reference sent to the desk (uuid); also the idempotency handle. */
  externalRef: string;
  dialect: 'ripio' | 'cpn';
  summary: string;
  description: string;
  requesterEmail: string;
  ccEmails: string[];
  /** CPN only. */
  paymentId: string | null;
  /** CPN only. */
  issueType: string | null;
  createdAt: Date;
  attachments: DeskAttachment[];
}

export interface DeskAttachment {
  id: string;
  filename: string;
  contentType: string;
  size: number;
  open(): Promise<Readable>;
}

export interface DeskRegistration {
  /** The desk's human-readable reference (Ripio `issueKey`, CPN `caseRefId`). */
  reference: string;
}

export interface DeskBatch {
  readonly size: number;
  register(tickets: DeskTicket[], signal: AbortSignal): Promise<DeskRegistration[]>;
}

export interface DeskCheckResult {
  ok: boolean;
  /** One line per check, in plain words. */
  lines: string[];
}

/** A help desk: registers a ticket exactly once and returns its reference. */
export interface Desk {
  readonly kind: string;
  /**
   * Must be safe to call again for the same ticket (after a timeout or a crash
   * between the desk's answer and our commit): returns the existing case then.
   */
  register(ticket: DeskTicket, signal: AbortSignal): Promise<DeskRegistration>;
  /**
   * A desk that registers many tickets in one call for about the price of one
   * (builtin: one statement) says so here; registration jobs then carry up to
   * `size` tickets each. Same guarantees as `register`; one registration per
   * ticket, in order. Desks without it get one ticket per job and call.
   */
  readonly batch?: DeskBatch;
  /** Read-only verification of credentials and configured ids. */
  check(signal: AbortSignal): Promise<DeskCheckResult>;
  /** Releases pooled connections on graceful shutdown (desks reached over HTTP). */
  close?(): Promise<void>;
}

/** Network errors, timeouts, 5xx and 429: retried with backoff until the deadline. */
export class TransientDeskError extends Error {
  override readonly name = 'TransientDeskError';
  constructor(
    message: string,
    readonly retryAfterMs: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Any other 4xx or a malformed answer: the ticket fails at once. */
export class PermanentDeskError extends Error {
  override readonly name = 'PermanentDeskError';
}
