import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface NewSigningKey {
  id: string;
  public_key_der_b64: string;
  private_key_sealed: string;
}

export function notificationSigningKeyQueries(db: Kysely<Database>) {
  return {
    active() {
      return db.selectFrom('notification_signing_keys').selectAll().where('retired_at', 'is', null).executeTakeFirst();
    },
    find(id: string) {
      return db.selectFrom('notification_signing_keys').selectAll().where('id', '=', id).executeTakeFirst();
    },
    /** Adds the active key unless another process just did (the one-active index): then nothing happens. */
    async insertActiveUnlessPresent(key: NewSigningKey): Promise<void> {
      await db
        .insertInto('notification_signing_keys')
        .values({ ...key, algorithm: 'ECDSA_SHA_256' })
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    insertActive(key: NewSigningKey) {
      return db.insertInto('notification_signing_keys').values({ ...key, algorithm: 'ECDSA_SHA_256' }).returningAll().executeTakeFirstOrThrow();
    },
    async retireActive(at: Date): Promise<void> {
      await db.updateTable('notification_signing_keys').set({ retired_at: at }).where('retired_at', 'is', null).execute();
    },
  };
}
