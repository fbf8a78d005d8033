import { randomInt } from 'node:crypto';
import { FakeServer, isRecord, isStringArray, readJsonOrNull } from './fake-server.js';
import type { Fault, FakeReply, RouteContext } from './fake-server.js';

export interface JiraFakeOptions {
  email?: string;
  apiToken?: string;
  serviceDeskId?: string;
  projectKey?: string;
  requestTypeId?: string;
  /** Field ids on the request type; `requestFieldValues` may only use these. */
  requestTypeFields?: string[];
  canRaiseOnBehalfOf?: boolean;
}

export interface JiraCustomer {
  accountId: string;
  email: string;
  displayName: string;
}

export interface JiraStoredFile {
  filename: string;
  mimeType: string;
  size: number;
  sha256: string;
}

export interface JiraRequestRecord {
  issueId: string;
  issueKey: string;
  serviceDeskId: string;
  requestTypeId: string;
  fieldValues: Record<string, unknown>;
  labels: string[];
  reporter: string;
  participants: string[];
  attachments: Array<JiraStoredFile & { public: boolean }>;
}

/** Route keys for `inject`. */
export const JIRA_ROUTES = {
  myself: 'GET /rest/api/3/myself',
  userSearch: 'GET /rest/api/3/user/search',
  search: 'GET /rest/api/3/search/jql',
  serviceDesk: 'GET /rest/servicedeskapi/servicedesk/:serviceDeskId',
  requestType: 'GET /rest/servicedeskapi/servicedesk/:serviceDeskId/requesttype/:requestTypeId',
  requestTypeFields: 'GET /rest/servicedeskapi/servicedesk/:serviceDeskId/requesttype/:requestTypeId/field',
  createCustomer: 'POST /rest/servicedeskapi/customer',
  createRequest: 'POST /rest/servicedeskapi/request',
  attachTemporaryFile: 'POST /rest/servicedeskapi/servicedesk/:serviceDeskId/attachTemporaryFile',
  addAttachment: 'POST /rest/servicedeskapi/request/:issueIdOrKey/attachment',
  listAttachments: 'GET /rest/servicedeskapi/request/:issueIdOrKey/attachment',
} as const;

const REQUEST_KEYS = new Set(['serviceDeskId', 'requestTypeId', 'requestFieldValues', 'raiseOnBehalfOf', 'requestParticipants', 'channel', 'isAdfRequest']);

/** Service-management API error body: `{errorMessage, i18nErrorMessage}`. */
function sdError(status: number, errorMessage: string, i18nKey = 'sd.error'): FakeReply {
  return { status, body: { errorMessage, i18nErrorMessage: { i18nKey, parameters: [] } } };
}

/** Platform API error body: `{errorMessages, errors}`. */
function platformError(status: number, message: string): FakeReply {
  return { status, body: { errorMessages: [message], errors: {} } };
}

/**
 * In-memory Jira Service Management Cloud: the endpoints deskgate uses, with Jira's auth, XSRF
 * header rule, body validation and response shapes. State is public for assertions.
 */
export class JiraFake {
  readonly customers = new Map<string, JiraCustomer>();
  readonly requests: JiraRequestRecord[] = [];
  readonly temporaryFiles = new Map<string, JiraStoredFile>();
  readonly server: FakeServer;
  url = '';
  readonly email: string;
  readonly apiToken: string;
  readonly serviceDeskId: string;
  readonly requestTypeId: string;
  private readonly projectKey: string;
  private readonly fields: string[];
  private readonly canRaiseOnBehalfOf: boolean;
  private nextAccount = 1;

