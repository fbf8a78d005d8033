import type { FastifyReply } from 'fastify';
import type { IdempotencyClaim } from '../db/queries/idempotency.js';
import { AppError } from '../domain/errors.js';

export type CompletedClaim = Extract<IdempotencyClaim, { state: 'done' }>;

/**
 * A retry of a completed request: the original status and body again, but
 * only for the same request; the same key with another request is refused.
 */
export function replayStoredResponse(reply: FastifyReply, stored: CompletedClaim, requestFingerprint: string) {
  if (stored.fingerprint !== requestFingerprint) throw new AppError('idempotency_key_reused');
  reply.header('idempotent-replayed', 'true');
  return reply.code(stored.responseStatus).send(stored.responseBody);
}
