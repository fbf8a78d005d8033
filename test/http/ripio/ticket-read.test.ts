import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../../support/app.js';
import { api, createCustomer, createPartner, createTicket, ticketForm, type Partner } from '../../support/ripio.js';

let app: TestApp;
let partner: Partner;
let stranger: Partner;
const NOT_FOUND = { code: 40017, type: 'SupportTicketNotFoundException', detail: { message: 'Support ticket not found.' }, status: 404 };

before(async () => {
  app = await startTestApp({ worker: false });
  partner = await createPartner(app);
  stranger = await createPartner(app, { name: 'Stranger' });
});
after(() => app.close());

async function newTicket(who: Partner, customerId: string, summary = 'Help') {
  const res = await createTicket(app, who, ticketForm({ customerId, summary, description: 'Details' }));
  assert.equal(res.status, 202);
  return res.body.ticketId as string;
}

test('retrieve returns exactly {ticketId, status, issueKey}', async () => {
  const customerId = await createCustomer(app, partner);
  const id = await newTicket(partner, customerId);
  const res = await api(app, 'GET', `/api/v1/supportTickets/${id}/`, { token: partner.token });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { ticketId: id, status: 'PENDING', issueKey: null });
  const noSlash = await api(app, 'GET', `/api/v1/supportTickets/${id}`, { token: partner.token });
  assert.deepEqual(noSlash.body, res.body);
});

test("another account's ticket, an unknown id and a malformed id are all 404 40017", async () => {
  const customerId = await createCustomer(app, partner);
  const id = await newTicket(partner, customerId);
  for (const [who, ticketId] of [
    [stranger, id],
    [partner, randomUUID()],
    [partner, 'not-a-uuid'],
    [partner, `${id}x`],
  ] as const) {
    const res = await api(app, 'GET', `/api/v1/supportTickets/${ticketId}/`, { token: who.token });
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, NOT_FOUND);
  }
});

test('retrieve and list are behind the feature gate (403 20061) and need a token (401)', async () => {
  const disabled = await createPartner(app, { enabled: false, name: 'Disabled' });
  for (const path of ['/api/v1/supportTickets/', `/api/v1/supportTickets/${randomUUID()}/`]) {
    assert.equal((await api(app, 'GET', path, { token: disabled.token })).body.code, 20061);
    assert.equal((await api(app, 'GET', path)).status, 401);
  }
});

test('list: newest first, limit/offset paging with next/previous, filters, isolation', async () => {
  const lister = await createPartner(app, { name: 'Lister' });
  const alice = await createCustomer(app, lister, 'alice@example.com');
  const bob = await createCustomer(app, lister, 'bob@example.com');
  const ids: string[] = [];
  for (let i = 0; i < 5; i += 1) ids.push(await newTicket(lister, i % 2 === 0 ? alice : bob, `ticket ${i}`));
  await newTicket(stranger, await createCustomer(app, stranger), 'not yours');

  const all = await api(app, 'GET', '/api/v1/supportTickets/', { token: lister.token });
  assert.equal(all.status, 200);
  assert.equal(all.body.count, 5);
  assert.deepEqual(all.body.supportTickets.map((t: any) => t.ticketId), [...ids].reverse());
  assert.deepEqual(Object.keys(all.body.supportTickets[0]).sort(), ['createdAt', 'customerId', 'issueKey', 'status', 'summary', 'ticketId', 'updatedAt']);
  assert.equal(all.body.next, null);
  assert.equal(all.body.previous, null);

  const page = await api(app, 'GET', '/api/v1/supportTickets/?limit=2&offset=2', { token: lister.token });
  assert.deepEqual(page.body.supportTickets.map((t: any) => t.summary), ['ticket 2', 'ticket 1']);
  const next = new URL(page.body.next);
  assert.equal(next.pathname, '/api/v1/supportTickets/');
  assert.equal(next.searchParams.get('limit'), '2');
  assert.equal(next.searchParams.get('offset'), '4');
  assert.equal(new URL(page.body.previous).searchParams.get('offset'), null, 'previous of offset 2 is the first page');
  const followed = await api(app, 'GET', next.pathname + next.search, { token: lister.token });
  assert.deepEqual(followed.body.supportTickets.map((t: any) => t.summary), ['ticket 0']);

  const bobs = await api(app, 'GET', `/api/v1/supportTickets/?customerId=${bob}`, { token: lister.token });
  assert.equal(bobs.body.count, 2);
  const created = await api(app, 'GET', '/api/v1/supportTickets/?status=CREATED', { token: lister.token });
  assert.equal(created.body.count, 0);
  const pending = await api(app, 'GET', '/api/v1/supportTickets/?status=PENDING', { token: lister.token });
  assert.equal(pending.body.count, 5);
});

test('list parameters are validated: limit 1..1000, offset ≥ 0, status and customerId formats', async () => {
  const bad = await api(app, 'GET', '/api/v1/supportTickets/?limit=1001&offset=-1&status=DONE&customerId=x', { token: partner.token });
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 20000);
  assert.deepEqual(Object.keys(bad.body.detail).sort(), ['customerId', 'limit', 'offset', 'status']);
  assert.equal((await api(app, 'GET', '/api/v1/supportTickets/?limit=1000', { token: partner.token })).status, 200);
});