  private constructor(options: JiraFakeOptions) {
    this.email = options.email ?? 'bot@example.com';
    this.apiToken = options.apiToken ?? 'jira-token';
    this.serviceDeskId = options.serviceDeskId ?? '7';
    this.projectKey = options.projectKey ?? 'SUP';
    this.requestTypeId = options.requestTypeId ?? '25';
    this.fields = options.requestTypeFields ?? ['summary', 'description', 'labels'];
    this.canRaiseOnBehalfOf = options.canRaiseOnBehalfOf ?? true;
    this.server = new FakeServer({
      basicAuth: { user: this.email, password: this.apiToken },
      unauthorized: () => ({ status: 401, body: 'Client must be authenticated to access this resource.' }),
      notFound: () => platformError(404, 'null for uri: not found'),
      errorBody: (status) => platformError(status, status === 429 ? 'Rate limit exceeded.' : 'Internal server error').body,
      routes: [
        { method: 'GET', path: '/rest/api/3/myself', handle: () => this.myself() },
        { method: 'GET', path: '/rest/api/3/user/search', handle: (ctx) => this.userSearch(ctx) },
        { method: 'GET', path: '/rest/api/3/search/jql', handle: (ctx) => this.search(ctx) },
        { method: 'GET', path: '/rest/servicedeskapi/servicedesk/:serviceDeskId', handle: (ctx) => this.serviceDesk(ctx) },
        {
          method: 'GET',
          path: '/rest/servicedeskapi/servicedesk/:serviceDeskId/requesttype/:requestTypeId',
          handle: (ctx) => this.requestType(ctx),
        },
        {
          method: 'GET',
          path: '/rest/servicedeskapi/servicedesk/:serviceDeskId/requesttype/:requestTypeId/field',
          handle: (ctx) => this.requestTypeFields(ctx),
        },
        { method: 'POST', path: '/rest/servicedeskapi/customer', handle: (ctx) => this.createCustomer(ctx) },
        { method: 'POST', path: '/rest/servicedeskapi/request', handle: (ctx) => this.createRequest(ctx) },
        {
          method: 'POST',
          path: '/rest/servicedeskapi/servicedesk/:serviceDeskId/attachTemporaryFile',
          handle: (ctx) => this.attachTemporaryFile(ctx),
        },
        { method: 'POST', path: '/rest/servicedeskapi/request/:issueIdOrKey/attachment', handle: (ctx) => this.addAttachment(ctx) },
        { method: 'GET', path: '/rest/servicedeskapi/request/:issueIdOrKey/attachment', handle: (ctx) => this.listAttachments(ctx) },
      ],
    });
  }

  static async start(options: JiraFakeOptions = {}): Promise<JiraFake> {
    const fake = new JiraFake(options);
    fake.url = await fake.server.listen();
    return fake;
  }

