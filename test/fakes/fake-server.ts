import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { Busboy } from '@fastify/busboy';
import type { DeskAttachment, DeskTicket } from '../../src/desks/desk.js';

/** A scripted misbehaviour for the next request on one route. */
export type Fault =
  /** Answer with this status (and the vendor's error body) instead of handling the request. */
  | { status: number; retryAfter?: number | string; headers?: Record<string, string>; body?: unknown }
  /** Wait, then handle the request normally (a slow desk). */
  | { delayMs: number }
  /** Handle the request (the case is created), then destroy the socket without answering. */
  | { dropAfterCreate: true }
  /** Handle the request (the case is created), then hold the answer back (a crash can strike meanwhile). */
  | { holdAnswerMs: number }
  /** Destroy the socket before reading or handling anything. */
  | { reset: true };

/** Object bodies are sent as JSON, strings as text/plain. */
export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface UploadedFile {
  fieldName: string;
  filename: string;
  mimeType: string;
  size: number;
  sha256: string;
}

export interface MultipartBody {
  files: UploadedFile[];
  fields: Record<string, string>;
}

export interface RouteContext {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  /** Request body as bytes (JSON routes only; uploads use the digest readers). */
  readBody(): Promise<Buffer>;
  /** Streams the raw body through sha256 without keeping it. */
  digestBody(): Promise<{ size: number; sha256: string }>;
  readMultipart(): Promise<MultipartBody>;
}

export interface Route {
  method: 'GET' | 'POST';
  /** Path template with `:name` segments, e.g. `/rest/servicedeskapi/request/:key/attachment`. */
  path: string;
  handle(ctx: RouteContext): FakeReply | Promise<FakeReply>;
}

export interface RecordedRequest {
  /** When it arrived (ms since the epoch). */
  at: number;
  route: string;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface FakeServerOptions {
  routes: Route[];
  /** Expected `Authorization: Basic` user and password. */
  basicAuth: { user: string; password: string };
  unauthorized(): FakeReply;
  notFound(): FakeReply;
  /** The vendor's error body for an injected status. */
  errorBody(status: number): unknown;
}

interface CompiledRoute {
  key: string;
  route: Route;
  pattern: RegExp;
  names: string[];
}

const MAX_JSON_BODY_BYTES = 1024 * 1024;

/** Plumbing shared by the vendor fakes: routing, Basic auth, fault queues, body and multipart reading. */
export class FakeServer {
  /** Every request that reached a route (or failed to), for assertions on headers and order. */
  readonly received: RecordedRequest[] = [];
  private readonly routes: CompiledRoute[];
  private readonly faults = new Map<string, Fault[]>();
  private outage: { until: number; status: number } | null = null;
  private readonly server = http.createServer((req, res) => void this.dispatch(req, res));
  private readonly expectedAuth: Buffer;

