import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { api, createPartner } from '../support/ripio.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { raiseTicket, registerEndpoint } from '../support/webhooks.js';

// "Failing for 5 days" shrunk to 1.5 s; eight retries 300 ms apart outlast it.
let app: TestApp;
let failing: WebhookReceiver;
let healthy: WebhookReceiver;

before(async () => {
  app = await startTestApp({
    env: {
      DESKGATE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
      DESKGATE_WEBHOOK_RETRY_SCHEDULE_MS: '0,300,300,300,300,300,300,300,300',
      DESKGATE_WEBHOOK_DISABLE_AFTER_MS: '1500',
      DESKGATE_WEBHOOK_RETENTION_MS: '3600000',
    },
  });
  failing = await startWebhookReceiver();
  healthy = await startWebhookReceiver();
});
after(async () => {
  await failing.close();
  await healthy.close();
  await app.close();
});

test('an endpoint failing continuously for the configured time is disabled; the other endpoint is untouched', async () => {
  failing.enqueue(...Array.from({ length: 20 }, () => ({ status: 500 })));
  const partner = await createPartner(app);
  const bad = await registerEndpoint(app, partner, `${failing.url}/down`);
  const good = await registerEndpoint(app, partner, `${healthy.url}/up`);

  await raiseTicket(app, partner);
  const disabled = await eventually(async () => {
    const res = await api(app, 'GET', `/api/v1/webhooks/${bad.id}/`, { token: partner.token });
    return res.body.enabled === false ? res.body : null;
  }, 15_000, 'the failing endpoint to be disabled');
  assert.match(disabled.disabledReason, /^Every attempt failed since /);

  const [delivery] = (await api(app, 'GET', `/api/v1/webhooks/${bad.id}/deliveries/`, { token: partner.token })).body.deliveries;
  assert.equal(delivery.status, 'failed');
  // Disabled by the failure streak's age, before the schedule ran out (how many attempts fit depends on load).
  assert.ok(delivery.attempts >= 2 && delivery.attempts < 9, `${delivery.attempts} attempts`);
  const firstAttempt = Date.parse(delivery.attemptLog[0].attemptedAt);
  const lastAttempt = Date.parse(delivery.attemptLog.at(-1).attemptedAt);
  assert.ok(lastAttempt - firstAttempt >= 1500);

  assert.equal(healthy.requests.length, 1, 'one delivery to the healthy endpoint, no noise');
  const goodState = await api(app, 'GET', `/api/v1/webhooks/${good.id}/`, { token: partner.token });
  assert.equal(goodState.body.enabled, true);

  // Re-enabled by the partner: the failure streak starts afresh and events flow again.
  const reenabled = await api(app, 'PATCH', `/api/v1/webhooks/${bad.id}/`, { token: partner.token, json: { enabled: true } });
  assert.equal(reenabled.body.enabled, true);
  failing.requests.length = 0;
  failing.enqueue(...Array.from({ length: 20 }, () => ({ status: 200 })));
  await raiseTicket(app, partner);
  await failing.waitForRequests(1, 10_000);
});

test('the purge job drops settled deliveries older than the retention period, keeping recent ones', async () => {
  const partner = await createPartner(app);
  const endpoint = await registerEndpoint(app, partner, `${healthy.url}/purge`);
  for (let i = 0; i < 2; i++) await api(app, 'POST', `/api/v1/webhooks/${endpoint.id}/test/`, { token: partner.token });
  const { db } = app.deskgate.database;
  const [old] = await db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', endpoint.id).execute();
  await sql`UPDATE webhook_deliveries SET created_at = now() - interval '2 hours' WHERE id = ${old!.id}`.execute(db);

  const purged = await app.deskgate.webhookDeliveries.purgeExpired();
  assert.ok(purged.deliveries >= 1);
  const left = await api(app, 'GET', `/api/v1/webhooks/${endpoint.id}/deliveries/`, { token: partner.token });
  assert.equal(left.body.count, 1);
  assert.notEqual(left.body.deliveries[0].deliveryId, old!.id);
  const attempts = await db.selectFrom('webhook_attempts').select('delivery_id').where('delivery_id', '=', old!.id).execute();
  assert.equal(attempts.length, 0);
});
