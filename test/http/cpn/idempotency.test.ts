import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { fingerprint } from '../../../src/services/idempotency.js';
import { eventually, startTestApp, type TestApp } from '../../support/app.js';
import { countTickets, createCpnPartner, createCpnTicket, importPayment, ticketBody, type CpnPartner } from '../../support/cpn.js';

let app: TestApp;
let partner: CpnPartner;
let paymentId: string;
const CONFLICT = { code: 290001, message: 'A request with this idempotency key has already been processed.' };

before(async () => {
  app = await startTestApp({ worker: false });
  partner = await createCpnPartner(app);
  paymentId = await importPayment(app, partner);
});
after(() => app.close());

test('the same key with the same body replays the original status and body exactly (key order does not matter)', async () => {
  const body = ticketBody(paymentId);
  const first = await createCpnTicket(app, partner, body);
  assert.equal(first.status, 201);
  const reordered = Object.fromEntries(Object.entries(body).reverse());
  const again = await createCpnTicket(app, partner, reordered);
  assert.equal(again.status, 201);
  assert.deepEqual(again.body, first.body);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  const tickets = await app.deskgate.database.db.selectFrom('tickets').select('id').where('id', '=', first.body.data.id).execute();
  assert.equal(tickets.length, 1);
});

test('the same key with a different body is a 409 (and stores nothing)', async () => {
  const body = ticketBody(paymentId);
  assert.equal((await createCpnTicket(app, partner, body)).status, 201);
  const before = await countTickets(app);
  for (const change of [{ description: 'Another text.' }, { ccEmails: [] }, { issueType: 'OTHER' }]) {
    const res = await createCpnTicket(app, partner, { ...body, ...change });
    assert.deepEqual([res.status, res.body], [409, CONFLICT], JSON.stringify(change));
  }
  assert.equal(await countTickets(app), before);
});

test('keys are scoped per account: another account may use the same key', async () => {
  const body = ticketBody(paymentId);
  assert.equal((await createCpnTicket(app, partner, body)).status, 201);
  const other = await createCpnPartner(app);
  await importPayment(app, other, paymentId);
  const res = await createCpnTicket(app, other, body);
  assert.equal(res.status, 201);
});

test('20 concurrent identical requests create exactly one ticket; every answer is that 201 or the 409', async () => {
  const body = ticketBody(paymentId);
  const before = await countTickets(app);
  const responses = await Promise.all(Array.from({ length: 20 }, () => createCpnTicket(app, partner, body)));
  assert.equal(await countTickets(app), before + 1);
  const created = responses.filter((r) => r.status === 201);
  assert.ok(created.length >= 1, 'at least the first request succeeds');
  for (const res of created) assert.deepEqual(res.body, created[0]!.body);
  for (const res of responses.filter((r) => r.status !== 201)) assert.deepEqual([res.status, res.body], [409, CONFLICT]);
  // Once the first has finished, the key replays it.
  const later = await createCpnTicket(app, partner, body);
  assert.deepEqual([later.status, later.body], [201, created[0]!.body]);
});

test('concurrent replays of a completed key all replay it (a replay never waits for, nor conflicts with, another)', async () => {
  const body = ticketBody(paymentId);
  const first = await createCpnTicket(app, partner, body);
  assert.equal(first.status, 201);
  const replays = await Promise.all(Array.from({ length: 20 }, () => createCpnTicket(app, partner, body)));
  for (const res of replays) assert.deepEqual([res.status, res.body], [201, first.body]);
});

test('a duplicate that commits while the create runs is seen: the create asks again and replays it, storing nothing', async () => {
  const body = ticketBody(paymentId);
  const key = String(body.idempotencyKey);
  // What the other request answered: a real ticket's 201 body.
  const stored = (await createCpnTicket(app, partner, ticketBody(paymentId))).body;
  const print = fingerprint({ paymentId, issueType: body.issueType, description: body.description, email: body.email, ccEmails: body.ccEmails });
  const other = new pg.Client({ connectionString: app.databaseUrl });
  await other.connect();
  try {
    // The other request's key, written but not yet committed: our statement's key insert waits on it, then conflicts.
    await other.query('BEGIN');
    await other.query(
      `INSERT INTO idempotency_keys (account_id, scope, key, state, fingerprint, response_status, response_body) VALUES ($1, 'cpn.supportTickets.create', $2, 'done', $3, 201, $4)`,
      [partner.accountId, key, print, JSON.stringify(stored)],
    );
    const before = await countTickets(app);
    const pending = createCpnTicket(app, partner, body);
    await eventually(async () => {
      const { rows } = await other.query(`SELECT 1 FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'`);
      return rows.length > 0;
    }, 5_000, 'the create to wait on the other request');
    await other.query('COMMIT');
    const res = await pending;
    assert.deepEqual([res.status, res.body], [201, stored]);
    assert.equal(res.headers.get('idempotent-replayed'), 'true');
    assert.equal(await countTickets(app), before);
  } finally {
    await other.end();
  }
});

test('a key left in flight by a request that died is taken over once stale; an expired key is a fresh key', async () => {
  const keys = () => app.deskgate.database.db.updateTable('idempotency_keys').where('account_id', '=', partner.accountId);
  // A request that claimed its key and died: 409 while recent, taken over once older than DESKGATE_IDEMPOTENCY_STALE_MS (10 min).
  const orphan = ticketBody(paymentId);
  await app.deskgate.database.db
    .insertInto('idempotency_keys')
    .values({ account_id: partner.accountId, scope: 'cpn.supportTickets.create', key: String(orphan.idempotencyKey), state: 'in_flight' })
    .execute();
  assert.deepEqual((await createCpnTicket(app, partner, orphan)).body, CONFLICT);
  await keys().set({ locked_at: new Date(Date.now() - 11 * 60_000) }).where('key', '=', String(orphan.idempotencyKey)).execute();
  const taken = await createCpnTicket(app, partner, orphan);
  assert.equal(taken.status, 201);
  assert.deepEqual((await createCpnTicket(app, partner, orphan)).body, taken.body, 'and it replays from then on');

  // Past DESKGATE_IDEMPOTENCY_TTL_MS (48 h) a key no longer replays nor conflicts: a different request with it creates a ticket.
  const old = ticketBody(paymentId);
  const first = await createCpnTicket(app, partner, old);
  await sql`UPDATE idempotency_keys SET created_at = now() - interval '49 hours' WHERE key = ${String(old.idempotencyKey)}`.execute(app.deskgate.database.db);
  const reused = await createCpnTicket(app, partner, { ...old, description: 'A new problem, an old key.' });
  assert.equal(reused.status, 201);
  assert.notEqual(reused.body.data.id, first.body.data.id);
  assert.equal(reused.body.data.description, 'A new problem, an old key.');
});
