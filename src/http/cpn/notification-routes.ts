import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { validationError } from '../../domain/errors.js';
import type { ApiKeyService } from '../../services/api-keys.js';
import type { CpnSubscriptionService } from '../../services/cpn-subscriptions.js';
import type { NotificationSigningKeyService } from '../../services/notification-signing-keys.js';
import { principalOf } from '../principal.js';
import { strictJsonBody } from '../validation.js';
import { apiKeyAuth } from './auth.js';
import { presentPublicKey, presentSubscription } from './presenters.js';
import { CreateSubscription, IdParams, NotificationSignaturePublicKey, SubscriptionResponse, Subscriptions, UpdateSubscription, errorResponses } from './schemas.js';

export interface CpnNotificationRouteDeps {
  apiKeys: ApiKeyService;
  cpnSubscriptions: CpnSubscriptionService;
  notificationSigningKeys: NotificationSigningKeyService;
}

const createBody = strictJsonBody(CreateSubscription);
const updateBody = strictJsonBody(UpdateSubscription);

/**
 * Circle's webhook subscription API (`/v2/cpn/notifications/...`). Any valid
 * API key may use it; it is not behind the support-tickets feature gate.
 */
export async function cpnNotificationRoutes(app: FastifyInstance, deps: CpnNotificationRouteDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ BearerAuth: [] }];
  const tags = ['Webhook Subscriptions'];
  api.addHook('onRequest', apiKeyAuth(deps.apiKeys));
  const accountOf = (request: Parameters<typeof principalOf>[0]) => principalOf(request).accountId;

  api.post(
    '/v2/cpn/notifications/subscriptions',
    {
      ...createBody.routeOptions,
      schema: {
        tags,
        summary: 'Create a webhook subscription',
        description: 'The endpoint must use https and answer a HEAD request with 2xx before the subscription is created.',
        operationId: 'createSubscription',
        security,
        body: CreateSubscription,
        response: { 200: SubscriptionResponse, ...errorResponses(400, 401) },
      },
    },
    async (request) => {
      const violations = createBody.violations(request);
      if (violations.length > 0) throw validationError(violations);
      return { data: presentSubscription(await deps.cpnSubscriptions.create(accountOf(request), request.body)) };
    },
  );

  api.get(
    '/v2/cpn/notifications/subscriptions',
    { schema: { tags, summary: 'Get all webhook subscriptions', operationId: 'getSubscriptions', security, response: { 200: Subscriptions, ...errorResponses(401) } } },
    async (request) => ({ data: (await deps.cpnSubscriptions.list({ accountId: accountOf(request) })).map(presentSubscription) }),
  );

  api.get(
    '/v2/cpn/notifications/subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'Get a notification subscription',
        operationId: 'getSubscription',
        security,
        params: IdParams,
        response: { 200: SubscriptionResponse, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => ({ data: presentSubscription(await deps.cpnSubscriptions.get(accountOf(request), request.params.id)) }),
  );

  api.patch(
    '/v2/cpn/notifications/subscriptions/:id',
    {
      ...updateBody.routeOptions,
      schema: {
        tags,
        summary: 'Update a notification subscription',
        operationId: 'updateSubscription',
        security,
        params: IdParams,
        body: UpdateSubscription,
        response: { 200: SubscriptionResponse, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const violations = updateBody.violations(request);
      if (violations.length > 0) throw validationError(violations);
      return { data: presentSubscription(await deps.cpnSubscriptions.update(accountOf(request), request.params.id, request.body)) };
    },
  );

  api.delete(
    '/v2/cpn/notifications/subscriptions/:id',
    {
      schema: {
        tags,
        summary: 'Delete a notification subscription',
        operationId: 'deleteSubscription',
        security,
        params: IdParams,
        response: { 204: Type.Null({ description: 'Deleted; the body is empty.' }), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      await deps.cpnSubscriptions.remove(accountOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  api.get(
    '/v2/cpn/notifications/publicKey/:id',
    {
      schema: {
        tags,
        summary: 'Get a notification signature public key',
        description: 'The key named by a notification\'s X-Circle-Key-Id header; keys retired by a rotation stay available.',
        operationId: 'getNotificationSignature',
        security,
        params: IdParams,
        response: { 200: NotificationSignaturePublicKey, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => ({ data: presentPublicKey(await deps.notificationSigningKeys.get(request.params.id)) }),
  );
}
