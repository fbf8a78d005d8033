import assert from 'node:assert/strict';
import { createPublicKey, randomUUID } from 'node:crypto';
import { after, afterEach, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../../support/app.js';
import { createCpnPartner, type CpnPartner } from '../../support/cpn.js';
import { api, type ApiResponse } from '../../support/http.js';
import { subscribe } from '../../support/notifications.js';
import { createPartner } from '../../support/ripio.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';
import { FAST_WEBHOOKS, registerEndpoint } from '../../support/webhooks.js';

const SUBSCRIPTIONS = '/v2/cpn/notifications/subscriptions';
const SUBSCRIPTION_KEYS = ['id', 'name', 'endpoint', 'enabled', 'createDate', 'updateDate', 'notificationTypes', 'restricted'];

let app: TestApp;
let partner: CpnPartner;
let receiver: WebhookReceiver;

before(async () => {
  app = await startTestApp({ env: FAST_WEBHOOKS, worker: false });
  partner = await createCpnPartner(app);
  receiver = await startWebhookReceiver();
});
afterEach(() => {
  receiver.requests.splice(0);
});
after(async () => {
  await receiver.close();
  await app.close();
});

const call = (method: string, path: string, json?: unknown, who: CpnPartner = partner) => api(app, method, path, { token: who.apiKey, json });

async function countEndpoints(accountId: string): Promise<number> {
  const row = await app.deskgate.database.db
    .selectFrom('webhook_endpoints')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', accountId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

function assertInvalidField(res: ApiResponse, location: string, message: RegExp) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.code, 2);
  assert.equal(res.body.message, 'Invalid request.');
  const entry = res.body.errors.find((e: { location: string }) => e.location === location);
  assert.ok(entry, `an errors[] entry for ${location}: ${JSON.stringify(res.body.errors)}`);
  assert.equal(entry.error, 'MISSING_OR_INVALID_FIELD');
  assert.match(entry.message, message);
}

test('create: 200 {data: Subscription}, unrestricted by default, after a HEAD check of the endpoint', async () => {
  const endpoint = `${receiver.url}/circle?source=deskgate`;
  const res = await call('POST', SUBSCRIPTIONS, { endpoint, name: 'Support tickets' });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  const { data } = res.body;
  assert.deepEqual(Object.keys(data), SUBSCRIPTION_KEYS);
  assert.match(data.id, /^[0-9a-f-]{36}$/);
  assert.equal(data.name, 'Support tickets');
  assert.equal(data.endpoint, endpoint);
  assert.equal(data.enabled, true);
  assert.deepEqual(data.notificationTypes, ['*']);
  assert.equal(data.restricted, false);
  assert.ok(!Number.isNaN(Date.parse(data.createDate)) && data.updateDate === data.createDate);
  assert.deepEqual(receiver.requests.map((r) => [r.method, r.path]), [['HEAD', '/circle?source=deskgate']]);

  const fetched = await call('GET', `${SUBSCRIPTIONS}/${data.id}`);
  assert.equal(fetched.status, 200);
  assert.deepEqual(fetched.body, { data });
});

test("notification types: '*' alone or combined → unrestricted; a category wildcard or specific types → restricted", async () => {
  const cases: [unknown[] | undefined, string[], boolean][] = [
    [undefined, ['*'], false],
    [[], ['*'], false],
    [['*'], ['*'], false],
    [['cpn.supportTicket.created', '*'], ['*'], false],
    [['cpn.supportTicket.*'], ['cpn.supportTicket.*'], true],
    [['cpn.supportTicket.created', 'cpn.supportTicket.failed', 'cpn.supportTicket.created'], ['cpn.supportTicket.created', 'cpn.supportTicket.failed'], true],
    // Circle's other documented types are accepted, though deskgate never sends them.
    [['cpn.payment.completed', 'cpn.rfi.*', 'cpn.transaction.failed'], ['cpn.payment.completed', 'cpn.rfi.*', 'cpn.transaction.failed'], true],
  ];
  for (const [requested, stored, restricted] of cases) {
    const data = await subscribe(app, partner, `${receiver.url}/types`, requested === undefined ? {} : { notificationTypes: requested });
    assert.deepEqual([data.notificationTypes, data.restricted], [stored, restricted], JSON.stringify(requested));
  }
});

