import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { createCpnPartner, type CpnPartner } from '../support/cpn.js';
import { api } from '../support/http.js';
import { notificationsAt, raiseCpnTicket, subscribe, verifiedByPublishedKey } from '../support/notifications.js';
import { runDeskgate } from '../support/process.js';
import { createPartner } from '../support/ripio.js';
import { scriptedDesk } from '../support/scripted-desk.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { FAST_WEBHOOKS, raiseTicket, registerEndpoint, verifiedWith } from '../support/webhooks.js';

// FAST_WEBHOOKS: attempts at 0, +200 ms, +400 ms (3 in all), 1 s timeout, loopback allowed.
const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
const desk = scriptedDesk();
let app: TestApp;
const receivers: WebhookReceiver[] = [];

before(async () => {
  app = await startTestApp({ env: { ...FAST_WEBHOOKS, DESKGATE_SECRET: SECRET }, desk: desk.factory });
});
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
after(() => app.close());

async function receiver(): Promise<WebhookReceiver> {
  const started = await startWebhookReceiver();
  receivers.push(started);
  return started;
}

/** A CPN partner subscribed (with `extra` in the create body) on a fresh receiver. */
async function subscribed(extra: Record<string, unknown> = {}) {
  const partner = await createCpnPartner(app);
  const at = await receiver();
  const subscription = await subscribe(app, partner, `${at.url}/circle`, extra);
  return { partner, receiver: at, subscription };
}

const deliveriesOf = (subscriptionId: string) => app.deskgate.webhookDeliveries.list('operator', subscriptionId, { limit: 100, offset: 0 });

async function ticketAsPartnerSeesIt(partner: CpnPartner, ticketId: string) {
  const res = await api(app, 'GET', `/v1/cpn/supportTickets/${ticketId}`, { token: partner.apiKey });
  assert.equal(res.status, 200);
  return res.body.data;
}

