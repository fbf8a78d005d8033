import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Ticket } from '../../db/schema.js';
import { AppError, validationError } from '../../domain/errors.js';
import { cpnTicketSummary, cpnTicketViolations } from '../../domain/tickets.js';
import type { ApiKeyService } from '../../services/api-keys.js';
import { fingerprint, type IdempotencyService } from '../../services/idempotency.js';
import type { PaymentService } from '../../services/payments.js';
import type { TicketService } from '../../services/tickets.js';
import { replayStoredResponse } from '../idempotent-replay.js';
import { principalOf, requireSupportTickets } from '../principal.js';
import { throttleAccount, throttleTicketCreate, type RequestLimits } from '../throttle.js';
import { onePerField, strictJsonBody } from '../validation.js';
import { apiKeyAuth } from './auth.js';
import { presentSupportTicket, presentSupportTicketWithStatus } from './presenters.js';
import {
  CPN_PAGE_SIZE_DEFAULT,
  CPN_PAGE_SIZE_MAX,
  CreateSupportTicket,
  IdParams,
  SupportTicketListQuery,
  SupportTicketListResponse,
  SupportTicketResponse,
  SupportTicketWithStatusResponse,
  errorResponses,
} from './schemas.js';

export const CPN_CREATE_SCOPE = 'cpn.supportTickets.create';
const EXTENSION = 'deskgate extension: not part of Circle\'s CPN API.';

