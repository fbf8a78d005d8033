import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import { parseApiKey, type ApiKeyService } from '../../services/api-keys.js';

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * onRequest hook: `Authorization: Bearer PREFIX:ID:SECRET` → request.principal.
 * It runs before the body is read, so an unauthenticated request is refused
 * before anything else is looked at.
 */
export function apiKeyAuth(apiKeys: ApiKeyService) {
  return async (request: FastifyRequest) => {
    const bearer = BEARER.exec(request.headers.authorization?.trim() ?? '');
    if (!bearer) throw new AppError('not_authenticated');
    const key = parseApiKey(bearer[1]!);
    if (!key) throw new AppError('malformed_credentials');
    request.principal = await apiKeys.authenticate(key);
  };
}
