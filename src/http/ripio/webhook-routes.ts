import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { AuthService } from '../../services/auth.js';
import type { WebhookDeliveryService } from '../../services/webhook-deliveries.js';
import type { WebhookEndpointService } from '../../services/webhook-endpoints.js';
import { principalOf } from '../principal.js';
import { bearerAuth } from './auth.js';
import { pageLinks } from './paging.js';
import { presentDelivery, presentWebhook, presentWebhookWithSecret } from './presenters.js';
import { errorResponses } from './schemas.js';
import {
  CreateWebhookBody,
  DeliveryListQuery,
  DeliveryListResponse,
  DeliveryParams,
  DeliveryResponse,
  UpdateWebhookBody,
  WebhookListResponse,
  WebhookParams,
  WebhookResponse,
  WebhookWithSecretResponse,
} from './webhook-schemas.js';

export interface WebhookRouteDeps {
  auth: AuthService;
  webhookEndpoints: WebhookEndpointService;
  webhookDeliveries: WebhookDeliveryService;
  publicBaseUrl: string | null;
}

/** Partner self-service webhook endpoints (extension). Not behind the support-tickets feature gate. */
export async function webhookRoutes(app: FastifyInstance, deps: WebhookRouteDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ BearerToken: [] }];
  const tags = ['Webhooks'];
  api.addHook('preHandler', bearerAuth(deps.auth));
  const scopeOf = (request: Parameters<typeof principalOf>[0]) => ({ accountId: principalOf(request).accountId, dialect: 'ripio' as const });

  api.post(
    '/api/v1/webhooks/',
    {
      schema: {
        tags,
        summary: 'Register a webhook endpoint',
        description: 'The signing secret is in this response only.',
        security,
        body: CreateWebhookBody,
        response: { 201: WebhookWithSecretResponse, ...errorResponses(400, 401) },
      },
    },
    async (request, reply) => {
      const created = await deps.webhookEndpoints.create(principalOf(request).accountId, request.body);
      return reply.code(201).send(presentWebhookWithSecret(created));
    },
  );

  api.get(
    '/api/v1/webhooks/',
    { schema: { tags, summary: 'List webhook endpoints', security, response: { 200: WebhookListResponse, ...errorResponses(401) } } },
    async (request) => ({ webhooks: (await deps.webhookEndpoints.list(scopeOf(request))).map(presentWebhook) }),
  );

  api.get(
    '/api/v1/webhooks/:webhookId/',
    { schema: { tags, summary: 'Retrieve a webhook endpoint', security, params: WebhookParams, response: { 200: WebhookResponse, ...errorResponses(401, 404) } } },
    async (request) => presentWebhook(await deps.webhookEndpoints.get(scopeOf(request), request.params.webhookId)),
  );

  api.patch(
    '/api/v1/webhooks/:webhookId/',
    {
      schema: {
        tags,
        summary: 'Change the URL, event types or enabled state of a webhook endpoint',
        security,
        params: WebhookParams,
        body: UpdateWebhookBody,
        response: { 200: WebhookResponse, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => presentWebhook(await deps.webhookEndpoints.update(scopeOf(request), request.params.webhookId, request.body)),
  );

  api.delete(
    '/api/v1/webhooks/:webhookId/',
    {
      schema: {
        tags,
        summary: 'Delete a webhook endpoint and its delivery log',
        security,
        params: WebhookParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...errorResponses(401, 404) },
      },
    },
    async (request, reply) => {
      await deps.webhookEndpoints.remove(scopeOf(request), request.params.webhookId);
      return reply.code(204).send(null);
    },
  );

  api.post(
    '/api/v1/webhooks/:webhookId/rotateSecret/',
    {
      schema: {
        tags,
        summary: 'Rotate the signing secret',
        description: 'The new secret is in this response only; the previous one keeps signing alongside it for 24 hours.',
        security,
        params: WebhookParams,
        response: { 200: WebhookWithSecretResponse, ...errorResponses(401, 404) },
      },
    },
    async (request) => presentWebhookWithSecret(await deps.webhookEndpoints.rotateSecret(scopeOf(request), request.params.webhookId)),
  );

  api.post(
    '/api/v1/webhooks/:webhookId/test/',
    {
      schema: {
        tags,
        summary: 'Send a test event (WEBHOOK.TEST) now and report the attempt',
        security,
        params: WebhookParams,
        response: { 200: DeliveryResponse, ...errorResponses(401, 404) },
      },
    },
    async (request) => presentDelivery(await deps.webhookEndpoints.sendTest(scopeOf(request), request.params.webhookId)),
  );

  api.get(
    '/api/v1/webhooks/:webhookId/deliveries/',
    {
      schema: {
        tags,
        summary: 'List deliveries with every attempt, newest first',
        security,
        params: WebhookParams,
        querystring: DeliveryListQuery,
        response: { 200: DeliveryListResponse, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const { limit = 20, offset = 0, status } = request.query;
      const { webhookId } = request.params;
      const { count, deliveries } = await deps.webhookDeliveries.list(scopeOf(request), webhookId, { status, limit, offset });
      return {
        count,
        ...pageLinks(request, deps.publicBaseUrl, `/api/v1/webhooks/${webhookId}/deliveries/`, { status }, { limit, offset, count }),
        deliveries: deliveries.map(presentDelivery),
      };
    },
  );

  api.get(
    '/api/v1/webhooks/:webhookId/deliveries/:deliveryId/',
    { schema: { tags, summary: 'Retrieve a delivery with every attempt', security, params: DeliveryParams, response: { 200: DeliveryResponse, ...errorResponses(401, 404) } } },
    async (request) => presentDelivery(await deps.webhookDeliveries.get(scopeOf(request), request.params.deliveryId, request.params.webhookId)),
  );

  api.post(
    '/api/v1/webhooks/:webhookId/deliveries/:deliveryId/replay/',
    {
      schema: {
        tags,
        summary: 'Send a delivery again (same body and webhook-id), from the start of the retry schedule',
        security,
        params: DeliveryParams,
        response: { 202: DeliveryResponse, ...errorResponses(401, 404, 409) },
      },
    },
    async (request, reply) => {
      const replayed = await deps.webhookDeliveries.replay(scopeOf(request), request.params.deliveryId, request.params.webhookId);
      return reply.code(202).send(presentDelivery(replayed));
    },
  );
}