  constructor(private readonly options: FakeServerOptions) {
    this.routes = options.routes.map((route) => {
      const names: string[] = [];
      const source = route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:(\w+)/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      return { key: `${route.method} ${route.path}`, route, pattern: new RegExp(`^${source}$`), names };
    });
    const { user, password } = options.basicAuth;
    this.expectedAuth = Buffer.from(`Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
  }

  /** Queues faults for a route key such as `POST /api/v2/tickets`; each fault applies to one request. */
  inject(routeKey: string, ...faults: Fault[]): void {
    if (!this.routes.some((route) => route.key === routeKey)) throw new Error(`fake has no route ${routeKey}`);
    this.faults.set(routeKey, [...(this.faults.get(routeKey) ?? []), ...faults]);
  }

  /** Every request on every route answers `status` for the next `durationMs` (a desk outage). */
  failFor(durationMs: number, status = 503): void {
    this.outage = { until: Date.now() + durationMs, status };
  }

  /** Requests received on one route key. */
  requestsTo(routeKey: string): RecordedRequest[] {
    return this.received.filter((request) => request.route === routeKey);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = this.match(req.method ?? 'GET', url.pathname);
    const at = Date.now();
    this.received.push({ at, route: match?.compiled.key ?? '', method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    try {
      if (!match) return await this.replyAfterDrain(req, res, this.options.notFound());
      if (this.outage && at < this.outage.until) {
        return await this.replyAfterDrain(req, res, { status: this.outage.status, body: this.options.errorBody(this.outage.status) });
      }
      const fault = this.faults.get(match.compiled.key)?.shift();
      if (fault && 'reset' in fault) {
        req.socket.destroy();
        return;
      }
      if (fault && 'delayMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.delayMs).unref());
      if (fault && 'status' in fault) {
        const headers = { ...fault.headers };
        if (fault.retryAfter !== undefined) headers['retry-after'] = String(fault.retryAfter);
        return await this.replyAfterDrain(req, res, {
          status: fault.status,
          body: fault.body ?? this.options.errorBody(fault.status),
          headers,
        });
      }
      if (!this.authorized(req.headers.authorization)) {
        return await this.replyAfterDrain(req, res, this.options.unauthorized());
      }
      const reply = await match.compiled.route.handle(context(req, match.params, url.searchParams));
      if (fault && 'dropAfterCreate' in fault) {
        req.socket.destroy();
        return;
      }
      if (fault && 'holdAnswerMs' in fault) await new Promise((resolve) => setTimeout(resolve, fault.holdAnswerMs).unref());
      // A handler that answered early (validation) leaves the body unread; drain it so the client sees the answer.
      await this.replyAfterDrain(req, res, reply);
    } catch (err) {
      if (!res.headersSent) send(res, { status: 500, body: { error: 'fake failure', detail: String(err) } });
    }
  }

  private match(method: string, pathname: string): { compiled: CompiledRoute; params: Record<string, string> } | null {
    for (const compiled of this.routes) {
      if (compiled.route.method !== method) continue;
      const found = compiled.pattern.exec(pathname);
      if (!found) continue;
      const params: Record<string, string> = {};
      compiled.names.forEach((name, index) => (params[name] = decodeURIComponent(found[index + 1] ?? '')));
      return { compiled, params };
    }
    return null;
  }

  private authorized(header: string | undefined): boolean {
    const given = Buffer.from(header ?? '');
    return given.length === this.expectedAuth.length && timingSafeEqual(given, this.expectedAuth);
  }

  private async replyAfterDrain(req: IncomingMessage, res: ServerResponse, reply: FakeReply): Promise<void> {
    if (!req.readableEnded) {
      req.resume();
      await new Promise((resolve) => {
        req.once('end', resolve);
        req.once('error', resolve);
        req.once('close', resolve);
      });
    }
    send(res, reply);
  }
}

function send(res: ServerResponse, reply: FakeReply): void {
  const isText = typeof reply.body === 'string';
  const payload = reply.body === undefined ? '' : isText ? (reply.body as string) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    ...(reply.body === undefined ? {} : { 'content-type': isText ? 'text/plain;charset=UTF-8' : 'application/json;charset=UTF-8' }),
    ...reply.headers,
  });
  res.end(payload);
}

function context(req: IncomingMessage, params: Record<string, string>, query: URLSearchParams): RouteContext {
  return {
    req,
    params,
    query,
    async readBody() {
      const chunks: Buffer[] = [];
      let length = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        length += chunk.length;
        if (length > MAX_JSON_BODY_BYTES) throw new Error('JSON body too large for the fake');
        chunks.push(chunk);
      }
      return Buffer.concat(chunks);
    },
    async digestBody() {
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of req as AsyncIterable<Buffer>) {
        hash.update(chunk);
        size += chunk.length;
      }
      return { size, sha256: hash.digest('hex') };
    },
    readMultipart() {
      return new Promise<MultipartBody>((resolve, reject) => {
        const contentType = req.headers['content-type'] ?? '';
        const parser = Busboy({ headers: { ...req.headers, 'content-type': contentType } });
        const files: Array<Promise<UploadedFile>> = [];
        const fields: Record<string, string> = {};
        parser.on('file', (fieldName, stream, filename, _encoding, mimeType) => {
          const hash = createHash('sha256');
          let size = 0;
          files.push(
            new Promise((done, fail) => {
              stream.on('data', (chunk: Buffer) => {
                hash.update(chunk);
                size += chunk.length;
              });
              stream.on('end', () => done({ fieldName, filename, mimeType, size, sha256: hash.digest('hex') }));
              stream.on('error', fail);
            }),
          );
        });
        parser.on('field', (name, value) => (fields[name] = value));
        parser.on('error', reject);
        parser.on('finish', () => {
          Promise.all(files).then((done) => resolve({ files: done, fields }), reject);
        });
        req.pipe(parser);
      });
    },
  };
}

/** Parses a JSON body, or returns null when it is not JSON (the fakes answer that with their 400). */
export async function readJsonOrNull(ctx: RouteContext): Promise<unknown> {
  const text = (await ctx.readBody()).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A DeskAttachment over bytes in memory, streamed in small chunks like a file would be. */
export function memoryAttachment(id: string, filename: string, contentType: string, bytes: Buffer): DeskAttachment {
  return {
    id,
    filename,
    contentType,
    size: bytes.length,
    open: async () => Readable.from(chunks(bytes, 16 * 1024)),
  };
}

function* chunks(bytes: Buffer, size: number): Iterable<Buffer> {
  for (let offset = 0; offset < bytes.length; offset += size) yield bytes.subarray(offset, offset + size);
}

/** A CPN-style DeskTicket; override what a test cares about. */
export function deskTicket(overrides: Partial<DeskTicket> = {}): DeskTicket {
  return {
    ticketId: 'tkt_01J9Z8',
    externalRef: '6f1c1f7e-3c9b-4d7e-9a55-0c1d2e3f4a5b',
    dialect: 'cpn',
    summary: 'Payout not received',
    description: 'The beneficiary has not received the payout.',
    requesterEmail: 'ana@example.com',
    ccEmails: [],
    paymentId: 'pay_123',
    issueType: 'PAYMENT_NOT_RECEIVED',
    createdAt: new Date('2025-01-02T03:04:05Z'),
    attachments: [],
    ...overrides,
  };
}
