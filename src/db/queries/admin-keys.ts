import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export function adminKeyQueries(db: Kysely<Database>) {
  return {
    insert(values: { id: string; name: string; secret_hash: Buffer }) {
      return db.insertInto('admin_keys').values(values).returning(['id', 'name', 'created_at']).executeTakeFirstOrThrow();
    },
    findActive(id: string) {
      return db.selectFrom('admin_keys').select(['id', 'secret_hash']).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    },
    list() {
      return db.selectFrom('admin_keys').select(['id', 'name', 'created_at', 'revoked_at']).orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
    },
    revoke(id: string) {
      return db.updateTable('admin_keys').set({ revoked_at: new Date() }).where('id', '=', id).where('revoked_at', 'is', null).returning(['id']).executeTakeFirst();
    },
  };
}
