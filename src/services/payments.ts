import type { Kysely } from 'kysely';
import { paymentQueries } from '../db/queries/payments.js';
import type { Database } from '../db/schema.js';
import { parsePaymentFile, type PaymentFileFormat } from '../domain/payment-records.js';
import { isUuid } from '../domain/tickets.js';
import type { AccountService } from './accounts.js';

const BATCH = 500;

export interface PaymentImportReport {
  accepted: { line: number; id: string; outcome: 'created' | 'updated' | 'unchanged' }[];
  rejected: { line: number; reason: string }[];
}

/** The payments CPN tickets refer to, as the operator registers them (CLI now, admin API later). */
export function createPaymentService(deps: { db: Kysely<Database>; accounts: AccountService }) {
  return {
    /**
     * Upserts every valid record of a CSV or JSON Lines file in one transaction
     * and reports each line: accepted (created/updated/unchanged) or rejected with its reasons.
     */
    async importFile(accountId: string, content: string, format: PaymentFileFormat): Promise<PaymentImportReport> {
      await deps.accounts.get(accountId);
      const { records, rejected } = parsePaymentFile(content, format);
      const written = new Map<string, boolean>();
      await deps.db.transaction().execute(async (trx) => {
        for (let at = 0; at < records.length; at += BATCH) {
          const batch = records.slice(at, at + BATCH).map(({ record: r }) => ({ id: r.id, status: r.status, amount: r.amount, currency: r.currency, create_date: r.createDate }));
          for (const row of await paymentQueries(trx).upsert(accountId, batch)) written.set(row.id, row.created);
        }
      });
      const outcome = (id: string) => {
        const created = written.get(id);
        return created === undefined ? 'unchanged' : created ? 'created' : 'updated';
      };
      return { accepted: records.map(({ line, record }) => ({ line, id: record.id, outcome: outcome(record.id) })), rejected };
    },
    async exists(accountId: string, paymentId: string): Promise<boolean> {
      return isUuid(paymentId) && (await paymentQueries(deps.db).find(accountId, paymentId)) !== undefined;
    },
  };
}

export type PaymentService = ReturnType<typeof createPaymentService>;
