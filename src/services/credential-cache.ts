import type pg from 'pg';
import type { Logger } from 'pino';
import { listenForChanges, type ChangeFeed } from '../db/listen.js';

/** Notified by triggers on accounts, oauth_clients and api_keys (migration 0009). */
export const CREDENTIALS_CHANNEL = 'deskgate_credentials';

export interface CredentialCache {
  /** The cached value for `key`, or `load()`'s (cached when it found something). */
  get<T extends object>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined>;
  /** After this process changed a credential or an account: forget everything at once. */
  invalidate(): void;
  close(): Promise<void>;
}

/**
 * Keeps the rows that authenticate a request (an OAuth client or API key with
 * its account's feature gate) in memory, so an authenticated request costs no
 * query for them. Every change to those tables, from any process, is NOTIFYed
 * by a trigger and empties the cache; while that notification channel is down
 * the cache is bypassed, and `ttlMs` bounds an entry's age regardless. So a
 * revoked credential stops working at once in the process that revoked it,
 * and elsewhere as soon as the notification arrives (milliseconds).
 */
export function createCredentialCache(deps: { pool: pg.Pool; log: Logger; ttlMs: number; maxEntries?: number }): CredentialCache {
  const maxEntries = deps.maxEntries ?? 10_000;
  const entries = new Map<string, { value: object; expiresAt: number }>();
  let generation = 0;
  let listening = false;
  let feed: ChangeFeed | null = null;

  const invalidate = () => {
    generation += 1;
    entries.clear();
  };

  return {
    async get(key, load) {
      if (deps.ttlMs <= 0) return load();
      // Started on first use: processes that never authenticate (workers, operator commands) hold no extra connection.
      feed ??= listenForChanges({
        pool: deps.pool,
        channel: CREDENTIALS_CHANNEL,
        log: deps.log,
        onNotify: invalidate,
        onState: (up) => {
          listening = up;
          invalidate();
        },
      });
      if (!listening) return load();
      const now = Date.now();
      const hit = entries.get(key);
      if (hit && hit.expiresAt > now) return hit.value as Awaited<ReturnType<typeof load>>;
      const seen = generation;
      const value = await load();
      // A change notified while we were loading may not be in what we loaded: do not keep it.
      if (value !== undefined && listening && generation === seen) {
        entries.delete(key);
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
        entries.set(key, { value, expiresAt: now + deps.ttlMs });
      }
      return value;
    },
    invalidate,
    async close() {
      await feed?.close();
      invalidate();
    },
  };
}
