import type { Kysely } from 'kysely';
import type { ApiKeyEnvironment, Database } from '../schema.js';

export function apiKeyQueries(db: Kysely<Database>) {
  return {
    insert(values: { id: string; account_id: string; environment: ApiKeyEnvironment; name: string; secret_hash: Buffer }) {
      return db.insertInto('api_keys').values(values).returning(['id', 'account_id', 'environment', 'name', 'created_at']).executeTakeFirstOrThrow();
    },
    /** The key with its account's feature gate: one primary-key lookup per authenticated request. */
    findActive(id: string) {
      return db
        .selectFrom('api_keys as k')
        .innerJoin('accounts as a', 'a.id', 'k.account_id')
        .select(['k.id', 'k.account_id', 'k.environment', 'k.secret_hash', 'a.support_tickets_enabled'])
        .where('k.id', '=', id)
        .where('k.revoked_at', 'is', null)
        .executeTakeFirst();
    },
    list(accountId?: string) {
      let query = db.selectFrom('api_keys').select(['id', 'account_id', 'environment', 'name', 'created_at', 'revoked_at']);
      if (accountId) query = query.where('account_id', '=', accountId);
      return query.orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
    },
    revoke(id: string) {
      return db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).returning(['id']).executeTakeFirst();
    },
  };
}
