import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';
import type { Principal } from '../services/auth.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The calling account, set by the dialect's authentication hook. */
    principal?: Principal;
  }
}

/** Hook after a dialect's authentication: the per-account feature gate of support tickets (403). */
export async function requireSupportTickets(request: FastifyRequest) {
  if (!principalOf(request).supportTicketsEnabled) throw new AppError('support_tickets_disabled');
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route is missing its authentication hook');
  return request.principal;
}
