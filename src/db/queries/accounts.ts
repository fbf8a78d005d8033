import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export function accountQueries(db: Kysely<Database>) {
  return {
    insert(id: string, name: string) {
      return db.insertInto('accounts').values({ id, name }).returningAll().executeTakeFirstOrThrow();
    },
    find(id: string) {
      return db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    },
    list() {
      return db.selectFrom('accounts').selectAll().orderBy('created_at', 'asc').execute();
    },
    setSupportTickets(id: string, enabled: boolean) {
      return db
        .updateTable('accounts')
        .set({ support_tickets_enabled: enabled, updated_at: new Date() })
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    },
  };
}

export function oauthClientQueries(db: Kysely<Database>) {
  return {
    insert(values: { client_id: string; account_id: string; name: string; secret_hash: Buffer }) {
      return db.insertInto('oauth_clients').values(values).returning(['client_id', 'account_id', 'name', 'created_at']).executeTakeFirstOrThrow();
    },
    /** The client with its account's state, for the token endpoint and bearer checks. */
    findActive(clientId: string) {
      return db
        .selectFrom('oauth_clients as c')
        .innerJoin('accounts as a', 'a.id', 'c.account_id')
        .select(['c.client_id', 'c.account_id', 'c.secret_hash', 'a.support_tickets_enabled'])
        .where('c.client_id', '=', clientId)
        .where('c.revoked_at', 'is', null)
        .executeTakeFirst();
    },
    listForAccount(accountId: string) {
      return db
        .selectFrom('oauth_clients')
        .select(['client_id', 'name', 'created_at', 'revoked_at'])
        .where('account_id', '=', accountId)
        .orderBy('created_at', 'asc')
        .execute();
    },
    revoke(clientId: string) {
      return db
        .updateTable('oauth_clients')
        .set({ revoked_at: new Date() })
        .where('client_id', '=', clientId)
        .where('revoked_at', 'is', null)
        .returning(['client_id'])
        .executeTakeFirst();
    },
  };
}
