import type { FastifyRequest } from 'fastify';
import type { RateLimitService } from '../services/rate-limits.js';
import type { UploadSlots } from '../services/upload-slots.js';
import { principalOf } from './principal.js';

/** The limits partner requests run into (429 in the dialect's error format, with Retry-After). */
export interface RequestLimits {
  rates: RateLimitService;
  uploads: UploadSlots;
}

/** Hook right after a dialect's authentication: the account's per-minute request budget. */
export function throttleAccount(limits: RequestLimits) {
  return async (request: FastifyRequest) => limits.rates.account(principalOf(request).accountId);
}

/** Route hook of the ticket-create endpoints: the stricter per-minute budget of creations. */
export function throttleTicketCreate(limits: RequestLimits) {
  return async (request: FastifyRequest) => limits.rates.ticketCreate(principalOf(request).accountId);
}

/** Route hook of the token endpoint, before credentials are looked at: per client IP. */
export function throttleTokenRequests(limits: RequestLimits) {
  return async (request: FastifyRequest) => limits.rates.tokenRequest(request.ip);
}