const BODY_FIELDS = Object.keys(CreateSupportTicket.properties);
/** Field errors are listed in the order of the documented body (`ccEmails[2]` sorts with `ccEmails`). */
const fieldOrder = (field: string) => BODY_FIELDS.indexOf(field.split(/[.[]/)[0]!);

const createBody = strictJsonBody(CreateSupportTicket);

export interface CpnRouteDeps {
  apiKeys: ApiKeyService;
  payments: PaymentService;
  tickets: TicketService;
  idempotency: IdempotencyService;
  limits: RequestLimits;
}

export async function cpnTicketRoutes(app: FastifyInstance, deps: CpnRouteDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ BearerAuth: [] }];
  // Check order: authentication (401) → request budgets (429) → feature gate (403) → body rules (400) → payment (404) → create.
  api.addHook('onRequest', apiKeyAuth(deps.apiKeys));
  api.addHook('onRequest', throttleAccount(deps.limits));
  api.addHook('onRequest', requireSupportTickets);

  api.post(
    '/v1/cpn/supportTickets',
    {
      onRequest: throttleTicketCreate(deps.limits),
      // Schema errors are collected with the rules the schema cannot state, so one 400 names every bad field.
      ...createBody.routeOptions,
      schema: {
        tags: ['CPN Support Tickets'],
        summary: 'Create a support ticket',
        operationId: 'cpnCreateSupportTicket',
        security,
        body: CreateSupportTicket,
        response: { 201: SupportTicketResponse, ...errorResponses(400, 401, 403, 404, 409, 413, 429) },
      },
    },
    async (request, reply) => {
      const { accountId } = principalOf(request);
      const body = request.body as CreateSupportTicket | undefined;
      const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
      const violations = onePerField(createBody.violations(request), isObject ? cpnTicketViolations(body) : []).sort((a, b) => fieldOrder(a.field) - fieldOrder(b.field));
      if (violations.length > 0 || !body) throw validationError(violations);

      const ccEmails = body.ccEmails ?? [];
      const requestPrint = fingerprint({ paymentId: body.paymentId, issueType: body.issueType, description: body.description, email: body.email, ccEmails });
      const key = body.idempotencyKey.toLowerCase();
      const draft = {
        id: randomUUID(),
        accountId,
        dialect: 'cpn' as const,
        customerId: null,
        paymentId: body.paymentId,
        summary: cpnTicketSummary(body.issueType, body.paymentId),
        description: body.description,
        issueType: body.issueType,
        requesterEmail: body.email,
        ccEmails,
        externalRef: randomUUID(),
      };
      const idempotent = { scope: CPN_CREATE_SCOPE, key, fingerprint: requestPrint, render: (t: Ticket) => ({ status: 201, body: { data: presentSupportTicket(t) } }) };

      // The common cases (a new key, a replay) take one statement.
      const once = await deps.tickets.createOnce(draft, idempotent);
      if (once.state === 'created') return reply.code(201).send({ data: presentSupportTicket(once.ticket) });
      if (once.state === 'in_flight') throw new AppError('idempotency_key_in_flight');
      if (once.state === 'payment_not_found') throw new AppError('payment_not_found');
      const { existing } = once;
      if (!existing.reclaimable) {
        if (existing.state === 'in_flight') throw new AppError('idempotency_key_in_flight');
        return replayStoredResponse(reply, { state: 'done', fingerprint: existing.fingerprint!, responseStatus: existing.response_status!, responseBody: existing.response_body }, requestPrint);
      }

      // A key left behind by a request that died, or expired: taken over explicitly, then completed by the create.
      const claim = await deps.idempotency.claim(accountId, CPN_CREATE_SCOPE, key);
      if (claim.state === 'in_flight') throw new AppError('idempotency_key_in_flight');
      if (claim.state === 'done') return replayStoredResponse(reply, claim, requestPrint);
      let created = false;
      try {
        if (!(await deps.payments.exists(accountId, body.paymentId))) throw new AppError('payment_not_found');
        const outcome = await deps.tickets.create(draft, [], { idempotent });
        if (outcome.state !== 'created') throw new Error(`CPN ticket not stored: ${outcome.state}`);
        created = true;
        return reply.code(201).send({ data: presentSupportTicket(outcome.ticket) });
      } finally {
        // A refused request leaves its key free, so the same request can succeed later (e.g. once the payment is imported).
        if (!created) await deps.idempotency.release(accountId, CPN_CREATE_SCOPE, key);
      }
    },
  );

  api.get(
    '/v1/cpn/supportTickets/:id',
    {
      schema: {
        tags: ['CPN Support Tickets'],
        summary: 'Get a support ticket (extension)',
        description: `${EXTENSION} The ticket as created, plus its status; caseRefId is set once the help desk has registered it.`,
        'x-deskgate-extension': true,
        operationId: 'cpnGetSupportTicket',
        security,
        params: IdParams,
        response: { 200: SupportTicketWithStatusResponse, ...errorResponses(400, 401, 403, 404, 429) },
      },
    },
    async (request) => ({ data: presentSupportTicketWithStatus(await deps.tickets.get(principalOf(request).accountId, request.params.id, 'cpn')) }),
  );

  api.get(
    '/v1/cpn/supportTickets',
    {
      schema: {
        tags: ['CPN Support Tickets'],
        summary: 'List support tickets (extension)',
        description: `${EXTENSION} Newest first, with Circle's cursor paging (pageAfter/pageBefore are ticket ids; use one at most).`,
        'x-deskgate-extension': true,
        operationId: 'cpnListSupportTickets',
        security,
        querystring: SupportTicketListQuery,
        response: { 200: SupportTicketListResponse, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const { paymentId, pageAfter, pageBefore, pageSize = CPN_PAGE_SIZE_DEFAULT } = request.query;
      if (pageAfter && pageBefore) {
        throw validationError([{ field: 'pageBefore', rule: 'invalid', params: { message: 'Use pageAfter or pageBefore, not both.' } }]);
      }
      const filter = { accountId: principalOf(request).accountId, dialect: 'cpn' as const, paymentId };
      const tickets = await deps.tickets.page(filter, Math.min(pageSize, CPN_PAGE_SIZE_MAX), { after: pageAfter, before: pageBefore });
      return { data: tickets.map(presentSupportTicketWithStatus) };
    },
  );
}