test('invalid bodies: 400 with one errors[] entry per bad field, nothing stored', async () => {
  const other = await createCpnPartner(app);
  const before = await countEndpoints(other.accountId);
  const bad = (body: unknown) => call('POST', SUBSCRIPTIONS, body, other);

  assertInvalidField(await bad({ notificationTypes: ['*'] }), 'endpoint', /required/);
  assertInvalidField(await bad({ endpoint: receiver.url, notificationTypes: ['cpn.supportTicket.updated'] }), 'notificationTypes[0]', /Must be one of: \*, cpn\.payment\.\*/);
  assertInvalidField(await bad({ endpoint: receiver.url, notificationTypes: 'cpn.supportTicket.*' }), 'notificationTypes', /Must be of type array/);
  assertInvalidField(await bad({ endpoint: 42 }), 'endpoint', /Must be of type string/);
  assertInvalidField(await bad({ endpoint: receiver.url, name: 'x'.repeat(256) }), 'name', /at most 255/);
  const both = await bad({ notificationTypes: ['nope'] });
  assert.deepEqual(both.body.errors.map((e: { location: string }) => e.location).sort(), ['endpoint', 'notificationTypes[0]']);

  const notJson = await api(app, 'POST', SUBSCRIPTIONS, { token: other.apiKey, body: '{', headers: { 'content-type': 'application/json' } });
  assert.equal(notJson.status, 400);
  assert.equal(notJson.body.code, 2);
  assert.equal(await countEndpoints(other.accountId), before);
  assert.equal(receiver.requests.length, 0, 'no HEAD check for a refused body');
});

test('the endpoint must be https unless its host is allow-listed, and public', async () => {
  const other = await createCpnPartner(app);
  assertInvalidField(await call('POST', SUBSCRIPTIONS, { endpoint: 'http://hooks.example.com/circle' }, other), 'endpoint', /must use https/);
  // The allow-list (127.0.0.1 here) names hosts exactly: localhost is not on it.
  const port = new URL(receiver.url).port;
  assertInvalidField(await call('POST', SUBSCRIPTIONS, { endpoint: `http://localhost:${port}/circle` }, other), 'endpoint', /must use https/);
  assertInvalidField(await call('POST', SUBSCRIPTIONS, { endpoint: 'https://10.1.2.3/circle' }, other), 'endpoint', /non-public address/);
  assertInvalidField(await call('POST', SUBSCRIPTIONS, { endpoint: 'not a url' }, other), 'endpoint', /absolute URL/);
  assert.equal(await countEndpoints(other.accountId), 0);
  assert.equal(receiver.requests.length, 0);
});

