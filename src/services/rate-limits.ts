import type { Kysely } from 'kysely';
import { rateLimitQueries } from '../db/queries/rate-limits.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../domain/errors.js';

export interface RateLimitPolicy {
  requestsPerMinute: number;
  ticketCreatesPerMinute: number;
  tokenRequestsPerMinute: number;
}

const SWEEP_EVERY_MS = 5 * 60_000;

/**
 * Per-minute request budgets, counted in PostgreSQL so that every deskgate
 * process sharing the database enforces one budget (fixed windows: a burst
 * may straddle two windows, which is accepted for its simplicity). A limit
 * of 0 is off.
 */
export function createRateLimitService(deps: { db: Kysely<Database>; policy: RateLimitPolicy }) {
  const counters = rateLimitQueries(deps.db);
  let lastSweep = Date.now();

  async function spend(bucket: string, limit: number): Promise<void> {
    if (limit === 0) return;
    const { hits, secondsLeft } = await counters.hit(bucket);
    if (Date.now() - lastSweep > SWEEP_EVERY_MS) {
      lastSweep = Date.now();
      await counters.deleteStale();
    }
    if (hits > limit) throw new AppError('throttled', 'throttled', [], secondsLeft);
  }

  return {
    /** Any authenticated partner request. */
    account: (accountId: string) => spend(`account:${accountId}`, deps.policy.requestsPerMinute),
    /** Ticket creation, on top of the account's general budget. */
    ticketCreate: (accountId: string) => spend(`ticket-create:${accountId}`, deps.policy.ticketCreatesPerMinute),
    /** The token endpoint, before any secret is checked: slows down secret guessing. */
    tokenRequest: (clientIp: string) => spend(`token-ip:${clientIp}`, deps.policy.tokenRequestsPerMinute),
  };
}

export type RateLimitService = ReturnType<typeof createRateLimitService>;
