import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, startTestApp, type TestApp } from '../../support/app.js';
import { api, createPartner, type Partner } from '../../support/ripio.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.js';
import { FAST_WEBHOOKS, raiseTicket, registerEndpoint, verifiedWith } from '../../support/webhooks.js';

let app: TestApp;
let receiver: WebhookReceiver;

before(async () => {
  app = await startTestApp({ env: FAST_WEBHOOKS });
  receiver = await startWebhookReceiver();
});
after(async () => {
  await receiver.close();
  await app.close();
});

test('register, list, retrieve, update and delete an endpoint; the secret is shown on creation only', async () => {
  const partner = await createPartner(app, { enabled: false }); // webhooks are not behind the support-tickets gate
  const created = await api(app, 'POST', '/api/v1/webhooks/', { token: partner.token, json: { url: `${receiver.url}/a` } });
  assert.equal(created.status, 201);
  assert.match(created.body.secret, /^whsec_/);
  assert.deepEqual(created.body.eventTypes, ['SUPPORT_TICKET.CREATED', 'SUPPORT_TICKET.FAILED']);
  assert.equal(created.body.enabled, true);
  const { id } = created.body;
  const stored = await app.deskgate.database.db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  assert.match(stored.sealed_secret ?? '', /^v1\./, 'sealed at rest');
  assert.ok(!stored.sealed_secret?.includes(created.body.secret.slice(6)));

  const second = await registerEndpoint(app, partner, `${receiver.url}/b`, { eventTypes: ['SUPPORT_TICKET.FAILED'] });
  const listed = await api(app, 'GET', '/api/v1/webhooks', { token: partner.token });
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.webhooks.map((w: { id: string }) => w.id), [id, second.id]);
  assert.ok(listed.body.webhooks.every((w: object) => !('secret' in w)));

  const fetched = await api(app, 'GET', `/api/v1/webhooks/${id}/`, { token: partner.token });
  assert.equal(fetched.status, 200);
  assert.equal(fetched.body.url, `${receiver.url}/a`);
  assert.ok(!('secret' in fetched.body));

  const patched = await api(app, 'PATCH', `/api/v1/webhooks/${id}/`, { token: partner.token, json: { enabled: false, eventTypes: ['SUPPORT_TICKET.CREATED'] } });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.enabled, false);
  assert.equal(patched.body.disabledReason, 'Disabled by request.');
  assert.deepEqual(patched.body.eventTypes, ['SUPPORT_TICKET.CREATED']);
  const reenabled = await api(app, 'PATCH', `/api/v1/webhooks/${id}/`, { token: partner.token, json: { enabled: true } });
  assert.equal(reenabled.body.enabled, true);
  assert.equal(reenabled.body.disabledReason, null);

  const deleted = await api(app, 'DELETE', `/api/v1/webhooks/${id}/`, { token: partner.token });
  assert.equal(deleted.status, 204);
  const gone = await api(app, 'GET', `/api/v1/webhooks/${id}/`, { token: partner.token });
  assert.equal(gone.status, 404);
  assert.deepEqual(gone.body, { code: 40018, type: 'WebhookEndpointNotFoundException', detail: { message: 'Webhook endpoint not found.' }, status: 404 });
});

test('URLs must be https and public unless allow-listed; event types must be known; auth is required', async () => {
  const partner = await createPartner(app);
  const attempts: Array<[unknown, string]> = [
    [{ url: 'http://hooks.example.com/x' }, 'url'],
    [{ url: 'https://10.0.0.1/x' }, 'url'],
    [{ url: 'https://user:pw@hooks.example.com/x' }, 'url'],
    [{ url: 'not a url' }, 'url'],
    [{ url: 'https://hooks.example.com/x', eventTypes: ['SUPPORT_TICKET.UPDATED'] }, 'eventTypes[0]'],
    [{ url: 'https://hooks.example.com/x', eventTypes: [] }, 'eventTypes'],
    [{}, 'url'],
  ];
  for (const [json, field] of attempts) {
    const res = await api(app, 'POST', '/api/v1/webhooks/', { token: partner.token, json });
    assert.equal(res.status, 400, JSON.stringify(json));
    assert.equal(res.body.code, 20000);
    assert.ok(field in res.body.detail, `${JSON.stringify(json)} → ${JSON.stringify(res.body.detail)}`);
  }
  assert.equal((await api(app, 'POST', '/api/v1/webhooks/', { token: partner.token, json: { url: 'https://hooks.example.com/x' } })).status, 201);
  const patch = await api(app, 'GET', '/api/v1/webhooks/', {});
  assert.equal(patch.status, 401);
  assert.equal(patch.body.code, 40001);
  assert.equal((await api(app, 'GET', '/api/v1/webhooks/', { token: 'forged' })).status, 401);
});