test('CREATED → cpn.supportTicket.created in Circle\'s envelope, verified with the key fetched from the public-key endpoint', async () => {
  const { partner, receiver: at, subscription } = await subscribed();
  const ticketId = await raiseCpnTicket(app, partner);
  const [request] = await notificationsAt(at, 1);

  assert.equal(await verifiedByPublishedKey(app, partner, request!), true);
  assert.equal(request!.path, '/circle');
  assert.equal(request!.headers['content-type'], 'application/json');
  assert.match(String(request!.headers['x-circle-key-id']), /^[0-9a-f-]{36}$/);
  assert.equal(Buffer.from(String(request!.headers['x-circle-signature']), 'base64')[0], 0x30, 'DER');

  const body = JSON.parse(request!.body);
  assert.deepEqual(Object.keys(body), ['subscriptionId', 'notificationId', 'notificationType', 'notification', 'timestamp', 'version']);
  assert.equal(body.subscriptionId, subscription.id);
  assert.equal(body.notificationType, 'cpn.supportTicket.created');
  assert.equal(body.version, 2);
  assert.match(body.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  const ticket = await ticketAsPartnerSeesIt(partner, ticketId);
  assert.equal(ticket.status, 'CREATED');
  assert.match(ticket.caseRefId, /^SUP-\d+$/);
  assert.deepEqual(body.notification, ticket);

  const { deliveries } = await eventually(async () => {
    const log = await deliveriesOf(subscription.id);
    return log.deliveries[0]?.status === 'delivered' ? log : null;
  }, 10_000, 'the delivery to be logged as delivered');
  assert.equal(deliveries.length, 1);
  assert.equal(deliveries[0]!.message_id, body.notificationId);
  assert.equal(deliveries[0]!.event_type, 'cpn.supportTicket.created');
});

test('FAILED (permanent desk fault) → cpn.supportTicket.failed, with the FAILED ticket', async () => {
  const { partner, receiver: at } = await subscribed();
  desk.faults.push({ permanent: 'the desk refuses this ticket' });
  const ticketId = await raiseCpnTicket(app, partner);
  const [request] = await notificationsAt(at, 1);
  assert.equal(await verifiedByPublishedKey(app, partner, request!), true);
  const body = JSON.parse(request!.body);
  assert.equal(body.notificationType, 'cpn.supportTicket.failed');
  assert.equal(body.notification.status, 'FAILED');
  assert.equal(body.notification.caseRefId, '');
  assert.deepEqual(body.notification, await ticketAsPartnerSeesIt(partner, ticketId));
});

test('restricted subscriptions get only their types; the category wildcard gets both', async () => {
  const partner = await createCpnPartner(app);
  const [failedOnly, category, payments, everything] = await Promise.all([receiver(), receiver(), receiver(), receiver()]);
  await subscribe(app, partner, `${failedOnly!.url}/failed`, { notificationTypes: ['cpn.supportTicket.failed'] });
  await subscribe(app, partner, `${category!.url}/category`, { notificationTypes: ['cpn.supportTicket.*'] });
  await subscribe(app, partner, `${payments!.url}/payments`, { notificationTypes: ['cpn.payment.*', 'cpn.rfi.approved'] });
  await subscribe(app, partner, `${everything!.url}/all`, { notificationTypes: ['cpn.payment.completed', '*'] });

  await raiseCpnTicket(app, partner);
  const typesAt = async (at: WebhookReceiver, count: number) => (await notificationsAt(at, count)).map((r) => JSON.parse(r.body).notificationType);
  assert.deepEqual(await typesAt(category!, 1), ['cpn.supportTicket.created']);
  assert.deepEqual(await typesAt(everything!, 1), ['cpn.supportTicket.created']);

  desk.faults.push({ permanent: 'refused' });
  await raiseCpnTicket(app, partner);
  assert.deepEqual(await typesAt(failedOnly!, 1), ['cpn.supportTicket.failed']);
  assert.deepEqual(await typesAt(category!, 2), ['cpn.supportTicket.created', 'cpn.supportTicket.failed']);
  assert.deepEqual(await typesAt(everything!, 2), ['cpn.supportTicket.created', 'cpn.supportTicket.failed']);

  // Nothing else arrives late: the outbox wrote every delivery with the ticket's settlement.
  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(failedOnly!.requests.filter((r) => r.method === 'POST').length, 1);
  assert.equal(payments!.requests.filter((r) => r.method === 'POST').length, 0);
});

test('a disabled subscription receives nothing until it is enabled again', async () => {
  const { partner, receiver: at, subscription } = await subscribed();
  const patch = (enabled: boolean) => api(app, 'PATCH', `/v2/cpn/notifications/subscriptions/${subscription.id}`, { token: partner.apiKey, json: { name: 'toggled', enabled } });
  assert.equal((await patch(false)).status, 200);
  await raiseCpnTicket(app, partner);
  await eventually(async () => (await app.deskgate.tickets.list({ accountId: partner.accountId, status: 'CREATED' }, 1, 0)).count === 1, 10_000, 'the ticket to settle');
  assert.equal((await patch(true)).status, 200);
  const second = await raiseCpnTicket(app, partner);
  const [request] = await notificationsAt(at, 1);
  assert.equal(JSON.parse(request!.body).notification.id, second);
});

test('Ripio tickets never reach CPN subscriptions, and CPN tickets never reach Ripio endpoints (same account)', async () => {
  const ripio = await createPartner(app);
  const cpn: CpnPartner = { accountId: ripio.accountId, apiKey: (await app.deskgate.apiKeys.create(ripio.accountId)).apiKey };
  const [ripioReceiver, cpnReceiver] = await Promise.all([receiver(), receiver()]);
  const endpoint = await registerEndpoint(app, ripio, `${ripioReceiver!.url}/ripio`);
  await subscribe(app, cpn, `${cpnReceiver!.url}/cpn`);

  const ripioTicket = await raiseTicket(app, ripio, 'Ripio ticket');
  const cpnTicket = await raiseCpnTicket(app, cpn);
  const [ripioRequest] = await notificationsAt(ripioReceiver!, 1);
  const [cpnRequest] = await notificationsAt(cpnReceiver!, 1);
  assert.equal(JSON.parse(ripioRequest!.body).supportTicket.ticketId, ripioTicket);
  assert.ok(verifiedWith(ripioRequest!, endpoint.secret));
  assert.equal(JSON.parse(cpnRequest!.body).notification.id, cpnTicket);
  assert.equal(await verifiedByPublishedKey(app, cpn, cpnRequest!), true);

  await new Promise((r) => setTimeout(r, 1_000));
  assert.equal(ripioReceiver!.requests.length, 1, 'only the Ripio ticket at the Ripio endpoint');
  assert.equal(cpnReceiver!.requests.filter((r) => r.method === 'POST').length, 1, 'only the CPN ticket at the subscription');
});

test('500, 500, then 200: retried on the shared schedule, same body and notificationId, each attempt verifies', async () => {
  const { partner, receiver: at, subscription } = await subscribed();
  at.enqueue({ status: 500, body: 'down' }, { status: 500, body: 'still down' });
  await raiseCpnTicket(app, partner);
  const requests = await notificationsAt(at, 3);
  for (const request of requests) {
    assert.equal(request.body, requests[0]!.body);
    assert.equal(await verifiedByPublishedKey(app, partner, request), true);
  }
  const delivery = await eventually(async () => {
    const [logged] = (await deliveriesOf(subscription.id)).deliveries;
    return logged?.status === 'delivered' ? logged : null;
  }, 10_000, 'the delivery to succeed');
  assert.deepEqual(delivery.attemptLog.map((a) => a.status_code), [500, 500, 200]);
  assert.equal(delivery.attemptLog[0]!.response_excerpt, 'down');
});

test('410 Gone disables the subscription (shown as enabled: false)', async () => {
  const { partner, receiver: at, subscription } = await subscribed();
  at.enqueue({ status: 410 });
  await raiseCpnTicket(app, partner);
  await notificationsAt(at, 1);
  const res = await eventually(async () => {
    const got = await api(app, 'GET', `/v2/cpn/notifications/subscriptions/${subscription.id}`, { token: partner.apiKey });
    return got.body.data.enabled === false ? got : null;
  }, 10_000, 'the subscription to be disabled');
  assert.equal(res.status, 200);
});

test('key rotation (operator CLI, another process): new notifications carry the new key id; both keys stay fetchable and verify', { timeout: 120_000 }, async () => {
  const { partner, receiver: at } = await subscribed();
  await raiseCpnTicket(app, partner);
  const [before] = await notificationsAt(at, 1);
  const oldKeyId = String(before!.headers['x-circle-key-id']);

  const rotated = await runDeskgate(['notifications', 'rotate-key'], { DATABASE_URL: app.databaseUrl, DESKGATE_DATA_DIR: app.dataDir, DESKGATE_SECRET: SECRET, DESKGATE_LOG_LEVEL: 'warn' });
  assert.equal(rotated.code, 0, rotated.output);
  const newKey = JSON.parse(rotated.output);
  assert.equal(newKey.algorithm, 'ECDSA_SHA_256');
  assert.notEqual(newKey.id, oldKeyId);

  await raiseCpnTicket(app, partner);
  const [, afterRotation] = await notificationsAt(at, 2);
  assert.equal(afterRotation!.headers['x-circle-key-id'], newKey.id);
  assert.equal(await verifiedByPublishedKey(app, partner, afterRotation!), true);
  assert.equal(await verifiedByPublishedKey(app, partner, before!), true, 'the retired key is still served');

  const published = await api(app, 'GET', `/v2/cpn/notifications/publicKey/${newKey.id}`, { token: partner.apiKey });
  assert.deepEqual(published.body.data, newKey);
  const retired = await app.deskgate.notificationSigningKeys.get(oldKeyId);
  assert.ok(retired.retired_at, 'the old key is retired');
});
