import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withCircuitBreaker } from '../../src/desks/circuit-breaker.js';
import { PermanentDeskError, TransientDeskError } from '../../src/desks/desk.js';
import type { Desk, DeskRegistration } from '../../src/desks/desk.js';
import { deskTicket } from '../fakes/fake-server.js';
import { rejection } from '../support/rejection.js';

const signal = new AbortController().signal;
const ticket = deskTicket();

/** A desk whose next answers are scripted; counts how often it was really called. */
function scriptedDesk(): Desk & { calls: number; next: Array<() => Promise<DeskRegistration>> } {
  const desk = {
    kind: 'scripted',
    calls: 0,
    next: [] as Array<() => Promise<DeskRegistration>>,
    async register(): Promise<DeskRegistration> {
      desk.calls += 1;
      const answer = desk.next.shift();
      if (!answer) throw new Error('no scripted answer left');
      return answer();
    },
    check: async () => ({ ok: true, lines: ['fine'] }),
  };
  return desk;
}

const ok = (reference = 'C-1') => async () => ({ reference });
const transient = (retryAfterMs: number | null = null) => async () => {
  throw new TransientDeskError('desk down', retryAfterMs);
};
const permanent = () => async () => {
  throw new PermanentDeskError('bad request');
};

function setup(options: { failureThreshold: number; coolDownMs: number }) {
  let now = 1_000_000;
  const inner = scriptedDesk();
  const desk = withCircuitBreaker(inner, { ...options, now: () => now });
  return { inner, desk, advance: (ms: number) => (now += ms) };
}

test('opens after N consecutive transient failures and then fails fast with the remaining cool-down', async () => {
  const { inner, desk, advance } = setup({ failureThreshold: 3, coolDownMs: 10_000 });
  inner.next.push(transient(), transient(), transient());
  for (let i = 0; i < 3; i++) await rejection(desk.register(ticket, signal));
  assert.equal(desk.state, 'open');

  advance(4_000);
  const fast = await rejection(desk.register(ticket, signal));

  assert.ok(fast instanceof TransientDeskError);
  assert.equal(fast.retryAfterMs, 6_000);
  assert.equal(inner.calls, 3);
});

test('a success in between resets the count', async () => {
  const { inner, desk } = setup({ failureThreshold: 2, coolDownMs: 10_000 });
  inner.next.push(transient(), ok(), transient());
  await rejection(desk.register(ticket, signal));
  await desk.register(ticket, signal);
  await rejection(desk.register(ticket, signal));
  assert.equal(desk.state, 'closed');
});

test('permanent errors do not trip it and reset the count', async () => {
  const { inner, desk } = setup({ failureThreshold: 2, coolDownMs: 10_000 });
  inner.next.push(transient(), permanent(), transient(), permanent(), permanent());
  for (let i = 0; i < 5; i++) await rejection(desk.register(ticket, signal));
  assert.equal(desk.state, 'closed');
  assert.equal(inner.calls, 5);
});

test('after the cool-down one probe goes through; its success closes the circuit', async () => {
  const { inner, desk, advance } = setup({ failureThreshold: 1, coolDownMs: 5_000 });
  inner.next.push(transient());
  await rejection(desk.register(ticket, signal));
  advance(5_000);
  assert.equal(desk.state, 'half-open');

  let releaseProbe: (registration: DeskRegistration) => void = () => {};
  inner.next.push(() => new Promise((resolve) => (releaseProbe = resolve)));
  const probe = desk.register(ticket, signal);
  const concurrent = await rejection(desk.register(ticket, signal));
  assert.ok(concurrent instanceof TransientDeskError);
  assert.equal(inner.calls, 2);

  releaseProbe({ reference: 'C-9' });
  assert.deepEqual(await probe, { reference: 'C-9' });
  assert.equal(desk.state, 'closed');
  inner.next.push(ok());
  await desk.register(ticket, signal);
  assert.equal(inner.calls, 3);
});

test('a failed probe opens the circuit again for a full cool-down', async () => {
  const { inner, desk, advance } = setup({ failureThreshold: 1, coolDownMs: 5_000 });
  inner.next.push(transient(), transient());
  await rejection(desk.register(ticket, signal));
  advance(5_000);
  await rejection(desk.register(ticket, signal));
  assert.equal(desk.state, 'open');
  advance(4_999);
  const fast = await rejection(desk.register(ticket, signal));
  assert.ok(fast instanceof TransientDeskError);
  assert.equal(fast.retryAfterMs, 1);
  assert.equal(inner.calls, 2);
});

test("stays open at least as long as the desk's own Retry-After", async () => {
  const { inner, desk, advance } = setup({ failureThreshold: 1, coolDownMs: 1_000 });
  inner.next.push(transient(60_000));
  await rejection(desk.register(ticket, signal));
  advance(30_000);
  const fast = await rejection(desk.register(ticket, signal));
  assert.ok(fast instanceof TransientDeskError);
  assert.equal(fast.retryAfterMs, 30_000);
});

test('check() always reaches the desk, even when open', async () => {
  const { inner, desk } = setup({ failureThreshold: 1, coolDownMs: 5_000 });
  inner.next.push(transient());
  await rejection(desk.register(ticket, signal));
  assert.deepEqual(await desk.check(signal), { ok: true, lines: ['fine'] });
  assert.equal(desk.kind, 'scripted');
});
