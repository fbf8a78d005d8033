import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { AdminKeyService } from '../../services/admin-keys.js';

const BEARER = /^Bearer\s+(\S+)$/i;

/** onRequest hook: `Authorization: Bearer <admin key>`; partner credentials are refused like any wrong key. */
export function adminKeyAuth(adminKeys: AdminKeyService) {
  return async (request: FastifyRequest) => {
    const bearer = BEARER.exec(request.headers.authorization?.trim() ?? '');
    if (!bearer) throw new AppError('not_authenticated');
    await adminKeys.authenticate(bearer[1]!);
  };
}
