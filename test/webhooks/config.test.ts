import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.js';

const DAY = 86_400_000;

test('production webhook settings: SPEC §4 schedule, 15 s timeout, disabled after 5 days, 30 days of log, no allow-listed hosts, 32 first attempts at once in a worker', () => {
  const { webhooks, worker } = loadConfig({});
  assert.deepEqual(webhooks, {
    retryScheduleMs: [0, 5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000],
    timeoutMs: 15_000,
    disableAfterMs: 5 * DAY,
    allowedHosts: [],
    retentionMs: 30 * DAY,
    inlineAttempts: 32,
  });
  assert.equal(worker.deadAfterMs, 30_000);
  assert.equal(worker.heartbeatMs, 5_000);
});

test('webhook settings from the environment', () => {
  const { webhooks, worker } = loadConfig({
    DESKGATE_WEBHOOK_RETRY_SCHEDULE_MS: ' 0, 100 ,2500',
    DESKGATE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1, localhost',
    DESKGATE_WEBHOOK_DISABLE_AFTER_MS: '60000',
    DESKGATE_WORKER_DEAD_AFTER_MS: '1500',
    DESKGATE_WEBHOOK_INLINE_ATTEMPTS: '0',
  });
  assert.equal(webhooks.inlineAttempts, 0);
  assert.deepEqual(webhooks.retryScheduleMs, [0, 100, 2_500]);
  assert.deepEqual(webhooks.allowedHosts, ['127.0.0.1', 'localhost']);
  assert.equal(webhooks.disableAfterMs, 60_000);
  assert.equal(worker.deadAfterMs, 1_500);
});

test('invalid webhook settings are refused with the variable named', () => {
  for (const [name, value] of [
    ['DESKGATE_WEBHOOK_RETRY_SCHEDULE_MS', '0,5s'],
    ['DESKGATE_WEBHOOK_RETRY_SCHEDULE_MS', '0,-5'],
    ['DESKGATE_WEBHOOK_RETRY_SCHEDULE_MS', ','],
    ['DESKGATE_WEBHOOK_RETRY_SCHEDULE_MS', String(8 * DAY)],
    ['DESKGATE_WEBHOOK_TIMEOUT_MS', '0'],
    ['DESKGATE_WEBHOOK_DISABLE_AFTER_MS', 'soon'],
    ['DESKGATE_WEBHOOK_RETENTION_MS', '1000'],
    ['DESKGATE_WORKER_DEAD_AFTER_MS', '10'],
    ['DESKGATE_WEBHOOK_INLINE_ATTEMPTS', '-1'],
  ] as const) {
    assert.throws(() => loadConfig({ [name]: value }), (error: unknown) => error instanceof ConfigError && error.message.startsWith(name), `${name}=${value}`);
  }
});
