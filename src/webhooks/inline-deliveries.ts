import type { Logger } from 'pino';
import type { WebhookEndpoint } from '../db/schema.js';
import type { DeliveryToSend, WebhookDeliverer } from './deliver.js';

export interface InlineDeliveries {
  /** How many of `wanted` first attempts this process takes on now (0 when busy or turned off); each taken one must be started or released. */
  reserve(wanted: number): number;
  /** The time to give the jobs of reserved deliveries: late enough that an attempt made here has finished. */
  fallbackAt(now: Date): Date;
  /** Starts reserved attempts (after the deliveries committed), in the background. */
  start(attempts: { delivery: DeliveryToSend; endpoint: WebhookEndpoint }[]): void;
  /** Gives back reservations that will not be started (their deliveries were not written). */
  release(count: number): void;
  /** Waits for running attempts, at most `timeoutMs`; what is still running is left to the jobs. */
  drain(timeoutMs: number): Promise<void>;
}

/**
 * First delivery attempts made by the process that settled the ticket, right
 * after the commit, rather than by a job (one outbox hand-over, NOTIFY and job
 * fetch later). Every delivery still has its job, due at `fallbackAt`: when
 * this process dies or was too busy to take the attempt, the job makes it;
 * after a success here the job is dropped; after a failure the retry's job
 * replaces it. So delivery stays at least once.
 */
export function createInlineDeliveries(deps: { deliverer: Pick<WebhookDeliverer, 'deliverNow'>; maxInFlight: number; attemptTimeoutMs: number; log: Logger }): InlineDeliveries {
  let reserved = 0;
  const running = new Set<Promise<unknown>>();
  // An attempt is bounded by its timeout. The job must not start while the attempt here still runs (that
  // would send the event twice), so it waits twice that and half a minute: a stall that long on a loaded
  // machine is what it would take; a process that died is covered a minute later at most (15 s timeout).
  const fallbackMs = 2 * deps.attemptTimeoutMs + 30_000;
  return {
    reserve(wanted) {
      const taken = Math.max(0, Math.min(wanted, deps.maxInFlight - reserved));
      reserved += taken;
      return taken;
    },
    fallbackAt: (now) => new Date(now.getTime() + fallbackMs),
    start(attempts) {
      for (const { delivery, endpoint } of attempts) {
        const attempt = deps.deliverer
          .deliverNow(delivery, endpoint)
          .catch((error: unknown) => deps.log.error({ err: error, deliveryId: delivery.id }, 'first delivery attempt failed; its job will retry'))
          .finally(() => {
            reserved -= 1;
            running.delete(attempt);
          });
        running.add(attempt);
      }
    },
    release(count) {
      reserved -= count;
    },
    async drain(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
      await Promise.race([Promise.allSettled([...running]), deadline]);
      clearTimeout(timer);
    },
  };
}
