import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import type { DatabaseHandle } from '../../src/db/database.js';
import { createBuiltinDesk } from '../../src/desks/builtin.js';
import { PermanentDeskError, TransientDeskError, type Desk } from '../../src/desks/desk.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { api, createCustomer, createPartner, createTicket, ticketForm, type Partner } from '../support/ripio.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { FAST_WEBHOOKS, registerEndpoint, verifiedWith } from '../support/webhooks.js';

// Registration jobs carry many tickets when the desk registers a batch in one call (the builtin desk: one statement).

/** What the next batch call of the test desk does; the builtin desk answers when nothing is scripted. */
const batchFaults: Error[] = [];
const batchCalls: string[][] = [];

/** The builtin desk, whose batch calls fail as scripted and are recorded. */
function faultyBatchDesk(database: DatabaseHandle): Desk {
  const builtin = createBuiltinDesk(database.db, 'SUP');
  return {
    kind: 'test',
    register: (ticket, signal) => builtin.register(ticket, signal),
    batch: {
      size: builtin.batch!.size,
      async register(tickets, signal) {
        batchCalls.push(tickets.map((t) => t.ticketId));
        const fault = batchFaults.shift();
        if (fault) throw fault;
        return builtin.batch!.register(tickets, signal);
      },
    },
    check: (signal) => builtin.check(signal),
  };
}

let app: TestApp;
let partner: Partner;
let customerId: string;
let receiver: WebhookReceiver;

before(async () => {
  receiver = await startWebhookReceiver();
  // No worker at first: the tests look at the queued jobs, then start it.
  app = await startTestApp({
    worker: false,
    desk: faultyBatchDesk,
    env: { ...FAST_WEBHOOKS, DESKGATE_REGISTRATION_BASE_DELAY_MS: '20', DESKGATE_REGISTRATION_MAX_DELAY_MS: '100', DESKGATE_REGISTRATION_DEADLINE_MS: '60000' },
  });
  partner = await createPartner(app);
  customerId = await createCustomer(app, partner);
});
after(async () => {
  await app.close();
  await receiver.close();
});

const db = () => app.deskgate.database.db;

/**
 * Creates tickets one after another (their outbox rows are in this order)
 * while holding the dispatchers' lock, so that one hand-over then moves them
 * all, as happens under load; waits for that hand-over.
 */
async function submit(count: number): Promise<string[]> {
  const ids: string[] = [];
  const holder = await app.deskgate.database.pool.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_advisory_xact_lock(7482331902)');
    for (let i = 0; i < count; i += 1) {
      const res = await createTicket(app, partner, ticketForm({ customerId, summary: `Batch ${i}`, description: 'D' }));
      assert.equal(res.status, 202);
      ids.push(res.body.ticketId);
    }
  } finally {
    await holder.query('COMMIT');
    holder.release();
  }
  await eventually(async () => Number((await sql<{ n: string }>`SELECT count(*) AS n FROM job_outbox`.execute(db())).rows[0]!.n) === 0, 5_000, 'the hand-over');
  return ids;
}

/** graphile-worker's queued registration jobs (payloads and keys), oldest first. */
async function queuedRegistrations() {
  const { rows } = await sql<{ payload: unknown; key: string | null }>`
    SELECT j.payload, j.key FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id
    WHERE t.identifier = 'register_ticket' ORDER BY j.id`.execute(db());
  return rows;
}

const statusOf = async (id: string) => (await api(app, 'GET', `/api/v1/supportTickets/${id}/`, { token: partner.token })).body;

/** Each ticket's Ripio status body, once every one of them has `status`. */
const allSettledAs = (ids: string[], status: 'CREATED' | 'FAILED', what: string, timeoutMs = 10_000) =>
  eventually(async () => {
    const all = await Promise.all(ids.map(statusOf));
    return all.every((t) => t.status === status) ? all : null;
  }, timeoutMs, what);

test('registerMany answers each id in order: unknown and already settled tickets are not pending, a repeated id gets the same answer', async () => {
  const [a, b] = await submit(2);
  // Take the batch job away: this test registers the tickets itself.
  await sql`DELETE FROM graphile_worker._private_jobs`.execute(db());
  const outcomes = await app.deskgate.registration.registerMany([a!, randomUUID(), b!, a!]);
  assert.deepEqual(outcomes, [
    { status: 'fulfilled', value: 'created' },
    { status: 'fulfilled', value: 'not_pending' },
    { status: 'fulfilled', value: 'created' },
    { status: 'fulfilled', value: 'created' },
  ]);
  assert.deepEqual(await app.deskgate.registration.registerMany([a!]), [{ status: 'fulfilled', value: 'not_pending' }]);
  const cases = await db().selectFrom('builtin_cases').select('ticket_id').where('ticket_id', 'in', [a!, b!]).execute();
  assert.equal(cases.length, 2);
});

