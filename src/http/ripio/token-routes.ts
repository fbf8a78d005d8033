import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError, validationError } from '../../domain/errors.js';
import type { AuthService } from '../../services/auth.js';
import { throttleTokenRequests, type RequestLimits } from '../throttle.js';
import { TokenRequest, TokenResponse, errorResponses } from './schemas.js';

const SCOPE = 'read write';

/** Client id/secret from HTTP Basic, else from the form (RFC 6749 §2.3.1). */
function clientCredentials(request: FastifyRequest, body: { client_id?: string; client_secret?: string } | undefined) {
  const header = request.headers.authorization;
  if (header?.toLowerCase().startsWith('basic ')) {
    const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) throw new AppError('authentication_failed', 'Invalid client credentials.');
    return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
  }
  if (body?.client_id && body.client_secret) return { id: body.client_id, secret: body.client_secret };
  return null;
}

export async function tokenRoutes(app: FastifyInstance, opts: { auth: AuthService; limits: RequestLimits }) {
  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/oauth2/token/',
    {
      onRequest: throttleTokenRequests(opts.limits),
      schema: {
        tags: ['Authentication'],
        summary: 'Acquire an access token (OAuth2 client credentials)',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: TokenRequest,
        response: { 200: TokenResponse, ...errorResponses(400, 401, 429) },
        security: [{ ClientBasic: [] }, {}],
      },
    },
    async (request, reply) => {
      const credentials = clientCredentials(request, request.body);
      if (!credentials) throw new AppError('not_authenticated');
      const grant = request.body?.grant_type;
      if (grant === undefined || grant === '') throw validationError([{ field: 'grant_type', rule: 'required' }]);
      if (grant !== 'client_credentials') {
        throw validationError([{ field: 'grant_type', rule: 'invalid', params: { message: `Unsupported grant type "${grant}"; use "client_credentials".` } }]);
      }
      const { token, expiresIn } = await opts.auth.exchangeClientCredentials(credentials.id, credentials.secret);
      reply.header('cache-control', 'no-store');
      return { accessToken: token, expiresIn, tokenType: 'Bearer' as const, scope: SCOPE };
    },
  );
}
