import type { Kysely } from 'kysely';
import { attachmentQueries } from '../db/queries/attachments.js';
import type { Database } from '../db/schema.js';
import { ATTACHMENTS_PREFIX, ticketIdOfKey } from '../storage/attachment-keys.js';
import type { ObjectStorage } from '../storage/storage.js';

const BATCH = 200;
/**
 * An upload is stored before its ticket row commits, and a request lives at
 * most 10 minutes (the server's request timeout): an object this old with no
 * row was left by a crash, never by a request still running.
 */
export const ORPHAN_AGE_MS = 3_600_000;

/** Deletes attachment bytes nobody needs any more: settled tickets' after the retention period, and crash leftovers. */
export function createAttachmentRetention(deps: { db: Kysely<Database>; storage: ObjectStorage; retentionMs: number; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const queries = attachmentQueries(deps.db);

  async function deleteOrphans(keys: string[]): Promise<number> {
    const known = await queries.storageKeysOf([...new Set(keys.map(ticketIdOfKey).filter((id) => id !== null))]);
    const orphans = keys.filter((key) => !known.has(key));
    for (const key of orphans) await deps.storage.delete(key);
    return orphans.length;
  }

  return {
    /** Deletes the objects of tickets settled longer ago than the retention period and marks their rows purged. */
    async purgeSettled(): Promise<number> {
      const cutoff = new Date(now().getTime() - deps.retentionMs);
      let purged = 0;
      for (;;) {
        const due = await queries.dueForPurge(cutoff, BATCH);
        // Object first, row second: a crash in between only repeats an idempotent delete.
        for (const attachment of due) await deps.storage.delete(attachment.storage_key);
        await queries.markPurged(due.map((a) => a.id), now());
        purged += due.length;
        if (due.length < BATCH) return purged;
      }
    },

    /**
     * Deletes old objects under attachments/ that no attachment row refers to.
     * Local storage's stale `<key>.partial` files are among them: no row names a `.partial` key.
     */
    async sweepOrphans(): Promise<number> {
      const cutoff = now().getTime() - ORPHAN_AGE_MS;
      let deleted = 0;
      let candidates: string[] = [];
      for await (const object of deps.storage.list(ATTACHMENTS_PREFIX)) {
        if (object.modifiedAt.getTime() > cutoff) continue;
        candidates.push(object.key);
        if (candidates.length >= BATCH) {
          deleted += await deleteOrphans(candidates);
          candidates = [];
        }
      }
      return deleted + (await deleteOrphans(candidates));
    },
  };
}

export type AttachmentRetention = ReturnType<typeof createAttachmentRetention>;