test('tickets created while no worker runs wait in one batch job, in creation order; a worker registers each once, with its own case', async () => {
  const ids = await submit(5);
  const queued = await queuedRegistrations();
  assert.deepEqual(queued, [{ payload: ids.map((ticketId) => ({ ticketId })), key: null }]);

  const endpoint = await registerEndpoint(app, partner, `${receiver.url}/hooks`);
  const worker = await app.deskgate.startWorker();
  try {
    const settled = await allSettledAs(ids, 'CREATED', 'the batch to settle');
    // One desk call for the five.
    assert.deepEqual(batchCalls.at(-1), ids);
    const keys = settled.map((t) => t.issueKey as string);
    assert.equal(new Set(keys).size, 5);
    const cases = await db().selectFrom('builtin_cases').select(['ticket_id', 'key']).where('ticket_id', 'in', ids).execute();
    assert.deepEqual(new Map(cases.map((c) => [c.ticket_id, c.key])), new Map(ids.map((id, i) => [id, keys[i]!])));

    // Each ticket's own event, signed, with its own issue key.
    const received = await receiver.waitForRequests(5, 10_000);
    const events = received.map((r) => JSON.parse(r.body) as { eventType: string; supportTicket: { ticketId: string; issueKey: string } });
    assert.ok(received.every((r) => verifiedWith(r, endpoint.secret)));
    assert.deepEqual(new Map(events.map((e) => [e.supportTicket.ticketId, e.supportTicket.issueKey])), new Map(ids.map((id, i) => [id, keys[i]!])));
    assert.ok(events.every((e) => e.eventType === 'SUPPORT_TICKET.CREATED'));
    await eventually(async () => (await queuedRegistrations()).length === 0, 5_000, 'the batch job to complete');
  } finally {
    await worker.stop();
    await api(app, 'DELETE', `/api/v1/webhooks/${endpoint.id}/`, { token: partner.token });
  }
});

test('a batch the desk refuses for now is retried ticket by ticket, each with its own backoff', async () => {
  batchFaults.push(new TransientDeskError('HTTP 503'));
  const ids = await submit(3);
  const worker = await app.deskgate.startWorker();
  try {
    await allSettledAs(ids, 'CREATED', 'the retries');
    const rows = await db().selectFrom('tickets').select(['id', 'registration_attempts', 'failure_reason']).where('id', 'in', ids).execute();
    assert.ok(rows.every((r) => r.registration_attempts === 1 && r.failure_reason === null));
    // The failed batch call, then one call per ticket from its own retry job.
    const calls = batchCalls.slice(-4);
    assert.deepEqual(calls[0], ids);
    assert.deepEqual(calls.slice(1).flat().sort(), [...ids].sort());
  } finally {
    await worker.stop();
  }
});

test('a batch the desk refuses for good fails every ticket in it, with the reason stored', async () => {
  batchFaults.push(new PermanentDeskError('HTTP 400 invalid request'));
  const ids = await submit(2);
  const worker = await app.deskgate.startWorker();
  try {
    const settled = await allSettledAs(ids, 'FAILED', 'the batch to fail');
    assert.deepEqual(settled, ids.map((ticketId) => ({ ticketId, status: 'FAILED', issueKey: null })));
    const rows = await db().selectFrom('tickets').select('failure_reason').where('id', 'in', ids).execute();
    assert.ok(rows.every((r) => /^Permanent desk error: .*HTTP 400 invalid request/.test(r.failure_reason!)));
  } finally {
    await worker.stop();
  }
});


test('a batch whose settlement fails in our database is run again by graphile-worker, and each ticket ends CREATED with one case', async () => {
  // The first settling statement fails (a sequence, so the count survives the rollback); the ones after it pass.
  await sql`CREATE SEQUENCE settle_faults`.execute(db());
  await sql`CREATE FUNCTION fail_first_settlement() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status <> 'PENDING' AND nextval('settle_faults') = 1 THEN RAISE EXCEPTION 'injected settlement failure'; END IF;
      RETURN NEW;
    END $$`.execute(db());
  await sql`CREATE TRIGGER fail_first_settlement BEFORE UPDATE ON tickets FOR EACH ROW EXECUTE FUNCTION fail_first_settlement()`.execute(db());
  try {
    const ids = await submit(3);
    const worker = await app.deskgate.startWorker();
    try {
      // graphile-worker's own backoff before the second run is a few seconds.
      await allSettledAs(ids, 'CREATED', 'the batch to run again', 20_000);
    } finally {
      await worker.stop();
    }
    const cases = await db().selectFrom('builtin_cases').select('ticket_id').where('ticket_id', 'in', ids).execute();
    assert.equal(cases.length, 3, 'the second run found the cases of the first');
    // The first statement failed on its first row; the second run settled the three.
    const { rows } = await sql<{ last_value: string }>`SELECT last_value FROM settle_faults`.execute(db());
    assert.equal(Number(rows[0]!.last_value), 4);
  } finally {
    await sql`DROP TRIGGER fail_first_settlement ON tickets`.execute(db());
    await sql`DROP FUNCTION fail_first_settlement()`.execute(db());
    await sql`DROP SEQUENCE settle_faults`.execute(db());
  }
});
