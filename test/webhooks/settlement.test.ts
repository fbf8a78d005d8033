import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { ticketQueries } from '../../src/db/queries/tickets.js';
import { webhookOutbox } from '../../src/webhooks/events.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { api, createPartner, type Partner } from '../support/ripio.js';
import { FAST_WEBHOOKS, raiseTicket, registerEndpoint } from '../support/webhooks.js';

// Settling a ticket is one statement: the status change, its event and a delivery per subscribed endpoint, with their jobs.
let app: TestApp;
before(async () => {
  app = await startTestApp({ env: FAST_WEBHOOKS });
});
after(() => app.close());

const db = () => app.deskgate.database.db;
const settled = (partner: Partner, id: string) =>
  eventually(async () => {
    const res = await api(app, 'GET', `/api/v1/supportTickets/${id}/`, { token: partner.token });
    return res.body.status !== 'PENDING' ? res.body : null;
  }, 10_000, `ticket ${id} to settle`);

test('a settlement no endpoint listens to writes no event', async () => {
  const partner = await createPartner(app);
  const id = await raiseTicket(app, partner);
  assert.equal((await settled(partner, id)).status, 'CREATED');
  const events = await db().selectFrom('webhook_events').select('id').where('ticket_id', '=', id).execute();
  assert.deepEqual(events, []);
});

test('an endpoint disabled, unsubscribed or deleted after the event was prepared gets no delivery; the others do, with their jobs', async () => {
  const partner = await createPartner(app);
  // A ticket registered before any endpoint existed, put back to PENDING and settled here by hand.
  const id = await raiseTicket(app, partner);
  await settled(partner, id);
  const ticket = await db().updateTable('tickets').set({ status: 'PENDING', desk_reference: null, registered_at: null }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  const url = 'http://127.0.0.1:9/hooks';
  const kept = await registerEndpoint(app, partner, url);
  const disabled = await registerEndpoint(app, partner, url);
  const unsubscribed = await registerEndpoint(app, partner, url);
  const deleted = await registerEndpoint(app, partner, url);

  const at = new Date();
  const change = { status: 'CREATED', desk_reference: 'SUP-TEST', failure_reason: null, registered_at: at, updated_at: at } as const;
  // First attempts an hour away: the jobs stay queued while the test looks at them.
  const outbox = webhookOutbox({ db: db(), dialects: app.deskgate.webhookDialects, firstAttemptAt: () => new Date(at.getTime() + 3_600_000) });
  const [prepared] = await outbox([{ ...ticket, ...change }]);
  const event = prepared!.event;
  assert.equal(event.deliveries.length, 4);

  // Between the preparation and the settling statement:
  await db().updateTable('webhook_endpoints').set({ enabled: false }).where('id', '=', disabled.id).execute();
  await db().updateTable('webhook_endpoints').set({ event_types: ['SUPPORT_TICKET.FAILED'] }).where('id', '=', unsubscribed.id).execute();
  await db().deleteFrom('webhook_endpoints').where('id', '=', deleted.id).execute();

  const settledRow = (await ticketQueries(db()).settleMany([{ id, change, event }])).get(id);
  assert.equal(settledRow?.ticket.status, 'CREATED');
  assert.equal(settledRow?.ticket.desk_reference, 'SUP-TEST');
  const deliveries = await db().selectFrom('webhook_deliveries').select(['id', 'endpoint_id']).where('account_id', '=', partner.accountId).execute();
  assert.deepEqual(deliveries.map((d) => d.endpoint_id), [kept.id]);
  assert.deepEqual(settledRow?.deliveryIds, [deliveries[0]!.id]);
  // The job is in the outbox, or already handed to graphile-worker by the periodic sweep.
  const jobKey = `deliver_webhook:${deliveries[0]!.id}`;
  const queued = await app.deskgate.database.pool.query(
    'SELECT 1 FROM job_outbox WHERE job_key = $1 UNION ALL SELECT 1 FROM graphile_worker._private_jobs WHERE key = $1',
    [jobKey],
  );
  assert.equal(queued.rowCount, 1, 'the delivery has exactly one job');

  // Settling again finds it no longer PENDING and writes nothing more.
  assert.equal((await ticketQueries(db()).settleMany([{ id, change, event: { ...event, event: { ...event.event, id: randomUUID() } } }])).size, 0);
  assert.equal((await db().selectFrom('webhook_events').select('id').where('ticket_id', '=', id).execute()).length, 1);
});
