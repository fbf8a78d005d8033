import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError, validationError } from '../../domain/errors.js';
import { ripioTicketViolations } from '../../domain/tickets.js';
import { AttachmentIntake } from '../../services/attachment-intake.js';
import type { AuthService } from '../../services/auth.js';
import type { IdempotencyClaim } from '../../db/queries/idempotency.js';
import { fingerprint, type IdempotencyService } from '../../services/idempotency.js';
import type { TicketService } from '../../services/tickets.js';
import type { ObjectStorage } from '../../storage/storage.js';
import { rejectDeclaredOversize } from '../body-cap.js';
import { replayStoredResponse } from '../idempotent-replay.js';
import { documentBody } from '../openapi.js';
import { principalOf, requireSupportTickets } from '../principal.js';
import { throttleAccount, throttleTicketCreate, type RequestLimits } from '../throttle.js';
import { bearerAuth } from './auth.js';
import { pageLinks } from './paging.js';
import { presentTicket, presentTicketSummary } from './presenters.js';
import { CreateSupportTicketRequest, SupportTicketResponse, TicketListQuery, TicketListResponse, TicketParams, errorResponses } from './schemas.js';
import { readTicketForm } from './ticket-form.js';

export const RIPIO_CREATE_SCOPE = 'ripio.supportTickets.create';
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export interface TicketRouteDeps {
  auth: AuthService;
  tickets: TicketService;
  idempotency: IdempotencyService;
  storage: ObjectStorage;
  maxBodyBytes: number;
  publicBaseUrl: string | null;
  limits: RequestLimits;
}

function idempotencyKeyOf(request: FastifyRequest): string | null {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return null;
  const key = Array.isArray(raw) ? raw[0]! : raw;
  if (!IDEMPOTENCY_KEY.test(key)) {
    throw validationError([{ field: 'Idempotency-Key', rule: 'invalid', params: { message: 'Must be 1-255 printable ASCII characters.' } }]);
  }
  return key;
}

export async function ticketRoutes(app: FastifyInstance, deps: TicketRouteDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ BearerToken: [] }];
  api.addHook('preHandler', bearerAuth(deps.auth));
  api.addHook('preHandler', throttleAccount(deps.limits));
  api.addHook('preHandler', requireSupportTickets);

  api.post(
    '/api/v1/supportTickets/',
    {
      preHandler: throttleTicketCreate(deps.limits),
      config: { swaggerTransform: documentBody(CreateSupportTicketRequest) },
      schema: {
        tags: ['Support Tickets'],
        summary: 'Create Support Ticket',
        operationId: 'createSupportTicket',
        security,
        consumes: ['multipart/form-data'],
        headers: { type: 'object', properties: { 'idempotency-key': { type: 'string', description: 'Optional; same key + same request returns the original response.' } } },
        response: { 202: SupportTicketResponse, ...errorResponses(400, 401, 403, 409, 413, 422, 429) },
      },
    },
    async (request, reply) => {
      const { accountId } = principalOf(request);
      rejectDeclaredOversize(request, deps.maxBodyBytes);
      const key = idempotencyKeyOf(request);
      const releaseUploadSlot = deps.limits.uploads.acquire(accountId);
      const ticketId = randomUUID();
      const intake = new AttachmentIntake(deps.storage, ticketId);
      let claim: IdempotencyClaim | null = null;
      let keep = false;
      try {
        claim = key ? await deps.idempotency.claim(accountId, RIPIO_CREATE_SCOPE, key) : null;
        if (claim?.state === 'in_flight') throw new AppError('idempotency_key_in_flight');
        const form = await readTicketForm(request, intake, deps.maxBodyBytes);
        const violations = [...form.violations, ...ripioTicketViolations(form.fields), ...intake.violations];
        if (violations.length > 0) throw validationError(violations);
        // Only a keyed request is compared with an earlier one.
        const requestPrint = key ? fingerprint({ ...form.fields, files: intake.stored.map((a) => ({ name: a.filename, sha256: a.sha256 })) }) : '';

        if (claim?.state === 'done') return replayStoredResponse(reply, claim, requestPrint);

        // The customer is checked (it exists, it has an email) by the statement that stores the ticket.
        const outcome = await deps.tickets.create(
          {
            id: ticketId,
            accountId,
            dialect: 'ripio',
            customerId: form.fields.customerId!,
            paymentId: null,
            summary: form.fields.summary!,
            description: form.fields.description!,
            issueType: null,
            requesterEmail: '',
            ccEmails: [],
            externalRef: ticketId,
          },
          intake.stored,
          {
            customerId: form.fields.customerId!,
            idempotent: key ? { scope: RIPIO_CREATE_SCOPE, key, fingerprint: requestPrint, render: (t) => ({ status: 202, body: presentTicket(t) }) } : undefined,
          },
        );
        if (outcome.state === 'customer_not_found') throw validationError([{ field: 'customerId', rule: 'customer_not_found' }]);
        if (outcome.state === 'customer_without_email') throw new AppError('customer_without_email');
        const { ticket } = outcome;
        keep = true;
        return reply.code(202).send(presentTicket(ticket));
      } finally {
        releaseUploadSlot();
        if (!keep) {
          await intake.discard();
          if (key && claim?.state === 'claimed') await deps.idempotency.release(accountId, RIPIO_CREATE_SCOPE, key);
        }
      }
    },
  );

  api.get(
    '/api/v1/supportTickets/:ticketId/',
    {
      schema: {
        tags: ['Support Tickets'],
        summary: 'Retrieve Support Ticket',
        operationId: 'retrieveSupportTicket',
        security,
        params: TicketParams,
        response: { 200: SupportTicketResponse, ...errorResponses(401, 403, 404, 429) },
      },
    },
    async (request) => presentTicket(await deps.tickets.status(principalOf(request).accountId, request.params.ticketId)),
  );

  api.get(
    '/api/v1/supportTickets/',
    {
      schema: {
        tags: ['Support Tickets'],
        summary: 'List support tickets (extension)',
        description: 'deskgate extension: newest first, limit/offset paging.',
        'x-deskgate-extension': true,
        operationId: 'listSupportTickets',
        security,
        querystring: TicketListQuery,
        response: { 200: TicketListResponse, ...errorResponses(400, 401, 403, 429) },
      },
    },
    async (request) => {
      const { limit = 100, offset = 0, status, customerId } = request.query;
      const { count, tickets } = await deps.tickets.list({ accountId: principalOf(request).accountId, status, customerId }, limit, offset);
      return {
        count,
        ...pageLinks(request, deps.publicBaseUrl, '/api/v1/supportTickets/', { status, customerId }, { limit, offset, count }),
        supportTickets: tickets.map(presentTicketSummary),
      };
    },
  );
}
