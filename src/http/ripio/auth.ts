import type { FastifyRequest } from 'fastify';
import { AppError } from '../../domain/errors.js';
import type { AuthService, Principal } from '../../services/auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

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

/** preHandler after bearerAuth: the per-account feature gate of support tickets (403). */
export async function requireSupportTickets(request: FastifyRequest) {
  if (!principalOf(request).supportTicketsEnabled) throw new AppError('support_tickets_disabled');
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route is missing its authentication preHandler');
  return request.principal;
}
