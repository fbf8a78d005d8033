import { PermanentDeskError } from './desk.js';
import type { Desk, DeskAttachment, DeskCheckResult, DeskRegistration, DeskTicket } from './desk.js';
import { DeskHttpClient, basicAuthorization, caseDescription, multipartFileBody, nameFromEmail } from './http.js';
import type { DeskHttpDeps, DeskResponse } from './http.js';

export interface JiraDeskConfig {
  /** e.g. https://acme.atlassian.net */
  baseUrl: string;
  email: string;
  apiToken: string;
  serviceDeskId: string;
  requestTypeId: string;
  /** Jira field ids for summary / description when the request type uses custom fields. */
  fieldMap?: { summary?: string; description?: string };
  /** The marker label is `<prefix><ticketId>`; default 'deskgate-'. */
  markerLabelPrefix?: string;
  timeoutMs: number;
}

export interface JiraDesk extends Desk {
  readonly kind: 'jira';
  /** Releases pooled connections (graceful shutdown). */
  close(): Promise<void>;
}

interface JiraUser {
  accountId?: string;
  emailAddress?: string;
  displayName?: string;
}

interface PagedAttachments {
  isLastPage?: boolean;
  values?: Array<{ filename?: string; size?: number }>;
}

interface RequestTypeFields {
  requestTypeFields?: Array<{ fieldId?: string; name?: string; required?: boolean }>;
  canRaiseOnBehalfOf?: boolean;
  canAddRequestParticipants?: boolean;
}

/** Jira's summary field holds at most 255 characters; longer values are a 400. */
const SUMMARY_MAX_CHARS = 255;
const ATTACHMENT_PAGE_SIZE = 100;

/**
 * Jira Service Management Cloud.
 *
 * Exactly once: every request carries the label `<prefix><ticketId>`; `register` first searches for
 * it and, when found, returns that issue instead of creating another. Attachments on a found issue
 * are compared by (filename, size) with the request's attachment list and only the missing ones are
 * uploaded, so a crash between creating the request and attaching its files heals on retry.
 */
