import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { api, createPartner, type Partner } from '../support/ripio.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { FAST_WEBHOOKS, raiseTicket, verifiedWith } from '../support/webhooks.js';

let app: TestApp;
let receiver: WebhookReceiver;
let partner: Partner;

before(async () => {
  app = await startTestApp({ env: FAST_WEBHOOKS });
  receiver = await startWebhookReceiver();
  partner = await createPartner(app);
});
after(async () => {
  await receiver.close();
  await app.close();
});

/** `deskgate <args>` as an operator runs it, against the test app's database. */
async function deskgate(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    ...FAST_WEBHOOKS,
    DATABASE_URL: app.databaseUrl,
    DESKGATE_DATA_DIR: app.dataDir,
    DESKGATE_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
  };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

test('operator CLI: create, list, test, deliveries, replay one, replay the failed ones in a window, rotate, delete', { timeout: 300_000 }, async () => {
  const created = await deskgate('webhooks', 'create', '--account', partner.accountId, '--url', `${receiver.url}/cli`, '--shell');
  assert.equal(created.code, 0, created.stderr);
  const id = /^WEBHOOK_ID='(.+)'$/m.exec(created.stdout)?.[1] ?? '';
  const secret = /^WEBHOOK_SECRET='(.+)'$/m.exec(created.stdout)?.[1] ?? '';
  assert.match(id, /^[0-9a-f-]{36}$/);
  assert.match(secret, /^whsec_/);

  // The partner sees the operator's endpoint.
  const seen = await api(app, 'GET', `/api/v1/webhooks/${id}/`, { token: partner.token });
  assert.equal(seen.status, 200);
  const listed = JSON.parse((await deskgate('webhooks', 'list', '--account', partner.accountId)).stdout);
  assert.deepEqual(listed.map((e: { id: string }) => e.id), [id]);

  const tested = JSON.parse((await deskgate('webhooks', 'test', id)).stdout);
  assert.equal(tested.status, 'delivered');
  assert.ok(verifiedWith(receiver.requests.at(-1)!, secret));

  // A ticket event that fails every scheduled attempt, then operator replays.
  receiver.enqueue({ status: 500 }, { status: 500 }, { status: 500 });
  await raiseTicket(app, partner);
  await eventually(async () => (await app.deskgate.webhookDeliveries.list('operator', id, { status: 'failed', limit: 1, offset: 0 })).count === 1, 15_000, 'the ticket delivery to fail');
  const log = JSON.parse((await deskgate('webhooks', 'deliveries', id, '--status', 'failed')).stdout);
  assert.equal(log.count, 1);
  const [failed] = log.deliveries;
  assert.equal(failed.eventType, 'SUPPORT_TICKET.CREATED');
  assert.deepEqual(failed.attemptLog.map((a: { statusCode: number }) => a.statusCode), [500, 500, 500]);

  const outside = JSON.parse((await deskgate('webhooks', 'replay-failed', id, '--since', '2000-01-01', '--until', '2000-01-02')).stdout);
  assert.equal(outside.replayed, 0);
  const replayed = JSON.parse((await deskgate('webhooks', 'replay-failed', id, '--since', new Date(Date.now() - 3_600_000).toISOString())).stdout);
  assert.deepEqual(replayed.deliveryIds, [failed.deliveryId]);
  await eventually(async () => (await app.deskgate.webhookDeliveries.get('operator', failed.deliveryId)).status === 'delivered', 10_000, 'the replay');

  const one = JSON.parse((await deskgate('webhooks', 'replay', failed.deliveryId)).stdout);
  assert.equal(one.deliveryId, failed.deliveryId);
  const delivered = await eventually(async () => {
    const d = await app.deskgate.webhookDeliveries.get('operator', failed.deliveryId);
    return d.status === 'delivered' && d.attempts === 5 ? d : null;
  }, 10_000, 'the second replay');
  assert.equal(delivered.attemptLog.at(-1)?.status_code, 200);

  const rotated = JSON.parse((await deskgate('webhooks', 'rotate-secret', id)).stdout);
  assert.notEqual(rotated.secret, secret);
  const disabled = JSON.parse((await deskgate('webhooks', 'update', id, '--disable')).stdout);
  assert.equal(disabled.enabled, false);
  const refused = await deskgate('webhooks', 'replay', failed.deliveryId);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /disabled/);

  assert.equal((await deskgate('webhooks', 'delete', id)).code, 0);
  const missing = await deskgate('webhooks', 'test', id);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Webhook endpoint not found/);
  const badUrl = await deskgate('webhooks', 'create', '--account', partner.accountId, '--url', 'http://example.com/x');
  assert.equal(badUrl.code, 2);
  assert.match(badUrl.stderr, /url: Endpoint URL must use https/);
});
