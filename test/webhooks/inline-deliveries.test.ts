import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import type { WebhookEndpoint } from '../../src/db/schema.js';
import type { DeliveryOutcome } from '../../src/webhooks/deliver.js';
import { createInlineDeliveries } from '../../src/webhooks/inline-deliveries.js';

// The attempts themselves run through the real deliverer in delivery.test.ts and crash-recovery.test.ts;
// here only the bookkeeping of how many may run at once, with attempts that end when the test says.
function attempts() {
  const pending: ((outcome: DeliveryOutcome) => void)[] = [];
  const failing: ((error: Error) => void)[] = [];
  return {
    pending,
    failing,
    deliverer: {
      deliverNow: () =>
        new Promise<DeliveryOutcome>((resolve, reject) => {
          pending.push(resolve);
          failing.push(reject);
        }),
    },
  };
}
const endpoint = {} as WebhookEndpoint;
const delivery = (id: string) => ({ id, message_id: `msg_${id}`, body: '{}' });
const tick = () => new Promise((resolve) => setImmediate(resolve));

test('at most maxInFlight first attempts at once: a reservation is held until its attempt ends or it is released', async () => {
  const a = attempts();
  const inline = createInlineDeliveries({ deliverer: a.deliverer, maxInFlight: 3, attemptTimeoutMs: 1_000, log: pino({ level: 'silent' }) });
  assert.equal(inline.reserve(2), 2);
  assert.equal(inline.reserve(5), 1, 'only what is left');
  assert.equal(inline.reserve(1), 0);
  inline.start([{ delivery: delivery('a'), endpoint }, { delivery: delivery('b'), endpoint }]);
  inline.release(1);
  assert.equal(inline.reserve(1), 1, 'a released reservation is free again');
  a.pending[0]!('delivered');
  a.failing[1]!(new Error('database gone'));
  await tick();
  assert.equal(inline.reserve(5), 2, 'ended attempts, failed or not, free their slots');
});

test('a job waiting behind an attempt made here is due only after the attempt is long over; drain waits for running attempts, up to its time', async () => {
  const a = attempts();
  const inline = createInlineDeliveries({ deliverer: a.deliverer, maxInFlight: 2, attemptTimeoutMs: 5_000, log: pino({ level: 'silent' }) });
  assert.equal(inline.fallbackAt(new Date(0)).getTime(), 40_000);
  inline.reserve(1);
  inline.start([{ delivery: delivery('a'), endpoint }]);
  let drained = false;
  const draining = inline.drain(60_000).then(() => (drained = true));
  await tick();
  assert.equal(drained, false);
  a.pending[0]!('delivered');
  await draining;
  inline.reserve(1);
  inline.start([{ delivery: delivery('b'), endpoint }]);
  const started = Date.now();
  await inline.drain(50);
  assert.ok(Date.now() - started < 5_000, 'gives up at its deadline');
});
