import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export interface PaymentValues {
  id: string;
  status: string | null;
  amount: string | null;
  currency: string | null;
  create_date: string | null;
}

export function paymentQueries(db: Kysely<Database>) {
  return {
    /**
     * Inserts or updates the account's payments. Returns the ids written and
     * whether each was new; a payment already stored exactly so is left alone
     * (and not returned), so importing the same file twice changes nothing.
     */
    upsert(accountId: string, payments: PaymentValues[]) {
      return db
        .insertInto('payments')
        .values(payments.map((p) => ({ ...p, account_id: accountId })))
        .onConflict((oc) =>
          oc
            .columns(['account_id', 'id'])
            .doUpdateSet((eb) => ({
              status: eb.ref('excluded.status'),
              amount: eb.ref('excluded.amount'),
              currency: eb.ref('excluded.currency'),
              create_date: eb.ref('excluded.create_date'),
              updated_at: new Date(),
            }))
            .where(sql<boolean>`(payments.status, payments.amount, payments.currency, payments.create_date)
              IS DISTINCT FROM (excluded.status, excluded.amount, excluded.currency, excluded.create_date)`),
        )
        .returning(['id', sql<boolean>`xmax = 0`.as('created')])
        .execute();
    },
    /** Scoped to the account: another account's payment does not exist. */
    find(accountId: string, id: string) {
      return db.selectFrom('payments').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
    },
  };
}
