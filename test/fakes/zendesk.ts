import { createHash, randomBytes } from 'node:crypto';
import { FakeServer, isRecord, isStringArray } from './fake-server.js';
import type { Fault, FakeReply, RouteContext } from './fake-server.js';

export interface ZendeskFakeOptions {
  email?: string;
  apiToken?: string;
  /** Role of the API user; deskgate needs agent or admin. */
  role?: 'admin' | 'agent' | 'end-user';
}

export interface ZendeskUser {
  id: number;
  name: string;
  email: string;
  role: string;
}

export interface ZendeskAttachment {
  id: number;
  fileName: string;
  contentType: string;
  size: number;
  sha256: string;
}

export interface ZendeskTicketRecord {
  id: number;
  subject: string;
  description: string;
  requesterId: number;
  emailCcIds: number[];
  externalId: string | null;
  attachments: ZendeskAttachment[];
}

/** Route keys for `inject`. */
export const ZENDESK_ROUTES = {
  me: 'GET /api/v2/users/me',
  listTickets: 'GET /api/v2/tickets',
  upload: 'POST /api/v2/uploads',
  createTicket: 'POST /api/v2/tickets',
} as const;

const TICKET_KEYS = new Set(['subject', 'comment', 'requester', 'email_ccs', 'external_id', 'tags', 'priority', 'type']);
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

function recordInvalid(field: string, description: string): FakeReply {
  return {
    status: 422,
    body: { error: 'RecordInvalid', description: 'Record validation errors', details: { [field]: [{ description, error: 'InvalidValue' }] } },
  };
}

/**
 * In-memory Zendesk Support: users/me, tickets by external_id, uploads and ticket creation with
 * Zendesk's auth, Idempotency-Key semantics, error shapes and response bodies.
 */
export class ZendeskFake {
  readonly users: ZendeskUser[] = [];
  readonly tickets: ZendeskTicketRecord[] = [];
  readonly uploads = new Map<string, ZendeskAttachment[]>();
  readonly server: FakeServer;
  url = '';
  readonly email: string;
  readonly apiToken: string;
  private readonly idempotency = new Map<string, { bodySha256: string; reply: FakeReply }>();
  private nextId = 1;

