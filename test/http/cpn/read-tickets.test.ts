import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eventually, startTestApp, type TestApp } from '../../support/app.js';
import { createCpnPartner, createCpnTicket, importPayment, ticketBody, type CpnPartner } from '../../support/cpn.js';
import { api } from '../../support/http.js';

let app: TestApp;
let partner: CpnPartner;
let paymentId: string;

before(async () => {
  app = await startTestApp();
  partner = await createCpnPartner(app);
  paymentId = await importPayment(app, partner);
});
after(() => app.close());

const list = (who: CpnPartner, query = '') => api(app, 'GET', `/v1/cpn/supportTickets${query}`, { token: who.apiKey });

test('a created ticket is registered with the desk: GET shows status CREATED and caseRefId SUP-n; the case has email and ccEmails', async () => {
  const created = await createCpnTicket(app, partner, ticketBody(paymentId));
  assert.equal(created.status, 201);
  const { id } = created.body.data;

  const registered = await eventually(async () => {
    const res = await api(app, 'GET', `/v1/cpn/supportTickets/${id}`, { token: partner.apiKey });
    return res.body.data?.status === 'CREATED' ? res : null;
  });
  assert.equal(registered.status, 200);
  assert.match(registered.body.data.caseRefId, /^SUP-\d+$/);
  const { caseRefId, status, ...rest } = registered.body.data;
  const { caseRefId: _pending, ...createdRest } = created.body.data;
  assert.equal(status, 'CREATED');
  assert.deepEqual(rest, createdRest);

  const deskCase = await app.deskgate.database.db.selectFrom('builtin_cases').selectAll().where('ticket_id', '=', id).executeTakeFirstOrThrow();
  assert.equal(deskCase.key, caseRefId);
  assert.equal(deskCase.requester_email, 'help@ofi.com');
  assert.deepEqual(deskCase.cc_emails, ['ccsupport01@example.com', 'ccsupport02@example.com']);
  assert.equal(deskCase.description, 'The payment has not settled after two days.');
  assert.equal(deskCase.summary, `PAYMENT_SETTLEMENT_DELAY - payment ${paymentId}`);
});

test("another account's ticket is a 404 and never listed; a malformed id is a 400", async () => {
  const other = await createCpnPartner(app);
  const otherPayment = await importPayment(app, other);
  const theirs = await createCpnTicket(app, other, ticketBody(otherPayment));
  assert.equal(theirs.status, 201);

  const res = await api(app, 'GET', `/v1/cpn/supportTickets/${theirs.body.data.id}`, { token: partner.apiKey });
  assert.deepEqual([res.status, res.body], [404, { code: 404, message: 'Support ticket not found.' }]);
  const unknown = await api(app, 'GET', `/v1/cpn/supportTickets/${randomUUID()}`, { token: partner.apiKey });
  assert.equal(unknown.status, 404);
  const mine = await list(partner);
  assert.ok(mine.body.data.every((t: { id: string }) => t.id !== theirs.body.data.id));
  const filtered = await list(partner, `?paymentId=${otherPayment}`);
  assert.deepEqual(filtered.body, { data: [] });
  const theirList = await list(other);
  assert.deepEqual(theirList.body.data.map((t: { id: string }) => t.id), [theirs.body.data.id]);

  const malformed = await api(app, 'GET', '/v1/cpn/supportTickets/not-a-uuid', { token: partner.apiKey });
  assert.deepEqual([malformed.status, malformed.body], [
    400,
    { code: 2, message: 'Invalid request.', errors: [{ error: 'MISSING_OR_INVALID_FIELD', location: 'id', message: 'Must be a valid UUID.' }] },
  ]);
});

test('list: newest first, paymentId filter, pageSize, pageAfter (older) and pageBefore (newer)', async () => {
  const pager = await createCpnPartner(app);
  const payment = await importPayment(app, pager);
  const otherPayment = await importPayment(app, pager);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const res = await createCpnTicket(app, pager, ticketBody(payment, { description: `ticket ${i}` }));
    ids.push(res.body.data.id);
  }
  const elsewhere = (await createCpnTicket(app, pager, ticketBody(otherPayment))).body.data.id as string;
  const newestFirst = [...ids].reverse();
  const idsOf = (res: { body: { data: { id: string }[] } }) => res.body.data.map((t) => t.id);

  assert.deepEqual(idsOf(await list(pager)), [elsewhere, ...newestFirst]);
  assert.deepEqual(idsOf(await list(pager, `?paymentId=${payment}`)), newestFirst);
  const all = await list(pager, `?paymentId=${payment}`);
  assert.ok(all.body.data.every((t: { status: string; paymentId: string }) => t.paymentId === payment && typeof t.status === 'string'));

  const first = await list(pager, `?paymentId=${payment}&pageSize=2`);
  assert.deepEqual(idsOf(first), newestFirst.slice(0, 2));
  const second = await list(pager, `?paymentId=${payment}&pageSize=2&pageAfter=${newestFirst[1]}`);
  assert.deepEqual(idsOf(second), newestFirst.slice(2, 4));
  const last = await list(pager, `?paymentId=${payment}&pageSize=2&pageAfter=${newestFirst[3]}`);
  assert.deepEqual(idsOf(last), newestFirst.slice(4));
  const back = await list(pager, `?paymentId=${payment}&pageSize=2&pageBefore=${newestFirst[4]}`);
  assert.deepEqual(idsOf(back), newestFirst.slice(2, 4));
  const top = await list(pager, `?paymentId=${payment}&pageSize=2&pageBefore=${newestFirst[1]}`);
  assert.deepEqual(idsOf(top), newestFirst.slice(0, 1));

  // As in Circle's collections, a pageSize above the limit (100) uses the limit.
  assert.deepEqual(idsOf(await list(pager, '?pageSize=500')), [elsewhere, ...newestFirst]);
  // A cursor that is not one of the account's tickets gives an empty page.
  assert.deepEqual((await list(pager, `?pageAfter=${randomUUID()}`)).body, { data: [] });
});

test('list: bad paging parameters are 400s in the CPN format', async () => {
  const invalid = (location: string, message: string) => ({ code: 2, message: 'Invalid request.', errors: [{ error: 'MISSING_OR_INVALID_FIELD', location, message }] });
  const cases: [string, unknown][] = [
    [`?pageAfter=${randomUUID()}&pageBefore=${randomUUID()}`, invalid('pageBefore', 'Use pageAfter or pageBefore, not both.')],
    ['?pageSize=0', invalid('pageSize', 'Ensure this value is greater than or equal to 1.')],
    ['?pageSize=ten', invalid('pageSize', 'Must be of type integer.')],
    ['?pageAfter=abc', invalid('pageAfter', 'Must be a valid UUID.')],
    ['?paymentId=abc', invalid('paymentId', 'Must be a valid UUID.')],
  ];
  for (const [query, expected] of cases) {
    const res = await list(partner, query);
    assert.deepEqual([res.status, res.body], [400, expected], query);
  }
});