test('an endpoint that does not answer HEAD with 2xx is refused (400) and nothing is stored', async () => {
  const other = await createCpnPartner(app);
  receiver.enqueue({ status: 405 }, { redirectTo: 'https://elsewhere.example.com/' });
  assertInvalidField(await call('POST', SUBSCRIPTIONS, { endpoint: `${receiver.url}/head-405` }, other), 'endpoint', /must answer a HEAD request with a 2xx status; it answered 405/);
  assertInvalidField(await call('POST', SUBSCRIPTIONS, { endpoint: `${receiver.url}/head-302` }, other), 'endpoint', /it answered 302/);
  assert.deepEqual(receiver.requests.map((r) => r.method), ['HEAD', 'HEAD']);

  const closed = await startWebhookReceiver();
  await closed.close();
  assertInvalidField(await call('POST', SUBSCRIPTIONS, { endpoint: `${closed.url}/gone` }, other), 'endpoint', /the request failed \(.*ECONNREFUSED/);
  assert.equal(await countEndpoints(other.accountId), 0);
});

test('list, PATCH {name, enabled} (both required), DELETE 204 with an empty body', async () => {
  const other = await createCpnPartner(app);
  const first = await subscribe(app, other, `${receiver.url}/one`, { name: 'one' });
  const second = await subscribe(app, other, `${receiver.url}/two`, { notificationTypes: ['cpn.supportTicket.failed'] });
  assert.equal(second.name, '');
  const listed = await call('GET', SUBSCRIPTIONS, undefined, other);
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body, { data: [first, second] });

  const patched = await call('PATCH', `${SUBSCRIPTIONS}/${first.id}`, { name: 'renamed', enabled: false }, other);
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  assert.deepEqual({ ...patched.body.data, updateDate: first.updateDate }, { ...first, name: 'renamed', enabled: false });
  assert.ok(patched.body.data.updateDate > first.updateDate);
  const reenabled = await call('PATCH', `${SUBSCRIPTIONS}/${first.id}`, { name: 'renamed', enabled: true }, other);
  assert.equal(reenabled.body.data.enabled, true);

  assertInvalidField(await call('PATCH', `${SUBSCRIPTIONS}/${first.id}`, { name: 'x' }, other), 'enabled', /required/);
  assertInvalidField(await call('PATCH', `${SUBSCRIPTIONS}/${first.id}`, { enabled: true }, other), 'name', /required/);
  assertInvalidField(await call('PATCH', `${SUBSCRIPTIONS}/${first.id}`, { name: 'x', enabled: 'false' }, other), 'enabled', /Must be of type boolean/);

  const deleted = await api(app, 'DELETE', `${SUBSCRIPTIONS}/${first.id}`, { token: other.apiKey });
  assert.equal(deleted.status, 204);
  assert.equal(deleted.body, null);
  assert.match(deleted.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  const gone = await call('GET', `${SUBSCRIPTIONS}/${first.id}`, undefined, other);
  assert.deepEqual([gone.status, gone.body], [404, { code: 404, message: 'Not found.' }]);
  assert.equal((await call('DELETE', `${SUBSCRIPTIONS}/${first.id}`, undefined, other)).status, 404);
  assert.deepEqual((await call('GET', SUBSCRIPTIONS, undefined, other)).body, { data: [second] });
});

test("another account's subscription is a 404 for every verb; malformed ids are 400s", async () => {
  const owner = await createCpnPartner(app);
  const stranger = await createCpnPartner(app);
  const owned = await subscribe(app, owner, `${receiver.url}/owned`);
  const path = `${SUBSCRIPTIONS}/${owned.id}`;
  for (const [method, body] of [['GET'], ['PATCH', { name: 'mine now', enabled: false }], ['DELETE']] as const) {
    const res = await call(method, path, body, stranger);
    assert.deepEqual([method, res.status, res.body], [method, 404, { code: 404, message: 'Not found.' }]);
  }
  assert.deepEqual((await call('GET', SUBSCRIPTIONS, undefined, stranger)).body, { data: [] });
  assert.deepEqual((await call('GET', path, undefined, owner)).body, { data: owned }, 'unchanged');

  assertInvalidField(await call('GET', `${SUBSCRIPTIONS}/not-a-uuid`), 'id', /valid UUID/);
  assert.equal((await call('GET', `${SUBSCRIPTIONS}/${randomUUID()}`)).status, 404);
});

test('Ripio webhook routes cannot reach CPN subscriptions by id, nor CPN routes Ripio endpoints (same account)', async () => {
  const ripio = await createPartner(app);
  const cpn: CpnPartner = { accountId: ripio.accountId, apiKey: (await app.deskgate.apiKeys.create(ripio.accountId)).apiKey };
  const subscription = await subscribe(app, cpn, `${receiver.url}/cpn`);
  const endpoint = await registerEndpoint(app, ripio, `${receiver.url}/ripio`);

  for (const [method, path] of [
    ['GET', `/api/v1/webhooks/${subscription.id}/`],
    ['PATCH', `/api/v1/webhooks/${subscription.id}/`],
    ['DELETE', `/api/v1/webhooks/${subscription.id}/`],
    ['POST', `/api/v1/webhooks/${subscription.id}/test/`],
    ['POST', `/api/v1/webhooks/${subscription.id}/rotateSecret/`],
    ['GET', `/api/v1/webhooks/${subscription.id}/deliveries/`],
  ]) {
    const res = await api(app, method!, path!, { token: ripio.token, json: method === 'PATCH' ? { enabled: false } : undefined });
    assert.equal(res.status, 404, `${method} ${path}: ${JSON.stringify(res.body)}`);
  }
  const ripioList = await api(app, 'GET', '/api/v1/webhooks/', { token: ripio.token });
  assert.deepEqual(ripioList.body.webhooks.map((w: { id: string }) => w.id), [endpoint.id]);

  for (const method of ['GET', 'PATCH', 'DELETE']) {
    const res = await call(method, `${SUBSCRIPTIONS}/${endpoint.id}`, method === 'PATCH' ? { name: 'x', enabled: false } : undefined, cpn);
    assert.equal(res.status, 404, method);
  }
  assert.deepEqual((await call('GET', SUBSCRIPTIONS, undefined, cpn)).body.data.map((s: { id: string }) => s.id), [subscription.id]);
  assert.equal(await countEndpoints(ripio.accountId), 2, 'both still there');
});

test('API-key auth on every route; X-Request-Id on every response (echoed when sent)', async () => {
  const owned = await subscribe(app, partner, `${receiver.url}/auth`);
  const routes: [string, string][] = [
    ['POST', SUBSCRIPTIONS],
    ['GET', SUBSCRIPTIONS],
    ['GET', `${SUBSCRIPTIONS}/${owned.id}`],
    ['PATCH', `${SUBSCRIPTIONS}/${owned.id}`],
    ['DELETE', `${SUBSCRIPTIONS}/${owned.id}`],
    ['GET', `/v2/cpn/notifications/publicKey/${randomUUID()}`],
  ];
  for (const [method, path] of routes) {
    const anonymous = await api(app, method, path, { headers: { 'x-request-id': 'req-anon.1' } });
    assert.deepEqual([method, path, anonymous.status, anonymous.body.code], [method, path, 401, 401]);
    assert.equal(anonymous.headers.get('x-request-id'), 'req-anon.1');
    const forged = await api(app, method, path, { token: 'TEST_API_KEY:nope:nope' });
    assert.deepEqual([forged.status, forged.body], [401, { code: 401, message: 'Invalid credentials.' }]);
    assert.match(forged.headers.get('x-request-id') ?? '', /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-/);
  }
  const created = await api(app, 'POST', SUBSCRIPTIONS, { token: partner.apiKey, json: { endpoint: `${receiver.url}/rid` }, headers: { 'x-request-id': 'sub-create-7' } });
  assert.equal(created.status, 200);
  assert.equal(created.headers.get('x-request-id'), 'sub-create-7');
});

test('public key: an unknown key id is 404, a malformed one 400; a served key is P-256 SPKI DER', async () => {
  const unknown = await call('GET', `/v2/cpn/notifications/publicKey/${randomUUID()}`);
  assert.deepEqual([unknown.status, unknown.body], [404, { code: 404, message: 'Not found.' }]);
  assertInvalidField(await call('GET', '/v2/cpn/notifications/publicKey/abc'), 'id', /valid UUID/);

  const key = await app.deskgate.notificationSigningKeys.active();
  const res = await call('GET', `/v2/cpn/notifications/publicKey/${key.id}`);
  assert.equal(res.status, 200);
  assert.deepEqual(Object.keys(res.body.data), ['id', 'algorithm', 'publicKey', 'createDate']);
  assert.equal(res.body.data.algorithm, 'ECDSA_SHA_256');
  assert.equal(res.body.data.id, key.id);
  const publicKey = createPublicKey({ key: Buffer.from(res.body.data.publicKey, 'base64'), format: 'der', type: 'spki' });
  assert.equal(publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  // At rest, the private key is sealed, never in clear.
  const row = await app.deskgate.database.db.selectFrom('notification_signing_keys').selectAll().where('id', '=', key.id).executeTakeFirstOrThrow();
  assert.match(row.private_key_sealed, /^v1\./);
  assert.doesNotMatch(row.private_key_sealed, /PRIVATE KEY/);
});
