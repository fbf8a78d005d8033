import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'in_flight' }
  | { state: 'done'; fingerprint: string; responseStatus: number; responseBody: unknown };

/** A key that may be taken over: left in flight by a request that died (older than `staleMs`), or done and expired (older than `ttlMs`). */
export const reclaimable = (staleMs: number, ttlMs: number) => sql<boolean>`
  ((k.state = 'in_flight' AND k.locked_at < now() - make_interval(secs => ${staleMs / 1000}))
   OR (k.state = 'done' AND k.created_at < now() - make_interval(secs => ${ttlMs / 1000})))`;

/**
 * The transaction-scoped advisory lock that marks (account, scope, key) as in
 * flight for a request that claims and completes its key in one statement.
 */
export const inFlightLock = (accountId: string, scope: string, key: string) =>
  sql<boolean>`pg_try_advisory_xact_lock(hashtextextended(${`${accountId} ${scope} ${key}`}, 0))`;

export function idempotencyQueries(db: Kysely<Database>) {
  return {
    /**
     * Claims (account, scope, key) for this request. A row left 'in_flight' by a
     * request that died (older than `staleMs`) is taken over; an expired 'done'
     * row (older than `ttlMs`) is reused as a fresh key.
     *
     * One read-and-insert statement in the common cases (a new key, a replay),
     * which lock nothing when the key exists: a replay writes nothing.
     */
    async claim(accountId: string, scope: string, key: string, staleMs: number, ttlMs: number): Promise<IdempotencyClaim> {
      const { rows } = await sql<{ claimed: boolean; state: 'in_flight' | 'done' | null; fingerprint: string | null; response_status: number | null; response_body: unknown; reclaimable: boolean }>`
        WITH inserted AS (
          INSERT INTO idempotency_keys (account_id, scope, key, state)
          VALUES (${accountId}, ${scope}, ${key}, 'in_flight')
          ON CONFLICT (account_id, scope, key) DO NOTHING
          RETURNING true AS claimed
        )
        SELECT true AS claimed, NULL AS state, NULL AS fingerprint, NULL::int AS response_status, NULL::jsonb AS response_body, false AS reclaimable
        FROM inserted
        UNION ALL
        SELECT false, k.state, k.fingerprint, k.response_status, k.response_body, ${reclaimable(staleMs, ttlMs)}
        FROM idempotency_keys k
        WHERE k.account_id = ${accountId} AND k.scope = ${scope} AND k.key = ${key} AND NOT EXISTS (SELECT FROM inserted)`.execute(db);
      const row = rows[0];
      if (row?.claimed) return { state: 'claimed' };
      // Inserted by a request that committed after this statement's snapshot, or deleted meanwhile: look again.
      if (!row) return this.claim(accountId, scope, key, staleMs, ttlMs);
      if (row.reclaimable) {
        const taken = await sql`
          UPDATE idempotency_keys AS k
          SET state = 'in_flight', fingerprint = NULL, response_status = NULL, response_body = NULL,
              ticket_id = NULL, locked_at = now(), created_at = now()
          WHERE k.account_id = ${accountId} AND k.scope = ${scope} AND k.key = ${key} AND ${reclaimable(staleMs, ttlMs)}`.execute(db);
        // Another request took it over first: decide again on what it left.
        return Number(taken.numAffectedRows ?? 0) > 0 ? { state: 'claimed' } : this.claim(accountId, scope, key, staleMs, ttlMs);
      }
      if (row.state === 'in_flight') return { state: 'in_flight' };
      return { state: 'done', fingerprint: row.fingerprint!, responseStatus: row.response_status!, responseBody: row.response_body };
    },
    /** The request was rejected before doing anything: forget the key (nothing to replay). */
    release(accountId: string, scope: string, key: string) {
      return db
        .deleteFrom('idempotency_keys')
        .where('account_id', '=', accountId)
        .where('scope', '=', scope)
        .where('key', '=', key)
        .where('state', '=', 'in_flight')
        .execute();
    },
    purgeOlderThan(ttlMs: number) {
      return sql`DELETE FROM idempotency_keys WHERE state = 'done' AND created_at < now() - make_interval(secs => ${ttlMs / 1000})`.execute(db);
    },
  };
}
