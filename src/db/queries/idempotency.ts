import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export type IdempotencyClaim =
  | { state: 'claimed' }
  | { state: 'in_flight' }
  | { state: 'done'; fingerprint: string; responseStatus: number; responseBody: unknown };

export function idempotencyQueries(db: Kysely<Database>) {
  return {
    /**
     * Claims (account, scope, key) for this request. A row left 'in_flight' by a
     * request that died (older than `staleMs`) is taken over; an expired 'done'
     * row (older than `ttlMs`) is reused as a fresh key.
     */
    async claim(accountId: string, scope: string, key: string, staleMs: number, ttlMs: number): Promise<IdempotencyClaim> {
      const row = await sql<{ state: 'in_flight' | 'done'; fingerprint: string | null; response_status: number | null; response_body: unknown; claimed: boolean }>`
        INSERT INTO idempotency_keys AS k (account_id, scope, key, state)
        VALUES (${accountId}, ${scope}, ${key}, 'in_flight')
        ON CONFLICT (account_id, scope, key) DO UPDATE
          SET state = 'in_flight', fingerprint = NULL, response_status = NULL, response_body = NULL,
              ticket_id = NULL, locked_at = now(), created_at = now()
          WHERE (k.state = 'in_flight' AND k.locked_at < now() - make_interval(secs => ${staleMs / 1000}))
             OR (k.state = 'done' AND k.created_at < now() - make_interval(secs => ${ttlMs / 1000}))
        RETURNING state, fingerprint, response_status, response_body, true AS claimed`.execute(db);
      if (row.rows.length > 0) return { state: 'claimed' };
      const existing = await db
        .selectFrom('idempotency_keys')
        .select(['state', 'fingerprint', 'response_status', 'response_body'])
        .where('account_id', '=', accountId)
        .where('scope', '=', scope)
        .where('key', '=', key)
        .executeTakeFirst();
      // Deleted between our insert attempt and this read (its request was rejected): try once more.
      if (!existing) return this.claim(accountId, scope, key, staleMs, ttlMs);
      if (existing.state === 'in_flight') return { state: 'in_flight' };
      return { state: 'done', fingerprint: existing.fingerprint!, responseStatus: existing.response_status!, responseBody: existing.response_body };
    },
    complete(accountId: string, scope: string, key: string, result: { fingerprint: string; status: number; body: unknown; ticketId: string }) {
      return db
        .updateTable('idempotency_keys')
        .set({ state: 'done', fingerprint: result.fingerprint, response_status: result.status, response_body: JSON.stringify(result.body), ticket_id: result.ticketId })
        .where('account_id', '=', accountId)
        .where('scope', '=', scope)
        .where('key', '=', key)
        .execute();
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
