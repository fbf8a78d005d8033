import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export function attachmentQueries(db: Kysely<Database>) {
  return {
    /** Unpurged attachments of tickets that settled (CREATED or FAILED) at or before `settledBefore`. */
    dueForPurge(settledBefore: Date, limit: number) {
      return db
        .selectFrom('attachments')
        .innerJoin('tickets', 'tickets.id', 'attachments.ticket_id')
        .select(['attachments.id', 'attachments.storage_key'])
        .where('attachments.purged_at', 'is', null)
        .where('tickets.status', 'in', ['CREATED', 'FAILED'])
        // FAILED tickets have no registered_at; their last update is when they failed.
        .where(sql<Date>`coalesce(tickets.registered_at, tickets.updated_at)`, '<=', settledBefore)
        .orderBy('attachments.id')
        .limit(limit)
        .execute();
    },
    async markPurged(ids: string[], at: Date): Promise<void> {
      if (ids.length === 0) return;
      await db.updateTable('attachments').set({ purged_at: at }).where('id', 'in', ids).execute();
    },
    /** The storage keys recorded for these tickets (uses the (ticket_id, position) index). */
    async storageKeysOf(ticketIds: string[]): Promise<Set<string>> {
      if (ticketIds.length === 0) return new Set();
      const rows = await db.selectFrom('attachments').select('storage_key').where('ticket_id', 'in', ticketIds).execute();
      return new Set(rows.map((r) => r.storage_key));
    },
  };
}
