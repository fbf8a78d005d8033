import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { PermanentDeskError, TransientDeskError } from './desk.js';
import type { DeskTicket } from './desk.js';

/** Optional collaborators shared by the desk connectors (tests inject a clock or a dispatcher). */
export interface DeskHttpDeps {
  /** Defaults to an undici Agent owned (and closed) by the client. */
  dispatcher?: Dispatcher;
  now?: () => number;
}

export interface DeskHttpOptions {
  /** Used in operator messages: "Jira", "Zendesk". */
  deskName: string;
  baseUrl: string;
  /** Full `Authorization` header value; never appears in messages. */
  authorization: string;
  /** Total time for one request, from connect to the last body byte. */
  timeoutMs: number;
  connectTimeoutMs?: number;
  /** Answers longer than this are cut (error excerpts) or refused (2xx). */
  maxResponseBytes?: number;
}

/** A request body streamed as is (uploads); the length is known up front so the desk can reject early. */
export interface StreamedBody {
  body: Readable;
  contentType: string;
  contentLength: number;
}

export interface DeskRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  json?: unknown;
  stream?: StreamedBody;
}

export interface DeskResponse {
  /** "POST /rest/servicedeskapi/request", for messages. */
  operation: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** True when the body was longer than `maxResponseBytes` and cut. */
  truncated: boolean;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;
const EXCERPT_CHARS = 300;
/** Uploads get extra time on top of `timeoutMs`: a 25 MiB file at this floor rate takes ~100 s. */
const UPLOAD_FLOOR_BYTES_PER_SECOND = 256 * 1024;
/** 4xx answers that say "not now" rather than "never": retried like 5xx. */
const TRANSIENT_4XX = new Set([408, 409, 423, 425, 429]);

/** Extra time an upload of `bytes` gets on top of a call's time limit. */
export function uploadAllowanceMs(bytes: number): number {
  return Math.ceil((bytes / UPLOAD_FLOOR_BYTES_PER_SECOND) * 1000);
}

export function basicAuthorization(user: string, secret: string): string {
  return `Basic ${Buffer.from(`${user}:${secret}`, 'utf8').toString('base64')}`;
}

/** HTTP client for one desk: fixed base URL and credentials, bounded time and answer size. */
export class DeskHttpClient {
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;
  private readonly now: () => number;
  private readonly baseUrl: URL;

  constructor(
    private readonly options: DeskHttpOptions,
    deps: DeskHttpDeps = {},
  ) {
    this.baseUrl = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
    this.now = deps.now ?? Date.now;
    this.ownsDispatcher = deps.dispatcher === undefined;
    this.dispatcher =
      deps.dispatcher ??
      new Agent({ connect: { timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS } });
  }

  get deskName(): string {
    return this.options.deskName;
  }

