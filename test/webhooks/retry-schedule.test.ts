import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY_SCHEDULE_MS, MAX_RETRY_AFTER_MS, nextAttemptDelayMs, parseRetryAfter } from '../../src/webhooks/retry-schedule.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const middle = (): number => 0.5;

test('the production schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h', () => {
  assert.deepEqual([...DEFAULT_RETRY_SCHEDULE_MS], [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR]);
  assert.ok(Object.isFrozen(DEFAULT_RETRY_SCHEDULE_MS));
});

test('without jitter noise the delay after n attempts is schedule[n], and null once exhausted', () => {
  const delays = DEFAULT_RETRY_SCHEDULE_MS.map((_, attemptsMade) => nextAttemptDelayMs(attemptsMade, { schedule: DEFAULT_RETRY_SCHEDULE_MS, random: middle }));
  assert.deepEqual(delays, [...DEFAULT_RETRY_SCHEDULE_MS]);
  assert.equal(nextAttemptDelayMs(DEFAULT_RETRY_SCHEDULE_MS.length, { schedule: DEFAULT_RETRY_SCHEDULE_MS }), null);
  assert.equal(nextAttemptDelayMs(0, { schedule: [] }), null);
});

test('jitter spreads delays by ±20 % by default, or by the given fraction', () => {
  const schedule = DEFAULT_RETRY_SCHEDULE_MS;
  assert.equal(nextAttemptDelayMs(2, { schedule, random: () => 0 }), 4 * MINUTE);
  assert.equal(nextAttemptDelayMs(2, { schedule, random: () => 0.75 }), 5.5 * MINUTE);
  assert.equal(nextAttemptDelayMs(2, { schedule, random: () => 0.999_999 }), Math.round(5 * MINUTE * (1 + 0.2 * (2 * 0.999_999 - 1))));
  assert.equal(nextAttemptDelayMs(2, { schedule, jitter: 0.5, random: () => 0 }), 2.5 * MINUTE);
  assert.equal(nextAttemptDelayMs(2, { schedule, jitter: 0, random: () => 0 }), 5 * MINUTE);
  assert.equal(nextAttemptDelayMs(0, { schedule, random: () => 0.9 }), 0, 'the first attempt stays immediate');
});

test('Retry-After is a floor, capped at 24 h', () => {
  const schedule = DEFAULT_RETRY_SCHEDULE_MS;
  assert.equal(nextAttemptDelayMs(1, { schedule, random: middle, retryAfterMs: 60 * SECOND }), 60 * SECOND);
  assert.equal(nextAttemptDelayMs(2, { schedule, random: middle, retryAfterMs: 60 * SECOND }), 5 * MINUTE);
  assert.equal(nextAttemptDelayMs(1, { schedule, random: middle, retryAfterMs: 7 * 24 * HOUR }), MAX_RETRY_AFTER_MS);
  assert.equal(MAX_RETRY_AFTER_MS, 24 * HOUR);
  assert.equal(nextAttemptDelayMs(1, { schedule, random: middle, retryAfterMs: null }), 5 * SECOND);
  assert.equal(nextAttemptDelayMs(schedule.length, { schedule, retryAfterMs: 60 * SECOND }), null, 'Retry-After does not extend the schedule');
});

test('nonsense inputs are programming errors', () => {
  assert.throws(() => nextAttemptDelayMs(-1, { schedule: DEFAULT_RETRY_SCHEDULE_MS }), RangeError);
  assert.throws(() => nextAttemptDelayMs(1.5, { schedule: DEFAULT_RETRY_SCHEDULE_MS }), RangeError);
  assert.throws(() => nextAttemptDelayMs(1, { schedule: DEFAULT_RETRY_SCHEDULE_MS, jitter: 2 }), RangeError);
});

test('parseRetryAfter: delay-seconds', () => {
  assert.equal(parseRetryAfter('120'), 120 * SECOND);
  assert.equal(parseRetryAfter(' 5 '), 5 * SECOND);
  assert.equal(parseRetryAfter('0'), 0);
});

test('parseRetryAfter: HTTP-date in all three RFC 9110 forms, relative to now', () => {
  const now = new Date('1994-11-06T08:48:37Z');
  assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', now), MINUTE);
  assert.equal(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', now), MINUTE);
  assert.equal(parseRetryAfter('Sun Nov  6 08:49:37 1994', now), MINUTE);
  assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', now), 0, 'a date in the past means now');
});

test('parseRetryAfter: absent or unparseable values give null', () => {
  for (const value of [undefined, null, '', '-5', '1.5', 'soon', 'hello 2020', 'Sun, 06 Nov 1994 08:49:37 CET']) {
    assert.equal(parseRetryAfter(value), null, String(value));
  }
});