  inject(routeKey: string, ...faults: Fault[]): void {
    this.server.inject(routeKey, ...faults);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  addCustomer(email: string, displayName = email): JiraCustomer {
    const customer = { accountId: `qm:fake:${String(this.nextAccount++).padStart(6, '0')}`, email, displayName };
    this.customers.set(email.toLowerCase(), customer);
    return customer;
  }

  emailOf(accountId: string): string | undefined {
    return [...this.customers.values()].find((customer) => customer.accountId === accountId)?.email;
  }

  requestsLabelled(label: string): JiraRequestRecord[] {
    return this.requests.filter((request) => request.labels.includes(label));
  }

  private knowsDesk(id: string | undefined): boolean {
    return id === this.serviceDeskId || id === this.projectKey;
  }

  private findRequest(idOrKey: string | undefined): JiraRequestRecord | undefined {
    return this.requests.find((request) => request.issueKey === idOrKey || request.issueId === idOrKey);
  }

  private userBean(customer: JiraCustomer): Record<string, unknown> {
    return {
      accountId: customer.accountId,
      accountType: 'customer',
      emailAddress: customer.email,
      displayName: customer.displayName,
      active: true,
      timeZone: 'Etc/UTC',
      _links: { self: `${this.url}/rest/api/3/user?accountId=${customer.accountId}` },
    };
  }

  private myself(): FakeReply {
    return {
      status: 200,
      body: {
        self: `${this.url}/rest/api/3/user?accountId=bot`,
        accountId: '5b10a2844c20165700ede21g',
        accountType: 'atlassian',
        emailAddress: this.email,
        displayName: 'deskgate bot',
        active: true,
        timeZone: 'Etc/UTC',
      },
    };
  }

  private userSearch(ctx: RouteContext): FakeReply {
    const query = ctx.query.get('query')?.toLowerCase();
    if (!query) return platformError(400, 'The query parameter is required.');
    const found = [...this.customers.values()].filter(
      (customer) => customer.email.toLowerCase().startsWith(query) || customer.displayName.toLowerCase().startsWith(query),
    );
    return { status: 200, body: found.map((customer) => this.userBean(customer)) };
  }

  private search(ctx: RouteContext): FakeReply {
    const jql = ctx.query.get('jql');
    if (!jql) return platformError(400, 'The JQL query is required.');
    const parsed = /^labels\s*=\s*"((?:[^"\\]|\\.)*)"(?:\s+ORDER BY created (ASC|DESC))?$/i.exec(jql.trim());
    if (!parsed) return platformError(400, `Error in the JQL Query: the fake only understands labels = "…": ${jql}`);
    const label = (parsed[1] ?? '').replace(/\\(.)/g, '$1');
    const matches = this.requestsLabelled(label);
    if (parsed[2]?.toUpperCase() === 'DESC') matches.reverse();
    const maxResults = Number(ctx.query.get('maxResults') ?? '50');
    return {
      status: 200,
      body: {
        issues: matches.slice(0, maxResults).map((request) => ({
          id: request.issueId,
          key: request.issueKey,
          self: `${this.url}/rest/api/3/issue/${request.issueId}`,
          fields: {},
        })),
        isLast: matches.length <= maxResults,
      },
    };
  }

  private serviceDesk(ctx: RouteContext): FakeReply {
    if (!this.knowsDesk(ctx.params.serviceDeskId)) {
      return sdError(404, 'The service project you are trying to view does not exist.', 'sd.admin.servicedesk.does.not.exist');
    }
    return {
      status: 200,
      body: {
        id: this.serviceDeskId,
        projectId: '10000',
        projectName: 'Support',
        projectKey: this.projectKey,
        _links: { self: `${this.url}/rest/servicedeskapi/servicedesk/${this.serviceDeskId}` },
      },
    };
  }

  private requestTypeMissing(ctx: RouteContext): FakeReply | null {
    if (!this.knowsDesk(ctx.params.serviceDeskId)) {
      return sdError(404, 'The service project you are trying to view does not exist.', 'sd.admin.servicedesk.does.not.exist');
    }
    if (ctx.params.requestTypeId !== this.requestTypeId) {
      return sdError(404, 'The request type you are trying to view does not exist.', 'sd.request.type.not.found');
    }
    return null;
  }

  private requestType(ctx: RouteContext): FakeReply {
    return (
      this.requestTypeMissing(ctx) ?? {
        status: 200,
        body: {
          id: this.requestTypeId,
          name: 'Payment problem',
          description: 'A problem with a payment',
          issueTypeId: '10004',
          serviceDeskId: this.serviceDeskId,
          groupIds: ['1'],
          _links: { self: `${this.url}/rest/servicedeskapi/servicedesk/${this.serviceDeskId}/requesttype/${this.requestTypeId}` },
        },
      }
    );
  }

  private requestTypeFields(ctx: RouteContext): FakeReply {
    return (
      this.requestTypeMissing(ctx) ?? {
        status: 200,
        body: {
          requestTypeFields: this.fields.map((fieldId) => ({
            fieldId,
            name: fieldId[0]?.toUpperCase() + fieldId.slice(1),
            required: fieldId === 'summary',
            validValues: [],
            jiraSchema: { type: fieldId === 'labels' ? 'array' : 'string', system: fieldId },
          })),
          canRaiseOnBehalfOf: this.canRaiseOnBehalfOf,
          canAddRequestParticipants: true,
        },
      }
    );
  }

  private async createCustomer(ctx: RouteContext): Promise<FakeReply> {
    const body = await readJsonOrNull(ctx);
    if (!isRecord(body) || typeof body.email !== 'string' || typeof body.displayName !== 'string') {
      return sdError(400, 'A customer needs an email and a displayName.', 'sd.customer.create.invalid');
    }
    if (!/^[^@\s]+@[^@\s]+$/.test(body.email)) return sdError(400, 'The email address is invalid.', 'sd.customer.email.invalid');
    if (this.customers.has(body.email.toLowerCase())) {
      const status = ctx.query.get('strictConflictStatusCode') === 'true' ? 409 : 400;
      return sdError(status, 'An account already exists for this email.', 'sd.customer.already.exists');
    }
    return { status: 201, body: this.userBean(this.addCustomer(body.email, body.displayName)) };
  }

  private async createRequest(ctx: RouteContext): Promise<FakeReply> {
    const body = await readJsonOrNull(ctx);
    if (!isRecord(body)) return sdError(400, 'The request body is not valid JSON.', 'sd.request.invalid');
    const unknown = Object.keys(body).find((key) => !REQUEST_KEYS.has(key));
    if (unknown) return sdError(400, `Unrecognized field "${unknown}"`, 'sd.request.unrecognized.field');
    if (!this.knowsDesk(typeof body.serviceDeskId === 'string' ? body.serviceDeskId : undefined)) {
      return sdError(404, 'The service project you are trying to view does not exist.', 'sd.admin.servicedesk.does.not.exist');
    }
    if (body.requestTypeId !== this.requestTypeId) {
      return sdError(400, 'The request type you are trying to use does not exist.', 'sd.request.type.not.found');
    }
    const values = body.requestFieldValues;
    if (!isRecord(values)) return sdError(400, 'requestFieldValues is required.', 'sd.request.field.values.required');
    const foreignField = Object.keys(values).find((field) => !this.fields.includes(field));
    if (foreignField) {
      return sdError(400, `Field '${foreignField}' is not valid for this request type.`, 'sd.request.field.invalid');
    }
    if (typeof values.summary !== 'string' || values.summary.trim() === '' || values.summary.length > 255) {
      return sdError(400, 'You must specify a summary of the issue (at most 255 characters).', 'sd.request.summary.invalid');
    }
    const labels = values.labels ?? [];
    if (!isStringArray(labels) || labels.some((label) => /\s/.test(label))) {
      return sdError(400, 'Labels must be an array of strings without spaces.', 'sd.request.labels.invalid');
    }
    const knownAccount = (id: unknown): boolean => typeof id === 'string' && this.emailOf(id) !== undefined;
    if (body.raiseOnBehalfOf !== undefined && !knownAccount(body.raiseOnBehalfOf)) {
      return sdError(400, `The user '${String(body.raiseOnBehalfOf)}' does not exist.`, 'sd.request.user.does.not.exist');
    }
    const participants = body.requestParticipants ?? [];
    if (!isStringArray(participants) || !participants.every(knownAccount)) {
      return sdError(400, 'requestParticipants must be accountIds of existing customers.', 'sd.request.participants.invalid');
    }
    const number = this.requests.length + 1;
    const request: JiraRequestRecord = {
      issueId: String(10000 + number),
      issueKey: `${this.projectKey}-${number}`,
      serviceDeskId: this.serviceDeskId,
      requestTypeId: this.requestTypeId,
      fieldValues: values,
      labels,
      reporter: typeof body.raiseOnBehalfOf === 'string' ? body.raiseOnBehalfOf : '5b10a2844c20165700ede21g',
      participants,
      attachments: [],
    };
    this.requests.push(request);
    const now = new Date();
    const date = { iso8601: now.toISOString(), jira: now.toISOString(), friendly: 'Today', epochMillis: now.getTime() };
    const reporter = [...this.customers.values()].find((customer) => customer.accountId === request.reporter);
    return {
      status: 201,
      body: {
        _expands: ['participant', 'status', 'sla', 'requestType', 'serviceDesk', 'attachment', 'action', 'comment'],
        issueId: request.issueId,
        issueKey: request.issueKey,
        requestTypeId: request.requestTypeId,
        serviceDeskId: request.serviceDeskId,
        createdDate: date,
        reporter: reporter ? this.userBean(reporter) : null,
        requestFieldValues: Object.entries(values).map(([fieldId, value]) => ({ fieldId, label: fieldId, value })),
        currentStatus: { status: 'Waiting for support', statusCategory: 'NEW', statusDate: date },
        _links: {
          jiraRest: `${this.url}/rest/api/2/issue/${request.issueId}`,
          web: `${this.url}/servicedesk/customer/portal/1/${request.issueKey}`,
          agent: `${this.url}/browse/${request.issueKey}`,
          self: `${this.url}/rest/servicedeskapi/request/${request.issueId}`,
        },
      },
    };
  }

  private async attachTemporaryFile(ctx: RouteContext): Promise<FakeReply> {
    if (!this.knowsDesk(ctx.params.serviceDeskId)) {
      return sdError(404, 'The service project you are trying to view does not exist.', 'sd.admin.servicedesk.does.not.exist');
    }
    // Jira's XSRF filter answers before the resource sees the request.
    if (ctx.req.headers['x-atlassian-token'] !== 'no-check') return { status: 403, body: 'XSRF check failed' };
    if (!(ctx.req.headers['content-type'] ?? '').startsWith('multipart/form-data')) {
      return { status: 415, body: 'Unsupported Media Type' };
    }
    const { files } = await ctx.readMultipart();
    const named = files.filter((file) => file.fieldName === 'file');
    if (named.length === 0) {
      return sdError(400, "The multipart request must contain the attachments in parts named 'file'.", 'sd.attachment.no.file');
    }
    const temporaryAttachments = named.map((file) => {
      const temporaryAttachmentId = `temp${randomInt(1e9, 9e9)}${randomInt(1e9, 9e9)}`;
      this.temporaryFiles.set(temporaryAttachmentId, {
        filename: file.filename,
        mimeType: file.mimeType,
        size: file.size,
        sha256: file.sha256,
      });
      return { temporaryAttachmentId, fileName: file.filename };
    });
    return { status: 201, body: { temporaryAttachments } };
  }

  private async addAttachment(ctx: RouteContext): Promise<FakeReply> {
    const request = this.findRequest(ctx.params.issueIdOrKey);
    if (!request) return sdError(404, 'The request does not exist.', 'sd.request.not.found');
    const body = await readJsonOrNull(ctx);
    if (!isRecord(body) || !isStringArray(body.temporaryAttachmentIds) || body.temporaryAttachmentIds.length === 0) {
      return sdError(400, 'temporaryAttachmentIds must be a non-empty list.', 'sd.attachment.ids.required');
    }
    if (typeof body.public !== 'boolean') return sdError(400, 'public must be true or false.', 'sd.attachment.public.required');
    const missing = body.temporaryAttachmentIds.find((id) => !this.temporaryFiles.has(id));
    if (missing) return sdError(400, `Temporary attachment ${missing} does not exist or has expired.`, 'sd.attachment.temporary.not.found');
    const added = body.temporaryAttachmentIds.map((id) => {
      const file = this.temporaryFiles.get(id) as JiraStoredFile;
      this.temporaryFiles.delete(id);
      return { ...file, public: body.public as boolean };
    });
    request.attachments.push(...added);
    return {
      status: 201,
      body: {
        comment: { id: String(randomInt(1e5, 9e5)), body: '', public: body.public },
        attachments: this.page(request, added, 0, added.length),
      },
    };
  }

  private listAttachments(ctx: RouteContext): FakeReply {
    const request = this.findRequest(ctx.params.issueIdOrKey);
    if (!request) return sdError(404, 'The request does not exist.', 'sd.request.not.found');
    const start = Number(ctx.query.get('start') ?? '0');
    const limit = Number(ctx.query.get('limit') ?? '50');
    return { status: 200, body: this.page(request, request.attachments.slice(start, start + limit), start, limit) };
  }

  private page(request: JiraRequestRecord, values: JiraStoredFile[], start: number, limit: number): Record<string, unknown> {
    return {
      _expands: [],
      size: values.length,
      start,
      limit,
      isLastPage: start + values.length >= request.attachments.length,
      _links: { base: `${this.url}/rest/servicedeskapi`, context: '' },
      values: values.map((file) => ({
        filename: file.filename,
        author: null,
        created: { iso8601: new Date().toISOString() },
        size: file.size,
        mimeType: file.mimeType,
        _links: { content: `${this.url}/secure/attachment/${file.sha256.slice(0, 8)}/${encodeURIComponent(file.filename)}` },
      })),
    };
  }
}