  /**
   * Sends one request and reads the (capped) answer whatever its status.
   * Transport failures (refused, reset, timeout, abort) become TransientDeskError.
   */
  async send(req: DeskRequest, signal: AbortSignal): Promise<DeskResponse> {
    const operation = `${req.method} ${req.path}`;
    const url = new URL(req.path.replace(/^\//, ''), this.baseUrl);
    for (const [name, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, value);
    }
    const headers: Record<string, string> = {
      accept: 'application/json',
      authorization: this.options.authorization,
      ...req.headers,
    };
    let body: string | Readable | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.stream) {
      headers['content-type'] = req.stream.contentType;
      headers['content-length'] = String(req.stream.contentLength);
      body = req.stream.body;
    }
    const budgetMs = this.options.timeoutMs + (req.stream ? uploadAllowanceMs(req.stream.contentLength) : 0);
    const timeout = AbortSignal.timeout(budgetMs);
    const combined = AbortSignal.any([signal, timeout]);
    try {
      const res = await request(url, {
        method: req.method,
        headers,
        body,
        signal: combined,
        dispatcher: this.dispatcher,
        // undici's own idle timers get the same budget, so no request outlives it either way.
        headersTimeout: budgetMs,
        bodyTimeout: budgetMs,
      });
      const { text, truncated } = await readCapped(
        res.body,
        this.options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      );
      return { operation, status: res.statusCode, headers: res.headers, text, truncated };
    } catch (err) {
      if (err instanceof TransientDeskError || err instanceof PermanentDeskError) throw err;
      const code = (err as { code?: unknown } | null)?.code;
      const timedOut = timeout.aborted || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT';
      const reason = timedOut
        ? `timed out after ${budgetMs} ms`
        : signal.aborted
          ? 'aborted by the caller'
          : describeTransportError(err);
      throw new TransientDeskError(`${this.deskName} ${operation} failed: ${reason}`, null, { cause: err });
    }
  }

  /** `send`, then any non-2xx becomes a classified error and the body must be JSON. */
  async call<T>(req: DeskRequest, signal: AbortSignal): Promise<T> {
    const res = await this.send(req, signal);
    this.ensureOk(res);
    return this.parseJson<T>(res);
  }

  ensureOk(res: DeskResponse): void {
    if (res.status < 200 || res.status > 299) throw this.errorFor(res);
  }

  /** Transient for 5xx and "not now" 4xx (with the desk's wait hint), Permanent for the rest. */
  errorFor(res: DeskResponse): TransientDeskError | PermanentDeskError {
    const message = `${this.deskName} ${res.operation} answered ${res.status}${excerpt(res.text)}`;
    if (res.status >= 500 || TRANSIENT_4XX.has(res.status)) {
      return new TransientDeskError(message, retryAfterMs(res.headers, this.now()));
    }
    return new PermanentDeskError(message);
  }

  /** A 2xx whose body is not the JSON we expect is a malformed answer: permanent. */
  parseJson<T>(res: DeskResponse): T {
    if (res.truncated) {
      throw new PermanentDeskError(`${this.deskName} ${res.operation} answered with a body larger than allowed`);
    }
    try {
      return JSON.parse(res.text) as T;
    } catch {
      throw new PermanentDeskError(
        `${this.deskName} ${res.operation} answered ${res.status} with malformed JSON${excerpt(res.text)}`,
      );
    }
  }

  /** A 2xx that lacks what the desk documents (e.g. no issue key): permanent. */
  malformed(operation: string, what: string): PermanentDeskError {
    return new PermanentDeskError(`${this.deskName} ${operation} answered without ${what}`);
  }

  /** For `check()`: a read-only GET whose failure to connect becomes a plain-words line instead of an error. */
  async probe(path: string, signal: AbortSignal): Promise<DeskResponse | string> {
    try {
      return await this.send({ method: 'GET', path }, signal);
    } catch (err) {
      return `Could not reach ${this.deskName} at ${this.options.baseUrl}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }
}

/**
 * How long the desk asks us to wait: `Retry-After` (seconds or HTTP-date) first, then
 * `X-RateLimit-Reset` (Jira: ISO timestamp; others: epoch or delta seconds), then `RateLimit-Reset`
 * (delta seconds, Zendesk). Null when there is no usable hint.
 */
export function retryAfterMs(headers: Record<string, string | string[] | undefined>, now: number): number | null {
  const header = (name: string): string | undefined => {
    const value = headers[name];
    return (Array.isArray(value) ? value[0] : value)?.trim() || undefined;
  };
  const retryAfter = header('retry-after');
  if (retryAfter !== undefined) {
    const parsed = /^\d+$/.test(retryAfter) ? Number(retryAfter) * 1000 : dateDelta(retryAfter, now);
    if (parsed !== null) return parsed;
  }
  const reset = header('x-ratelimit-reset');
  if (reset !== undefined) {
    if (/^\d+$/.test(reset)) {
      const seconds = Number(reset);
      // Values this large are epoch seconds, smaller ones a delta.
      return seconds > 1_000_000_000 ? Math.max(0, seconds * 1000 - now) : seconds * 1000;
    }
    const parsed = dateDelta(reset, now);
    if (parsed !== null) return parsed;
  }
  const draftReset = header('ratelimit-reset');
  if (draftReset !== undefined && /^\d+$/.test(draftReset)) return Number(draftReset) * 1000;
  return null;
}

function dateDelta(value: string, now: number): number | null {
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * A `multipart/form-data` body with one file part, streamed: the file is never held in memory.
 * The length is exact, so a file that changed size on disk fails the request instead of being cut.
 */
export function multipartFileBody(
  fieldName: string,
  file: { filename: string; contentType: string; size: number },
  content: Readable,
): StreamedBody {
  const boundary = `----deskgate${randomUUID().replaceAll('-', '')}`;
  // Quotes and line breaks would break the header; everything else travels as UTF-8.
  const safeName = file.filename.replace(/["\\\r\n]/g, '_');
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="${fieldName}"; filename="${safeName}"\r\n` +
      `Content-Type: ${file.contentType}\r\n\r\n`,
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  async function* parts(): AsyncIterable<Uint8Array> {
    yield head;
    for await (const chunk of content) yield chunk as Uint8Array;
    yield tail;
  }
  return {
    body: Readable.from(parts(), { objectMode: false }),
    contentType: `multipart/form-data; boundary=${boundary}`,
    contentLength: head.length + file.size + tail.length,
  };
}

/** Case description shared by the connectors: the partner's text plus what an agent needs to find it. */
export function caseDescription(ticket: DeskTicket): string {
  const facts = [
    `deskgate ticket: ${ticket.ticketId}`,
    `external reference: ${ticket.externalRef}`,
    ticket.paymentId ? `payment: ${ticket.paymentId}` : null,
    ticket.issueType ? `issue type: ${ticket.issueType}` : null,
  ].filter((fact): fact is string => fact !== null);
  return `${ticket.description}\n\n---\n${facts.join('\n')}`;
}

/** Display name for a person known only by email: the mailbox part. */
export function nameFromEmail(email: string): string {
  return email.split('@')[0] || email;
}

async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  maxBytes: number,
): Promise<{ text: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of body) {
    if (length + chunk.length > maxBytes) {
      chunks.push(chunk.subarray(0, maxBytes - length));
      body.destroy();
      return { text: Buffer.concat(chunks).toString('utf8'), truncated: true };
    }
    chunks.push(chunk);
    length += chunk.length;
  }
  return { text: Buffer.concat(chunks).toString('utf8'), truncated: false };
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat === '') return '';
  return `: ${flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat}`;
}

function describeTransportError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${err.message}` : err.message;
  }
  return String(err);
}
