/**
 * When to try a webhook delivery again (SPEC §4 "Webhook delivery").
 *
 * `schedule[i]` is the delay before attempt `i + 1`, measured from the end of
 * the previous attempt; the first entry (0) is the immediate first attempt.
 */

/** Immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = Object.freeze([
  0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000,
]);

/** A receiver's Retry-After is honoured, but cannot park a delivery for longer than this. */
export const MAX_RETRY_AFTER_MS = 24 * 60 * 60 * 1000;

export interface NextAttemptOptions {
  schedule: readonly number[];
  /** Relative spread around each delay, e.g. 0.2 = ±20 %. Default 0.2. */
  jitter?: number;
  /** Uniform in [0, 1); injectable so tests are deterministic. Default Math.random. */
  random?: () => number;
  /** The receiver's Retry-After from the last attempt: the next attempt waits at least this long. */
  retryAfterMs?: number | null;
}

/**
 * Delay in ms before the next attempt, after `attemptsMade` attempts
 * (0 = none yet), or `null` when the schedule is exhausted.
 */
export function nextAttemptDelayMs(attemptsMade: number, opts: NextAttemptOptions): number | null {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 0) {
    throw new RangeError(`attemptsMade must be a non-negative integer, got ${attemptsMade}`);
  }
  const jitter = opts.jitter ?? 0.2;
  if (!(jitter >= 0 && jitter <= 1)) throw new RangeError(`jitter must be between 0 and 1, got ${jitter}`);

  const base = opts.schedule[attemptsMade];
  if (base === undefined) return null;

  const random = opts.random ?? Math.random;
  // Spread retries of many deliveries that failed together (an endpoint outage) so they do not return in one burst.
  const jittered = Math.round(base * (1 + jitter * (2 * random() - 1)));
  const floor = Math.min(Math.max(opts.retryAfterMs ?? 0, 0), MAX_RETRY_AFTER_MS);
  return Math.max(jittered, floor);
}

const DELTA_SECONDS = /^\d+$/;
// RFC 9110 §5.6.7: IMF-fixdate and the obsolete RFC 850 form both end in "GMT"; asctime carries no zone but means UTC.
const GMT_DATE = /^[A-Za-z]{3,9}, [0-9A-Za-z -]+ \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * A Retry-After header value (delay-seconds or HTTP-date) as milliseconds from
 * `now`; a date in the past gives 0; anything unparseable gives null.
 */
export function parseRetryAfter(value: string | undefined | null, now: Date = new Date()): number | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  if (DELTA_SECONDS.test(trimmed)) return Number(trimmed) * 1000;

  let at: number;
  if (GMT_DATE.test(trimmed)) at = Date.parse(trimmed);
  else if (ASCTIME_DATE.test(trimmed)) at = Date.parse(`${trimmed} GMT`);
  else return null;
  return Number.isFinite(at) ? Math.max(0, at - now.getTime()) : null;
}