export function createJiraDesk(config: JiraDeskConfig, deps: DeskHttpDeps = {}): JiraDesk {
  const http = new DeskHttpClient(
    {
      deskName: 'Jira',
      baseUrl: config.baseUrl,
      authorization: basicAuthorization(config.email, config.apiToken),
      timeoutMs: config.timeoutMs,
    },
    deps,
  );
  const serviceDeskPath = `/rest/servicedeskapi/servicedesk/${encodeURIComponent(config.serviceDeskId)}`;
  const requestTypePath = `${serviceDeskPath}/requesttype/${encodeURIComponent(config.requestTypeId)}`;
  const summaryField = config.fieldMap?.summary ?? 'summary';
  const descriptionField = config.fieldMap?.description ?? 'description';
  const markerPrefix = config.markerLabelPrefix ?? 'deskgate-';

  async function findIssueKeyByLabel(label: string, signal: AbortSignal): Promise<string | null> {
    // Oldest first: should an earlier bug have left duplicates, every retry converges on the same case.
    const jql = `labels = "${label.replace(/["\\]/g, '\\$&')}" ORDER BY created ASC`;
    const found = await http.call<{ issues?: Array<{ key?: string }> }>(
      { method: 'GET', path: '/rest/api/3/search/jql', query: { jql, fields: 'key', maxResults: '1' } },
      signal,
    );
    const first = found.issues?.[0];
    if (first === undefined) return null;
    if (!first.key) throw http.malformed('GET /rest/api/3/search/jql', 'an issue key');
    return first.key;
  }

  /** The customer's accountId, creating the customer when Jira does not know the email yet. */
  async function customerAccountId(email: string, signal: AbortSignal): Promise<string> {
    const res = await http.send(
      {
        method: 'POST',
        path: '/rest/servicedeskapi/customer',
        // Ask for 409 on duplicates; without it Jira answers a plain 400.
        query: { strictConflictStatusCode: 'true' },
        json: { email, displayName: nameFromEmail(email) },
      },
      signal,
    );
    if (res.status === 201 || res.status === 200) {
      const created = http.parseJson<JiraUser>(res);
      if (!created.accountId) throw http.malformed(res.operation, 'an accountId');
      return created.accountId;
    }
    if (res.status === 409 || (res.status === 400 && /already exists/i.test(res.text))) {
      return existingAccountId(email, signal);
    }
    throw http.errorFor(res);
  }

  async function existingAccountId(email: string, signal: AbortSignal): Promise<string> {
    const users = await http.call<JiraUser[]>(
      { method: 'GET', path: '/rest/api/3/user/search', query: { query: email, maxResults: '10' } },
      signal,
    );
    const wanted = email.toLowerCase();
    // Email may be hidden by profile visibility; an exact-address query with one hit is that person.
    const match =
      users.find((user) => user.emailAddress?.toLowerCase() === wanted) ?? (users.length === 1 ? users[0] : undefined);
    if (!match?.accountId) {
      throw new PermanentDeskError(
        `Jira says a customer with email ${email} exists but user search does not return it: ` +
          'the deskgate account needs the "Browse users and groups" global permission',
      );
    }
    return match.accountId;
  }

  async function uploadTemporaryFile(attachment: DeskAttachment, signal: AbortSignal): Promise<string> {
    const content = await attachment.open();
    try {
      const operation = `POST ${serviceDeskPath}/attachTemporaryFile`;
      const uploaded = await http.call<{ temporaryAttachments?: Array<{ temporaryAttachmentId?: string }> }>(
        {
          method: 'POST',
          path: `${serviceDeskPath}/attachTemporaryFile`,
          // Jira's XSRF guard blocks multipart posts without this header.
          headers: { 'x-atlassian-token': 'no-check', 'x-experimentalapi': 'opt-in' },
          stream: multipartFileBody('file', attachment, content),
        },
        signal,
      );
      const id = uploaded.temporaryAttachments?.[0]?.temporaryAttachmentId;
      if (!id) throw http.malformed(operation, 'a temporaryAttachmentId');
      return id;
    } finally {
      content.destroy();
    }
  }

  /** (filename, size) → how many such files the request already has. */
  async function attachedFiles(issueKey: string, signal: AbortSignal): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (let start = 0; ; start += ATTACHMENT_PAGE_SIZE) {
      const page = await http.call<PagedAttachments>(
        {
          method: 'GET',
          path: `/rest/servicedeskapi/request/${encodeURIComponent(issueKey)}/attachment`,
          query: { start: String(start), limit: String(ATTACHMENT_PAGE_SIZE) },
        },
        signal,
      );
      const values = page.values ?? [];
      for (const value of values) {
        const key = fileKey(value.filename ?? '', value.size ?? -1);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      if (page.isLastPage !== false || values.length === 0) return counts;
    }
  }

  async function attach(issueKey: string, attachments: DeskAttachment[], signal: AbortSignal): Promise<void> {
    if (attachments.length === 0) return;
    try {
      const temporaryAttachmentIds: string[] = [];
      for (const attachment of attachments) temporaryAttachmentIds.push(await uploadTemporaryFile(attachment, signal));
      await http.call(
        {
          method: 'POST',
          path: `/rest/servicedeskapi/request/${encodeURIComponent(issueKey)}/attachment`,
          json: { temporaryAttachmentIds, public: true },
        },
        signal,
      );
    } catch (err) {
      // The case exists: say so, operators will find it by this key.
      if (err instanceof PermanentDeskError) {
        throw new PermanentDeskError(`Jira request ${issueKey} exists but its attachments were refused: ${err.message}`, {
          cause: err,
        });
      }
      throw err;
    }
  }

  async function attachMissing(issueKey: string, ticket: DeskTicket, signal: AbortSignal): Promise<void> {
    if (ticket.attachments.length === 0) return;
    const present = await attachedFiles(issueKey, signal);
    const missing = ticket.attachments.filter((attachment) => {
      const key = fileKey(attachment.filename, attachment.size);
      const count = present.get(key) ?? 0;
      if (count === 0) return true;
      present.set(key, count - 1);
      return false;
    });
    await attach(issueKey, missing, signal);
  }

  async function createRequest(ticket: DeskTicket, marker: string, signal: AbortSignal): Promise<string> {
    const reporter = await customerAccountId(ticket.requesterEmail, signal);
    const ccEmails = [...new Set(ticket.ccEmails.map((email) => email.toLowerCase()))].filter(
      (email) => email !== ticket.requesterEmail.toLowerCase(),
    );
    const requestParticipants: string[] = [];
    for (const email of ccEmails) requestParticipants.push(await customerAccountId(email, signal));
    const created = await http.call<{ issueKey?: string }>(
      {
        method: 'POST',
        path: '/rest/servicedeskapi/request',
        json: {
          serviceDeskId: config.serviceDeskId,
          requestTypeId: config.requestTypeId,
          requestFieldValues: {
            [summaryField]: ticket.summary.slice(0, SUMMARY_MAX_CHARS),
            [descriptionField]: caseDescription(ticket),
            labels: [marker],
          },
          raiseOnBehalfOf: reporter,
          ...(requestParticipants.length > 0 ? { requestParticipants } : {}),
        },
      },
      signal,
    );
    if (!created.issueKey) throw http.malformed('POST /rest/servicedeskapi/request', 'an issueKey');
    return created.issueKey;
  }

  async function register(ticket: DeskTicket, signal: AbortSignal): Promise<DeskRegistration> {
    const marker = `${markerPrefix}${ticket.ticketId}`;
    const existing = await findIssueKeyByLabel(marker, signal);
    if (existing !== null) {
      await attachMissing(existing, ticket, signal);
      return { reference: existing };
    }
    const issueKey = await createRequest(ticket, marker, signal);
    await attach(issueKey, ticket.attachments, signal);
    return { reference: issueKey };
  }

  async function check(signal: AbortSignal): Promise<DeskCheckResult> {
    const lines: string[] = [];
    const fail = (line: string): DeskCheckResult => ({ ok: false, lines: [...lines, line] });
    const unexpected = (res: DeskResponse): string => `Jira answered ${res.status} to ${res.operation}`;

    const myself = await http.probe('/rest/api/3/myself', signal);
    if (typeof myself === 'string') return fail(myself);
    if (myself.status === 401) {
      return fail('Credentials rejected by Jira (401): check DESKGATE_JIRA_EMAIL / DESKGATE_JIRA_API_TOKEN');
    }
    if (myself.status === 403) return fail('Jira refused the account (403): it may be deactivated or lack product access');
    if (myself.status === 404) return fail(`No Jira Cloud site at ${config.baseUrl} (404): check DESKGATE_JIRA_BASE_URL`);
    if (myself.status !== 200) return fail(unexpected(myself));
    const me = http.parseJson<JiraUser>(myself);
    lines.push(`Signed in to Jira as ${me.displayName ?? '?'} <${me.emailAddress ?? config.email}>`);

    const desk = await http.probe(serviceDeskPath, signal);
    if (typeof desk === 'string') return fail(desk);
    if (desk.status === 404) {
      return fail(
        `Service desk ${config.serviceDeskId} not found: check DESKGATE_JIRA_SERVICE_DESK_ID ` +
          '(the account must be an agent of that service project)',
      );
    }
    if (desk.status !== 200) return fail(unexpected(desk));
    const project = http.parseJson<{ projectKey?: string; projectName?: string }>(desk);
    lines.push(`Service desk ${config.serviceDeskId} found: project ${project.projectKey ?? '?'} (${project.projectName ?? '?'})`);

    const requestType = await http.probe(requestTypePath, signal);
    if (typeof requestType === 'string') return fail(requestType);
    if (requestType.status === 404) {
      return fail(
        `Request type ${config.requestTypeId} not found in service desk ${config.serviceDeskId}: ` +
          'check DESKGATE_JIRA_REQUEST_TYPE_ID',
      );
    }
    if (requestType.status !== 200) return fail(unexpected(requestType));
    lines.push(`Request type ${config.requestTypeId} found: ${http.parseJson<{ name?: string }>(requestType).name ?? '?'}`);

    const fieldsRes = await http.probe(`${requestTypePath}/field`, signal);
    if (typeof fieldsRes === 'string') return fail(fieldsRes);
    if (fieldsRes.status !== 200) return fail(unexpected(fieldsRes));
    const meta = http.parseJson<RequestTypeFields>(fieldsRes);
    const fields = meta.requestTypeFields ?? [];
    const fieldIds = new Set(fields.map((field) => field.fieldId));
    const problems: string[] = [];
    for (const [fieldId, purpose] of [
      [summaryField, 'the summary'],
      [descriptionField, 'the description'],
      ['labels', 'the marker label that prevents duplicate cases'],
    ] as const) {
      if (!fieldIds.has(fieldId)) problems.push(`Request type has no field "${fieldId}" for ${purpose}: add it to the request type`);
    }
    const filled = new Set([summaryField, descriptionField, 'labels']);
    for (const field of fields) {
      if (field.required && field.fieldId && !filled.has(field.fieldId)) {
        problems.push(`Request type requires field "${field.name ?? field.fieldId}" which deskgate does not fill`);
      }
    }
    if (meta.canRaiseOnBehalfOf === false) {
      problems.push('The account cannot raise requests on behalf of customers: make it an agent of the service project');
    }
    if (meta.canAddRequestParticipants === false) {
      problems.push('The account cannot add request participants: CPN ccEmails would be refused');
    }
    if (problems.length > 0) return { ok: false, lines: [...lines, ...problems] };
    lines.push('Request type accepts summary, description and labels; requests can be raised on behalf of customers');
    return { ok: true, lines };
  }

  return { kind: 'jira', register, check, close: () => http.close() };
}

function fileKey(filename: string, size: number): string {
  return `${size}:${filename}`;
}
