import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../support/app.js';
import { createCpnPartner } from '../support/cpn.js';
import { notificationsAt, subscribe, verifiedByPublishedKey } from '../support/notifications.js';
import { runDeskgate } from '../support/process.js';
import { createPartner } from '../support/ripio.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { FAST_WEBHOOKS, registerEndpoint } from '../support/webhooks.js';

const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
let app: TestApp;
let receiver: WebhookReceiver;

before(async () => {
  app = await startTestApp({ env: { ...FAST_WEBHOOKS, DESKGATE_SECRET: SECRET }, worker: false });
  receiver = await startWebhookReceiver();
});
after(async () => {
  await receiver.close();
  await app.close();
});

/** `deskgate <args>` in its own process, as an operator runs it, against the test app's database; stdout parsed as JSON. */
async function deskgate(...args: string[]) {
  const run = await runDeskgate(args, { ...FAST_WEBHOOKS, DATABASE_URL: app.databaseUrl, DESKGATE_DATA_DIR: app.dataDir, DESKGATE_SECRET: SECRET, DESKGATE_LOG_LEVEL: 'warn' });
  return { ...run, json: () => JSON.parse(run.output) };
}

test('operator CLI: subscriptions list, webhooks list with both dialects, a test notification to a subscription', { timeout: 300_000 }, async () => {
  const ripio = await createPartner(app);
  const endpoint = await registerEndpoint(app, ripio, `${receiver.url}/ripio`);
  const cpn = { accountId: ripio.accountId, apiKey: (await app.deskgate.apiKeys.create(ripio.accountId)).apiKey };
  const subscription = await subscribe(app, cpn, `${receiver.url}/cpn`, { name: 'ops', notificationTypes: ['cpn.supportTicket.failed'] });
  const stranger = await createCpnPartner(app);
  await subscribe(app, stranger, `${receiver.url}/other`);

  const subscriptions = await deskgate('subscriptions', 'list', '--account', cpn.accountId);
  assert.equal(subscriptions.code, 0, subscriptions.output);
  assert.deepEqual(subscriptions.json(), [{ accountId: cpn.accountId, ...subscription, disabledReason: null }]);

  const webhooks = await deskgate('webhooks', 'list', '--account', cpn.accountId);
  assert.equal(webhooks.code, 0, webhooks.output);
  assert.deepEqual(
    webhooks.json().map((e: { id: string; dialect: string; eventTypes: string[] }) => [e.id, e.dialect, e.eventTypes]),
    [
      [endpoint.id, 'ripio', ['SUPPORT_TICKET.CREATED', 'SUPPORT_TICKET.FAILED']],
      [subscription.id, 'cpn', ['cpn.supportTicket.failed']],
    ],
  );

  const tested = await deskgate('webhooks', 'test', subscription.id);
  assert.equal(tested.code, 0, tested.output);
  assert.equal(tested.json().status, 'delivered');
  const [notification] = (await notificationsAt(receiver, 1)).filter((r) => r.path === '/cpn');
  assert.equal(await verifiedByPublishedKey(app, cpn, notification!), true);
  const body = JSON.parse(notification!.body);
  assert.deepEqual([body.subscriptionId, body.notificationType, body.notification], [subscription.id, 'webhooks.test', null]);

  // What only Ripio endpoints have is refused for a subscription.
  const rotate = await deskgate('webhooks', 'rotate-secret', subscription.id);
  assert.equal(rotate.code, 2);
  assert.match(rotate.output, /is a CPN subscription, not a Ripio webhook endpoint/);
});