  private constructor(options: ZendeskFakeOptions) {
    this.email = options.email ?? 'agent@example.com';
    this.apiToken = options.apiToken ?? 'zd-token';
    this.users.push({ id: this.nextId++, name: 'deskgate agent', email: this.email, role: options.role ?? 'admin' });
    this.server = new FakeServer({
      basicAuth: { user: `${this.email}/token`, password: this.apiToken },
      unauthorized: () => ({ status: 401, body: { error: "Couldn't authenticate you" } }),
      notFound: () => ({ status: 404, body: { error: 'InvalidEndpoint', description: 'Not found' } }),
      errorBody: (status) =>
        status === 429
          ? { error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' }
          : { error: 'InternalError', description: `HTTP ${status}` },
      routes: [
        { method: 'GET', path: '/api/v2/users/me', handle: () => ({ status: 200, body: { user: this.userBody(this.users[0] as ZendeskUser) } }) },
        { method: 'GET', path: '/api/v2/tickets', handle: (ctx) => this.listTickets(ctx) },
        { method: 'POST', path: '/api/v2/uploads', handle: (ctx) => this.upload(ctx) },
        { method: 'POST', path: '/api/v2/tickets', handle: (ctx) => this.createTicket(ctx) },
      ],
    });
  }

  static async start(options: ZendeskFakeOptions = {}): Promise<ZendeskFake> {
    const fake = new ZendeskFake(options);
    fake.url = await fake.server.listen();
    return fake;
  }

  inject(routeKey: string, ...faults: Fault[]): void {
    this.server.inject(routeKey, ...faults);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  emailOf(userId: number): string | undefined {
    return this.users.find((user) => user.id === userId)?.email;
  }

  private userByEmail(email: string, name?: string): ZendeskUser {
    const existing = this.users.find((user) => user.email.toLowerCase() === email.toLowerCase());
    if (existing) return existing;
    const user = { id: this.nextId++, name: name ?? email, email, role: 'end-user' };
    this.users.push(user);
    return user;
  }

  private userBody(user: ZendeskUser): Record<string, unknown> {
    return { id: user.id, url: `${this.url}/api/v2/users/${user.id}.json`, name: user.name, email: user.email, role: user.role, active: true };
  }

  private ticketBody(ticket: ZendeskTicketRecord): Record<string, unknown> {
    const now = new Date().toISOString();
    return {
      url: `${this.url}/api/v2/tickets/${ticket.id}.json`,
      id: ticket.id,
      external_id: ticket.externalId,
      type: null,
      subject: ticket.subject,
      raw_subject: ticket.subject,
      description: ticket.description,
      priority: null,
      status: 'new',
      requester_id: ticket.requesterId,
      submitter_id: this.users[0]?.id,
      assignee_id: null,
      email_cc_ids: ticket.emailCcIds,
      collaborator_ids: ticket.emailCcIds,
      follower_ids: [],
      tags: [],
      via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
      created_at: now,
      updated_at: now,
    };
  }

  private listTickets(ctx: RouteContext): FakeReply {
    const externalId = ctx.query.get('external_id');
    const found = externalId === null ? this.tickets : this.tickets.filter((ticket) => ticket.externalId === externalId);
    return {
      status: 200,
      body: { tickets: found.map((ticket) => this.ticketBody(ticket)), next_page: null, previous_page: null, count: found.length },
    };
  }

  private async upload(ctx: RouteContext): Promise<FakeReply> {
    const filename = ctx.query.get('filename');
    if (!filename) return { status: 400, body: { error: 'InvalidValue', description: 'filename parameter is required' } };
    const contentType = ctx.req.headers['content-type'] ?? '';
    // Uploads take the raw file as the body; a multipart or JSON envelope would be stored as the file.
    if (contentType === '' || contentType.startsWith('multipart/') || contentType.startsWith('application/json')) {
      return { status: 400, body: { error: 'InvalidValue', description: 'Upload the raw file bytes with its Content-Type' } };
    }
    const previousToken = ctx.query.get('token');
    if (previousToken !== null && !this.uploads.has(previousToken)) return recordInvalid('token', 'Token is invalid or expired');
    const { size, sha256 } = await ctx.digestBody();
    if (size === 0) return recordInvalid('uploaded_data', 'File is empty');
    const attachment = { id: this.nextId++, fileName: filename, contentType: contentType.split(';')[0] ?? contentType, size, sha256 };
    const token = previousToken ?? randomBytes(12).toString('base64url');
    const attachments = [...(this.uploads.get(token) ?? []), attachment];
    this.uploads.set(token, attachments);
    const toBody = (file: ZendeskAttachment): Record<string, unknown> => ({
      id: file.id,
      file_name: file.fileName,
      content_url: `${this.url}/attachments/token/${token}/?name=${encodeURIComponent(file.fileName)}`,
      content_type: file.contentType,
      size: file.size,
      inline: false,
      deleted: false,
    });
    return {
      status: 201,
      body: {
        upload: {
          token,
          expires_at: new Date(Date.now() + 60 * 60_000).toISOString(),
          attachments: attachments.map(toBody),
          attachment: toBody(attachment),
        },
      },
    };
  }

  private async createTicket(ctx: RouteContext): Promise<FakeReply> {
    if (!(ctx.req.headers['content-type'] ?? '').startsWith('application/json')) {
      return { status: 400, body: { error: 'InvalidValue', description: 'Content-Type must be application/json' } };
    }
    const raw = await ctx.readBody();
    const key = ctx.req.headers['idempotency-key'];
    const bodySha256 = createHash('sha256').update(raw).digest('hex');
    if (typeof key === 'string') {
      const earlier = this.idempotency.get(key);
      if (earlier && earlier.bodySha256 !== bodySha256) {
        return {
          status: 400,
          body: { error: 'IdempotentRequestError', description: 'Request parameters do not match the original request for this idempotency key' },
        };
      }
      if (earlier) return { ...earlier.reply, headers: { ...earlier.reply.headers, 'x-idempotency-lookup': 'hit' } };
    }
    const reply = this.validateAndCreate(raw);
    if (typeof key === 'string' && reply.status === 201) {
      this.idempotency.set(key, { bodySha256, reply });
      return { ...reply, headers: { ...reply.headers, 'x-idempotency-lookup': 'miss' } };
    }
    return reply;
  }

  private validateAndCreate(raw: Buffer): FakeReply {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return { status: 400, body: { error: 'Unprocessable Entity', description: 'Server could not parse JSON' } };
    }
    if (!isRecord(body) || !isRecord(body.ticket)) {
      return { status: 400, body: { error: 'ParameterMissing', description: 'Parameter ticket is required' } };
    }
    const ticket = body.ticket;
    const unknown = Object.keys(ticket).find((field) => !TICKET_KEYS.has(field));
    if (unknown) return recordInvalid(unknown, `Unknown ticket attribute ${unknown}`);
    const comment = ticket.comment;
    if (!isRecord(comment) || typeof comment.body !== 'string' || comment.body.trim() === '') {
      return recordInvalid('description', 'Description: cannot be blank');
    }
    const uploads = comment.uploads ?? [];
    if (!isStringArray(uploads) || uploads.some((token) => !this.uploads.has(token))) {
      return recordInvalid('uploads', 'Upload tokens are invalid or expired');
    }
    const requester = ticket.requester;
    if (!isRecord(requester) || typeof requester.email !== 'string' || !EMAIL.test(requester.email)) {
      return recordInvalid('requester', 'Requester: email is invalid');
    }
    const ccs = ticket.email_ccs ?? [];
    const validCc = (cc: unknown): boolean =>
      isRecord(cc) && typeof cc.user_email === 'string' && EMAIL.test(cc.user_email) && (cc.action === 'put' || cc.action === 'delete');
    if (!Array.isArray(ccs) || !ccs.every(validCc)) {
      return recordInvalid('email_ccs', 'Each email_ccs entry needs user_email and action put|delete');
    }
    if (ticket.external_id !== undefined && typeof ticket.external_id !== 'string') {
      return recordInvalid('external_id', 'External id must be a string');
    }
    const requesterUser = this.userByEmail(requester.email, typeof requester.name === 'string' ? requester.name : undefined);
    const record: ZendeskTicketRecord = {
      id: this.nextId++,
      subject: typeof ticket.subject === 'string' ? ticket.subject : comment.body.slice(0, 80),
      description: comment.body,
      requesterId: requesterUser.id,
      emailCcIds: (ccs as Array<{ user_email: string; action: string }>)
        .filter((cc) => cc.action === 'put')
        .map((cc) => this.userByEmail(cc.user_email).id),
      externalId: typeof ticket.external_id === 'string' ? ticket.external_id : null,
      attachments: uploads.flatMap((token) => this.uploads.get(token) ?? []),
    };
    for (const token of uploads) this.uploads.delete(token);
    this.tickets.push(record);
    return {
      status: 201,
      headers: { location: `${this.url}/api/v2/tickets/${record.id}.json` },
      body: { ticket: this.ticketBody(record), audit: { id: this.nextId++, ticket_id: record.id, author_id: this.users[0]?.id, events: [] } },
    };
  }
}
