import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { AuthService } from '../../services/auth.js';

/** preHandler: `Authorization: Bearer <jwt>` → request.principal (401 otherwise). */
export function bearerAuth(auth: AuthService) {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (!header) throw new AppError('not_authenticated');
    const [scheme, token, ...extra] = header.trim().split(/\s+/);
    if (scheme?.toLowerCase() !== 'bearer') throw new AppError('not_authenticated');
    if (!token || extra.length > 0) throw new AppError('authentication_failed');
    request.principal = await auth.authenticateBearer(token);
  };
}
