import { TransientDeskError } from './desk.js';
import type { Desk, DeskAttachment, DeskCheckResult, DeskRegistration, DeskTicket } from './desk.js';
import { DeskHttpClient, basicAuthorization, caseDescription, nameFromEmail } from './http.js';
import type { DeskHttpDeps } from './http.js';

export interface ZendeskDeskConfig {
  /** e.g. https://acme.zendesk.com */
  baseUrl: string;
  /** Agent's email; the API token is sent as `{email}/token:{apiToken}`. */
  email: string;
  apiToken: string;
  /** `{id}` is replaced by the numeric ticket id; default 'ZD-{id}'. */
  referenceFormat?: string;
  timeoutMs: number;
}

export interface ZendeskDesk extends Desk {
  readonly kind: 'zendesk';
  /** Releases pooled connections (graceful shutdown). */
  close(): Promise<void>;
}

interface ZendeskTicket {
  id?: number;
}

/** How long to wait when Zendesk still holds our idempotency key for an earlier, different body. */
const IDEMPOTENCY_CONFLICT_RETRY_MS = 5 * 60_000;

/**
 * Zendesk Support.
 *
 * Exactly once: the ticket's `external_id` is deskgate's external reference. `register` first lists
 * tickets by that external_id and returns the match; otherwise it uploads the files and creates the
 * ticket with `Idempotency-Key: <externalRef>`, so two racing attempts still make one ticket.
 */
export function createZendeskDesk(config: ZendeskDeskConfig, deps: DeskHttpDeps = {}): ZendeskDesk {
  const http = new DeskHttpClient(
    {
      deskName: 'Zendesk',
      baseUrl: config.baseUrl,
      authorization: basicAuthorization(`${config.email}/token`, config.apiToken),
      timeoutMs: config.timeoutMs,
    },
    deps,
  );
  const referenceFormat = config.referenceFormat ?? 'ZD-{id}';
  const reference = (id: number): DeskRegistration => ({ reference: referenceFormat.replaceAll('{id}', String(id)) });

  async function findByExternalId(externalRef: string, signal: AbortSignal): Promise<number | null> {
    const found = await http.call<{ tickets?: ZendeskTicket[] }>(
      { method: 'GET', path: '/api/v2/tickets', query: { external_id: externalRef } },
      signal,
    );
    // Oldest first, so every retry converges on the same ticket.
    const ids = (found.tickets ?? []).map((ticket) => ticket.id).filter((id): id is number => typeof id === 'number');
    return ids.length > 0 ? Math.min(...ids) : null;
  }

  /** Uploads one file; passing the previous token groups all files of the ticket under one upload token. */
  async function upload(attachment: DeskAttachment, token: string | undefined, signal: AbortSignal): Promise<string> {
    const content = await attachment.open();
    try {
      const uploaded = await http.call<{ upload?: { token?: string } }>(
        {
          method: 'POST',
          path: '/api/v2/uploads',
          query: { filename: attachment.filename, token },
          stream: { body: content, contentType: attachment.contentType, contentLength: attachment.size },
        },
        signal,
      );
      if (!uploaded.upload?.token) throw http.malformed('POST /api/v2/uploads', 'an upload token');
      return uploaded.upload.token;
    } finally {
      content.destroy();
    }
  }

  async function register(ticket: DeskTicket, signal: AbortSignal): Promise<DeskRegistration> {
    const existing = await findByExternalId(ticket.externalRef, signal);
    if (existing !== null) return reference(existing);

    let token: string | undefined;
    for (const attachment of ticket.attachments) token = await upload(attachment, token, signal);
    const ccEmails = [...new Set(ticket.ccEmails.map((email) => email.toLowerCase()))].filter(
      (email) => email !== ticket.requesterEmail.toLowerCase(),
    );
    const res = await http.send(
      {
        method: 'POST',
        path: '/api/v2/tickets',
        headers: { 'idempotency-key': ticket.externalRef },
        json: {
          ticket: {
            subject: ticket.summary,
            comment: { body: caseDescription(ticket), ...(token ? { uploads: [token] } : {}) },
            requester: { email: ticket.requesterEmail, name: nameFromEmail(ticket.requesterEmail) },
            ...(ccEmails.length > 0 ? { email_ccs: ccEmails.map((email) => ({ user_email: email, action: 'put' })) } : {}),
            external_id: ticket.externalRef,
          },
        },
      },
      signal,
    );
    if (res.status === 400 && res.text.includes('IdempotentRequestError')) {
      // A retry's fresh upload token changes the body: an earlier attempt used this key, look for its ticket.
      const earlier = await findByExternalId(ticket.externalRef, signal);
      if (earlier !== null) return reference(earlier);
      throw new TransientDeskError(
        `Zendesk holds idempotency key ${ticket.externalRef} for an earlier attempt but no ticket has that external_id yet`,
        IDEMPOTENCY_CONFLICT_RETRY_MS,
      );
    }
    http.ensureOk(res);
    const created = http.parseJson<{ ticket?: ZendeskTicket }>(res);
    if (typeof created.ticket?.id !== 'number') throw http.malformed(res.operation, 'a ticket id');
    return reference(created.ticket.id);
  }

  async function check(signal: AbortSignal): Promise<DeskCheckResult> {
    const res = await http.probe('/api/v2/users/me', signal);
    const fail = (line: string): DeskCheckResult => ({ ok: false, lines: [line] });
    if (typeof res === 'string') return fail(res);
    if (res.status === 401) {
      return fail(
        'Credentials rejected by Zendesk (401): check DESKGATE_ZENDESK_EMAIL / DESKGATE_ZENDESK_API_TOKEN ' +
          'and that token access is enabled in Admin Center',
      );
    }
    if (res.status === 403) return fail('Zendesk refused the account (403): it may be suspended');
    if (res.status === 404) return fail(`No Zendesk account at ${config.baseUrl} (404): check DESKGATE_ZENDESK_BASE_URL`);
    if (res.status !== 200) return fail(`Zendesk answered ${res.status} to ${res.operation}`);
    const user = http.parseJson<{ user?: { id?: number | null; name?: string; email?: string; role?: string } }>(res).user;
    // Zendesk answers unauthenticated calls to /users/me with an anonymous user rather than a 401.
    if (!user || user.id == null) {
      return fail('Zendesk treated the request as anonymous: check DESKGATE_ZENDESK_EMAIL / DESKGATE_ZENDESK_API_TOKEN');
    }
    const who = `${user.name ?? '?'} <${user.email ?? config.email}>`;
    if (user.role !== 'agent' && user.role !== 'admin') {
      return fail(`Signed in to Zendesk as ${who}, but the role is "${user.role ?? '?'}": deskgate needs an agent or admin`);
    }
    return { ok: true, lines: [`Signed in to Zendesk as ${who} (role ${user.role})`] };
  }

  return { kind: 'zendesk', register, check, close: () => http.close() };
}
