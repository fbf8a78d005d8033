import { AppError } from '../domain/errors.js';

/** What a refused upload is told: slots free up as soon as another upload ends. */
const RETRY_AFTER_SECONDS = 1;

/**
 * How many ticket uploads one account may stream at once. Counted in this
 * process only: with N processes behind a load balancer an account may run
 * up to N × max uploads in total (the per-minute budgets are shared).
 */
export function createUploadSlots(maxPerAccount: number) {
  const inUse = new Map<string, number>();
  return {
    /** Takes a slot or refuses at once (429); the returned function gives it back (once). */
    acquire(accountId: string): () => void {
      const used = inUse.get(accountId) ?? 0;
      if (used >= maxPerAccount) throw new AppError('throttled', 'throttled', [], RETRY_AFTER_SECONDS);
      inUse.set(accountId, used + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = inUse.get(accountId)! - 1;
        if (left === 0) inUse.delete(accountId);
        else inUse.set(accountId, left);
      };
    },
  };
}

export type UploadSlots = ReturnType<typeof createUploadSlots>;
