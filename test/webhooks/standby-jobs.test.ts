import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { createPartner } from '../support/ripio.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { FAST_WEBHOOKS, raiseTicket, registerEndpoint } from '../support/webhooks.js';

// A delivery whose first attempt the settling worker makes itself has a job only as a stand-by: it is not
// handed to the workers at once (the sweep takes it well before it is due), and a success drops it unseen.
let app: TestApp;
let receiver: WebhookReceiver;

before(async () => {
  receiver = await startWebhookReceiver();
  // The sweep is a minute away: whatever reaches graphile-worker here was handed over on purpose.
  app = await startTestApp({ env: { ...FAST_WEBHOOKS, DESKGATE_JOB_OUTBOX_SWEEP_MS: '60000' } });
});
after(async () => {
  await app.close();
  await receiver.close();
});

const db = () => app.deskgate.database.db;
const where = async (jobKey: string) => {
  const { rows } = await sql<{ place: string }>`
    SELECT 'outbox' AS place FROM job_outbox WHERE job_key = ${jobKey}
    UNION ALL SELECT 'workers' FROM graphile_worker._private_jobs WHERE key = ${jobKey}`.execute(db());
  return rows.map((r) => r.place);
};

test('the stand-by job of a first attempt made after settling stays in the outbox, and the attempt\'s success removes it', async () => {
  const partner = await createPartner(app);
  await registerEndpoint(app, partner, `${receiver.url}/hooks`);
  // The receiver holds the first attempt for a while (within the 1 s attempt timeout), then accepts it.
  receiver.enqueue({ status: 200, delayMs: 700 });
  const ticketId = await raiseTicket(app, partner);
  await receiver.waitForRequests(1, 10_000);

  const delivery = await db().selectFrom('webhook_deliveries as d').innerJoin('webhook_events as e', 'e.id', 'd.event_id').select('d.id').where('e.ticket_id', '=', ticketId).executeTakeFirstOrThrow();
  const jobKey = `deliver_webhook:${delivery.id}`;
  // Long enough for any hand-over this settlement asked for (the pacing interval is 25 ms).
  await new Promise((r) => setTimeout(r, 300));
  assert.deepEqual(await where(jobKey), ['outbox'], 'not handed over while the attempt runs');

  await eventually(async () => (await db().selectFrom('webhook_deliveries').select('status').where('id', '=', delivery.id).executeTakeFirstOrThrow()).status === 'delivered', 10_000, 'the delivery');
  assert.deepEqual(await where(jobKey), [], 'the delivered attempt dropped its stand-by job');
  assert.equal(receiver.requests.length, 1);
});
