import type { Kysely } from 'kysely';
import type { Customer, Database } from '../schema.js';

export function customerQueries(db: Kysely<Database>) {
  return {
    insert(values: { id: string; account_id: string; email: string | null; type: Customer['type'] }) {
      return db.insertInto('customers').values(values).returningAll().executeTakeFirstOrThrow();
    },
    /** Scoped to the account: another account's customer does not exist. */
    find(accountId: string, id: string) {
      return db.selectFrom('customers').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
    },
    /** Oldest first, for operators. */
    listForAccount(accountId: string, limit: number, offset: number) {
      return db.selectFrom('customers').selectAll().where('account_id', '=', accountId).orderBy('created_at', 'asc').orderBy('id', 'asc').limit(limit).offset(offset).execute();
    },
    updateEmail(accountId: string, id: string, email: string | null) {
      return db
        .updateTable('customers')
        .set({ email, updated_at: new Date() })
        .where('account_id', '=', accountId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
    },
  };
}
