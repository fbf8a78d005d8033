import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AdminDeps } from './plugin.js';
import {
  AccountParams,
  ApiKeyList,
  ApiKeyListQuery,
  ApiKeyParams,
  CreateApiKeyBody,
  CreateOAuthClientBody,
  NewApiKey,
  NewOAuthClient,
  OAuthClientList,
  OAuthClientParams,
  adminOperation,
  errorResponses,
} from './schemas.js';

/** Partner credentials: OAuth clients (Ripio) and API keys (CPN). Secrets are in the create answer only. */
export async function credentialRoutes(app: FastifyInstance, { operator }: AdminDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    '/accounts/:accountId/oauth-clients',
    {
      schema: {
        ...adminOperation('Create an OAuth client (Ripio credentials)'),
        params: AccountParams,
        body: CreateOAuthClientBody,
        response: { 201: NewOAuthClient, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => reply.code(201).send(await operator.createOAuthClient(request.params.accountId, request.body.name)),
  );
  api.get(
    '/accounts/:accountId/oauth-clients',
    { schema: { ...adminOperation("List an account's OAuth clients"), params: AccountParams, response: { 200: OAuthClientList, ...errorResponses(401, 404) } } },
    async (request) => ({ oauthClients: await operator.listOAuthClients(request.params.accountId) }),
  );
  api.delete(
    '/oauth-clients/:clientId',
    { schema: { ...adminOperation('Revoke an OAuth client; its tokens stop working at once'), params: OAuthClientParams, response: { 204: { type: 'null' }, ...errorResponses(401, 404) } } },
    async (request, reply) => {
      await operator.revokeOAuthClient(request.params.clientId);
      return reply.code(204).send();
    },
  );

  api.post(
    '/accounts/:accountId/api-keys',
    {
      schema: {
        ...adminOperation('Create an API key (CPN credentials)'),
        params: AccountParams,
        body: CreateApiKeyBody,
        response: { 201: NewApiKey, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => reply.code(201).send(await operator.createApiKey(request.params.accountId, request.body)),
  );
  api.get(
    '/api-keys',
    { schema: { ...adminOperation('List API keys (of one account with accountId)'), querystring: ApiKeyListQuery, response: { 200: ApiKeyList, ...errorResponses(400, 401) } } },
    async (request) => ({ apiKeys: await operator.listApiKeys(request.query.accountId) }),
  );
  api.delete(
    '/api-keys/:keyId',
    { schema: { ...adminOperation('Revoke an API key; it stops working at once'), params: ApiKeyParams, response: { 204: { type: 'null' }, ...errorResponses(401, 404) } } },
    async (request, reply) => {
      await operator.revokeApiKey(request.params.keyId);
      return reply.code(204).send();
    },
  );
}
