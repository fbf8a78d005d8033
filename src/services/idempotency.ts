import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { idempotencyQueries, type IdempotencyClaim } from '../db/queries/idempotency.js';
import type { Database } from '../db/schema.js';

/** A stable digest of a request's meaningful content (key order does not matter). */
export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function createIdempotencyService(deps: { db: Kysely<Database>; staleInFlightMs: number; ttlMs: number }) {
  const queries = idempotencyQueries(deps.db);
  return {
    claim(accountId: string, scope: string, key: string): Promise<IdempotencyClaim> {
      return queries.claim(accountId, scope, key, deps.staleInFlightMs, deps.ttlMs);
    },
    async release(accountId: string, scope: string, key: string): Promise<void> {
      await queries.release(accountId, scope, key);
    },
    async purgeExpired(): Promise<void> {
      await queries.purgeOlderThan(deps.ttlMs);
    },
  };
}

export type IdempotencyService = ReturnType<typeof createIdempotencyService>;