test("a partner cannot see or manage another account's endpoints or deliveries (404)", async () => {
  const owner = await createPartner(app, { name: 'Owner' });
  const other: Partner = await createPartner(app, { name: 'Other' });
  const endpoint = await registerEndpoint(app, owner, `${receiver.url}/owner`);
  const sent = await api(app, 'POST', `/api/v1/webhooks/${endpoint.id}/test/`, { token: owner.token });
  assert.equal(sent.status, 200);
  const deliveryId = sent.body.deliveryId;
  const own = await registerEndpoint(app, other, `${receiver.url}/other`);

  const foreign: Array<[string, string, unknown?]> = [
    ['GET', `/api/v1/webhooks/${endpoint.id}/`],
    ['PATCH', `/api/v1/webhooks/${endpoint.id}/`, { enabled: false }],
    ['DELETE', `/api/v1/webhooks/${endpoint.id}/`],
    ['POST', `/api/v1/webhooks/${endpoint.id}/rotateSecret/`],
    ['POST', `/api/v1/webhooks/${endpoint.id}/test/`],
    ['GET', `/api/v1/webhooks/${endpoint.id}/deliveries/`],
    ['GET', `/api/v1/webhooks/${endpoint.id}/deliveries/${deliveryId}/`],
    ['POST', `/api/v1/webhooks/${endpoint.id}/deliveries/${deliveryId}/replay/`],
    // The foreign delivery under the caller's own endpoint is just as unknown.
    ['GET', `/api/v1/webhooks/${own.id}/deliveries/${deliveryId}/`],
    ['POST', `/api/v1/webhooks/${own.id}/deliveries/${deliveryId}/replay/`],
    ['GET', '/api/v1/webhooks/not-a-uuid/'],
  ];
  for (const [method, path, json] of foreign) {
    const res = await api(app, method, path, { token: other.token, json });
    assert.equal(res.status, 404, `${method} ${path}`);
    assert.ok([40018, 40019].includes(res.body.code), `${method} ${path}: ${JSON.stringify(res.body)}`);
  }
  const listed = await api(app, 'GET', '/api/v1/webhooks/', { token: other.token });
  assert.deepEqual(listed.body.webhooks.map((w: { id: string }) => w.id), [own.id]);
  // Nothing changed for the owner.
  const still = await api(app, 'GET', `/api/v1/webhooks/${endpoint.id}/`, { token: owner.token });
  assert.equal(still.body.enabled, true);
});

test('test send: one signed WEBHOOK.TEST attempt, reported and logged, not retried', async () => {
  const partner = await createPartner(app);
  const endpoint = await registerEndpoint(app, partner, `${receiver.url}/test-send`);
  receiver.enqueue({ status: 500, body: 'not ready' });
  const failed = await api(app, 'POST', `/api/v1/webhooks/${endpoint.id}/test/`, { token: partner.token });
  assert.equal(failed.status, 200);
  assert.equal(failed.body.status, 'failed');
  assert.equal(failed.body.attempts, 1);
  assert.equal(failed.body.attemptLog[0].statusCode, 500);
  assert.equal(failed.body.attemptLog[0].responseExcerpt, 'not ready');

  const ok = await api(app, 'POST', `/api/v1/webhooks/${endpoint.id}/test/`, { token: partner.token });
  assert.equal(ok.body.status, 'delivered');
  assert.equal(ok.body.eventType, 'WEBHOOK.TEST');
  const request = receiver.requests.at(-1)!;
  assert.equal(request.path, '/test-send');
  assert.ok(verifiedWith(request, endpoint.secret));
  const body = JSON.parse(request.body);
  assert.equal(body.eventType, 'WEBHOOK.TEST');
  assert.equal(body.supportTicket, null);

  const log = await api(app, 'GET', `/api/v1/webhooks/${endpoint.id}/deliveries/`, { token: partner.token });
  assert.deepEqual(log.body.deliveries.map((d: { status: string }) => d.status), ['delivered', 'failed']);
});

test('rotation: both secrets sign every delivery for 24 h, then only the new one', async () => {
  const partner = await createPartner(app);
  const endpoint = await registerEndpoint(app, partner, `${receiver.url}/rotate`);
  const rotated = await api(app, 'POST', `/api/v1/webhooks/${endpoint.id}/rotateSecret/`, { token: partner.token });
  assert.equal(rotated.status, 200);
  const newSecret: string = rotated.body.secret;
  assert.notEqual(newSecret, endpoint.secret);
  const overlapEnds = Date.parse(rotated.body.previousSecretExpiresAt);
  assert.ok(Math.abs(overlapEnds - (Date.now() + 24 * 3_600_000)) < 60_000);

  await raiseTicket(app, partner);
  const during = await eventually(async () => receiver.requests.find((r) => r.path === '/rotate'));
  assert.equal(String(during.headers['x-wh-signature-256']).split(',').length, 2);
  assert.equal(String(during.headers['webhook-signature']).split(' ').length, 2);
  assert.ok(verifiedWith(during, newSecret), 'new secret');
  assert.ok(verifiedWith(during, endpoint.secret), 'old secret, during the overlap');

  // The overlap ends: the old secret stops signing.
  await app.deskgate.database.db.updateTable('webhook_endpoints').set({ previous_secret_expires_at: new Date(Date.now() - 1000) }).where('id', '=', endpoint.id).execute();
  await raiseTicket(app, partner);
  const afterwards = await eventually(async () => receiver.requests.filter((r) => r.path === '/rotate')[1]);
  assert.equal(String(afterwards.headers['x-wh-signature-256']).split(',').length, 1);
  assert.ok(verifiedWith(afterwards, newSecret));
  assert.ok(!verifiedWith(afterwards, endpoint.secret));
  const shown = await api(app, 'GET', `/api/v1/webhooks/${endpoint.id}/`, { token: partner.token });
  assert.equal(shown.body.previousSecretExpiresAt, null);
});
