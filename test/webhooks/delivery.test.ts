import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { api, createPartner, type Partner } from '../support/ripio.js';
import { startWebhookReceiver, type ReceivedRequest, type ReceiverBehaviour, type WebhookReceiver } from '../support/webhook-receiver.js';
import { FAST_WEBHOOKS, deskFailingOnRequest, raiseTicket, registerEndpoint, verifiedWith, type RegisteredEndpoint } from '../support/webhooks.js';

// FAST_WEBHOOKS: attempts at 0, +200 ms, +400 ms (3 in all), 1 s timeout, loopback allowed.
let app: TestApp;
const receivers: WebhookReceiver[] = [];

before(async () => {
  app = await startTestApp({ env: FAST_WEBHOOKS, desk: deskFailingOnRequest });
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
after(() => app.close());

interface Scenario {
  partner: Partner;
  receiver: WebhookReceiver;
  endpoint: RegisteredEndpoint;
}

/** A partner with one endpoint on a fresh receiver that answers with `behaviours`, then 200s. */
async function scenario(...behaviours: ReceiverBehaviour[]): Promise<Scenario> {
  const receiver = await startWebhookReceiver();
  receivers.push(receiver);
  receiver.enqueue(...behaviours);
  const partner = await createPartner(app);
  const endpoint = await registerEndpoint(app, partner, `${receiver.url}/hooks`);
  return { partner, receiver, endpoint };
}

/** The endpoint's only delivery, once it is no longer pending. */
async function settledDelivery({ partner, endpoint }: Scenario) {
  return eventually(async () => {
    const res = await api(app, 'GET', `/api/v1/webhooks/${endpoint.id}/deliveries/`, { token: partner.token });
    const [delivery] = res.body.deliveries;
    return delivery && delivery.status !== 'pending' ? delivery : null;
  }, 15_000, 'the delivery to settle');
}

/** Every request is the same event (body, webhook-id) and verifies with the documented snippet. */
function assertSameSignedEvent(requests: ReceivedRequest[], secret: string) {
  for (const request of requests) {
    assert.ok(verifiedWith(request, secret), 'signature verifies');
    assert.equal(request.body, requests[0]!.body);
    assert.equal(request.headers['webhook-id'], requests[0]!.headers['webhook-id']);
  }
}

test('SUPPORT_TICKET.CREATED: delivered on the first attempt, in the SPEC envelope, signed', async () => {
  const s = await scenario({ status: 204 });
  const ticketId = await raiseTicket(app, s.partner, 'Card payment missing');
  const [request] = await s.receiver.waitForRequests(1, 10_000);
  const delivery = await settledDelivery(s);

  assert.equal(delivery.status, 'delivered');
  assert.equal(delivery.attempts, 1);
  assert.equal(delivery.attemptLog[0].statusCode, 204);
  assert.ok(verifiedWith(request!, s.endpoint.secret));
  assert.equal(request!.headers['content-type'], 'application/json');
  assert.equal(request!.headers['webhook-id'], delivery.messageId);
  assert.match(String(request!.headers['x-wh-signature-256']), /^sha256=[0-9a-f]{64}$/);

  const ticket = await app.deskgate.tickets.get(s.partner.accountId, ticketId);
  const body = JSON.parse(request!.body);
  assert.deepEqual(Object.keys(body), ['eventType', 'issueDatetime', 'supportTicket']);
  assert.equal(body.eventType, 'SUPPORT_TICKET.CREATED');
  assert.match(body.issueDatetime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(body.supportTicket, {
    ticketId,
    status: 'CREATED',
    issueKey: ticket.desk_reference,
    customerId: ticket.customer_id,
    summary: 'Card payment missing',
    createdAt: ticket.created_at.toISOString(),
    updatedAt: ticket.updated_at.toISOString(),
  });
});

test('the first attempt is made by the worker that settled the ticket, right after the commit, while the job waits; once delivered, the job is gone', async () => {
  const s = await scenario({ status: 200, delayMs: 700 });
  await raiseTicket(app, s.partner);
  const [held] = await s.receiver.waitForRequests(1, 10_000);
  const job = async () => {
    const { rows } = await app.deskgate.database.pool.query<{ run_at: Date; locked_at: Date | null }>(
      `SELECT run_at, locked_at FROM graphile_worker.jobs WHERE key = 'deliver_webhook:' || (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1)
       UNION ALL SELECT run_at, NULL FROM job_outbox WHERE job_key = 'deliver_webhook:' || (SELECT id FROM webhook_deliveries WHERE endpoint_id = $1)`,
      [s.endpoint.id],
    );
    return rows;
  };
  // While the receiver holds the attempt, the delivery's job is not running it: it waits, due once an attempt
  // here would be long over (twice the 1 s timeout, and 30 s).
  const [waiting, ...more] = await job();
  assert.deepEqual(more, []);
  assert.equal(waiting?.locked_at, null);
  assert.ok(waiting!.run_at.getTime() - held!.receivedAt.getTime() > 30_000, `job due at ${waiting!.run_at.toISOString()}`);
  const delivery = await settledDelivery(s);
  assert.equal(delivery.status, 'delivered');
  assert.equal(delivery.attempts, 1);
  assert.deepEqual(await job(), [], 'no job left for a delivered delivery');
});

test('SUPPORT_TICKET.FAILED reaches endpoints subscribed to it, and only those', async () => {
  const s = await scenario();
  const createdOnly = await registerEndpoint(app, s.partner, `${s.receiver.url}/created-only`, { eventTypes: ['SUPPORT_TICKET.CREATED'] });
  await raiseTicket(app, s.partner, 'FAIL: the desk refuses this one');
  const [request] = await s.receiver.waitForRequests(1, 10_000);
  assert.equal(request!.path, '/hooks');
  const body = JSON.parse(request!.body);
  assert.equal(body.eventType, 'SUPPORT_TICKET.FAILED');
  assert.equal(body.supportTicket.status, 'FAILED');
  assert.equal(body.supportTicket.issueKey, null);
  assert.ok(verifiedWith(request!, s.endpoint.secret));
  const other = await api(app, 'GET', `/api/v1/webhooks/${createdOnly.id}/deliveries/`, { token: s.partner.token });
  assert.equal(other.body.count, 0);
});

test('500, 500, then 200: delivered on the third attempt, same body and webhook-id each time', async () => {
  const s = await scenario({ status: 500, body: 'boom' }, { status: 500, body: 'boom again' });
  await raiseTicket(app, s.partner);
  const requests = await s.receiver.waitForRequests(3, 10_000);
  const delivery = await settledDelivery(s);
  assert.equal(delivery.status, 'delivered');
  assert.deepEqual(delivery.attemptLog.map((a: { statusCode: number }) => a.statusCode), [500, 500, 200]);
  assert.equal(delivery.attemptLog[0].responseExcerpt, 'boom');
  assertSameSignedEvent(requests, s.endpoint.secret);
});

test('a receiver that times out: the attempt is cut at the timeout and retried', async () => {
  const s = await scenario({ delayMs: 3_000 });
  await raiseTicket(app, s.partner);
  const requests = await s.receiver.waitForRequests(2, 10_000);
  const delivery = await settledDelivery(s);
  assert.equal(delivery.status, 'delivered');
  assert.equal(delivery.attempts, 2);
  assert.match(delivery.attemptLog[0].error, /timed out after 1000 ms/);
  assert.equal(delivery.attemptLog[0].statusCode, null);
  assertSameSignedEvent(requests, s.endpoint.secret);
});

test('429 with Retry-After: the next attempt waits at least that long (beyond the 200 ms schedule)', async () => {
  const s = await scenario({ status: 429, headers: { 'retry-after': '2' } });
  await raiseTicket(app, s.partner);
  const requests = await s.receiver.waitForRequests(2, 10_000);
  const gap = requests[1]!.receivedAt.getTime() - requests[0]!.receivedAt.getTime();
  assert.ok(gap >= 2_000, `waited ${gap} ms`);
  const delivery = await settledDelivery(s);
  assert.deepEqual(delivery.attemptLog.map((a: { statusCode: number }) => a.statusCode), [429, 200]);
  assertSameSignedEvent(requests, s.endpoint.secret);
});

test('a connection reset is a failed attempt, retried', async () => {
  const s = await scenario({ reset: true });
  await raiseTicket(app, s.partner);
  const requests = await s.receiver.waitForRequests(2, 10_000);
  const delivery = await settledDelivery(s);
  assert.equal(delivery.status, 'delivered');
  assert.equal(delivery.attemptLog[0].statusCode, null);
  assert.ok(delivery.attemptLog[0].error);
  assertSameSignedEvent(requests, s.endpoint.secret);
});

test('a redirect is not followed: a failed attempt', async () => {
  const s = await scenario({ redirectTo: 'http://127.0.0.1:9/elsewhere' });
  await raiseTicket(app, s.partner);
  await s.receiver.waitForRequests(2, 10_000);
  const delivery = await settledDelivery(s);
  assert.deepEqual(delivery.attemptLog.map((a: { statusCode: number }) => a.statusCode), [302, 200]);
  assert.match(delivery.attemptLog[0].error, /redirect not followed/);
  assert.ok(s.receiver.requests.every((r) => r.path === '/hooks'));
});

test('410 Gone disables the endpoint at once; the account’s other endpoints keep receiving', async () => {
  const s = await scenario({ status: 410 });
  const healthyReceiver = await startWebhookReceiver();
  receivers.push(healthyReceiver);
  const healthy = await registerEndpoint(app, s.partner, `${healthyReceiver.url}/healthy`);

  await raiseTicket(app, s.partner);
  const delivery = await settledDelivery(s);
  assert.equal(delivery.status, 'failed');
  assert.equal(delivery.attempts, 1);
  const endpoint = await api(app, 'GET', `/api/v1/webhooks/${s.endpoint.id}/`, { token: s.partner.token });
  assert.equal(endpoint.body.enabled, false);
  assert.equal(endpoint.body.disabledReason, 'The endpoint answered 410 Gone.');
  await healthyReceiver.waitForRequests(1, 10_000);

  await raiseTicket(app, s.partner);
  await healthyReceiver.waitForRequests(2, 10_000);
  assert.equal(s.receiver.requests.length, 1, 'nothing more to the disabled endpoint');
  const replay = await api(app, 'POST', `/api/v1/webhooks/${s.endpoint.id}/deliveries/${delivery.deliveryId}/replay/`, { token: s.partner.token });
  assert.equal(replay.status, 409);
  assert.equal(replay.body.code, 20070);
  const healthyState = await api(app, 'GET', `/api/v1/webhooks/${healthy.id}/`, { token: s.partner.token });
  assert.equal(healthyState.body.enabled, true);
});

test('always failing: given up after the schedule (3 attempts); a partner replay then delivers it, same webhook-id', async () => {
  const s = await scenario({ status: 500 }, { status: 502 }, { status: 503 });
  await raiseTicket(app, s.partner);
  const failed = await settledDelivery(s);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.attempts, 3);
  assert.equal(failed.failureReason, 'Gave up after 3 attempts.');

  const replay = await api(app, 'POST', `/api/v1/webhooks/${s.endpoint.id}/deliveries/${failed.deliveryId}/replay/`, { token: s.partner.token });
  assert.equal(replay.status, 202);
  const requests = await s.receiver.waitForRequests(4, 10_000);
  const delivered = await settledDelivery(s);
  assert.equal(delivered.status, 'delivered');
  assert.deepEqual(delivered.attemptLog.map((a: { number: number; statusCode: number }) => [a.number, a.statusCode]), [[1, 500], [2, 502], [3, 503], [4, 200]]);
  assertSameSignedEvent(requests, s.endpoint.secret);
});

test('the delivery log pages newest first', async () => {
  const s = await scenario();
  for (let i = 0; i < 3; i++) await api(app, 'POST', `/api/v1/webhooks/${s.endpoint.id}/test/`, { token: s.partner.token });
  const first = await api(app, 'GET', `/api/v1/webhooks/${s.endpoint.id}/deliveries/?limit=2`, { token: s.partner.token });
  assert.equal(first.status, 200);
  assert.equal(first.body.count, 3);
  assert.equal(first.body.deliveries.length, 2);
  assert.equal(first.body.previous, null);
  const next = new URL(first.body.next);
  assert.equal(next.pathname, `/api/v1/webhooks/${s.endpoint.id}/deliveries/`);
  const second = await api(app, 'GET', next.pathname + next.search, { token: s.partner.token });
  assert.equal(second.body.deliveries.length, 1);
  assert.equal(second.body.next, null);
  const ids = [...first.body.deliveries, ...second.body.deliveries].map((d: { deliveryId: string }) => d.deliveryId);
  assert.equal(new Set(ids).size, 3);
});
