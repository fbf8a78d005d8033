import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { backoffDelayMs } from '../../src/services/registration.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { api, createCustomer, createPartner, createTicket, ticketForm, type Partner } from '../support/ripio.js';
import { scriptedDesk } from '../support/scripted-desk.js';

const desk = scriptedDesk();
let app: TestApp;
let partner: Partner;
let customerId: string;

before(async () => {
  app = await startTestApp({
    desk: desk.factory,
    env: { DESKGATE_REGISTRATION_BASE_DELAY_MS: '20', DESKGATE_REGISTRATION_MAX_DELAY_MS: '100', DESKGATE_REGISTRATION_DEADLINE_MS: '3000' },
  });
  partner = await createPartner(app);
  customerId = await createCustomer(app, partner);
});
after(() => app.close());

async function submit(): Promise<string> {
  const res = await createTicket(app, partner, ticketForm({ customerId, summary: 'S', description: 'D' }));
  assert.equal(res.status, 202);
  return res.body.ticketId;
}

const settled = (id: string) =>
  eventually(async () => {
    const res = await api(app, 'GET', `/api/v1/supportTickets/${id}/`, { token: partner.token });
    return res.body.status !== 'PENDING' ? res.body : null;
  }, 10_000, `ticket ${id} to settle`);

const row = (id: string) => app.deskgate.database.db.selectFrom('tickets').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

test('transient desk errors are retried with backoff until the desk answers: CREATED, one case', async () => {
  desk.faults.push({ transient: 'HTTP 503' }, { transient: 'socket hang up' }, { transient: 'HTTP 429', retryAfterMs: 300 });
  const id = await submit();
  const result = await settled(id);
  assert.equal(result.status, 'CREATED');
  assert.match(result.issueKey, /^SUP-\d+$/);
  const calls = desk.calls.filter((c) => c.ticketId === id);
  assert.equal(calls.length, 4);
  assert.ok(calls[3]!.at - calls[2]!.at >= 290, 'Retry-After was honoured');
  const ticket = await row(id);
  assert.equal(ticket.registration_attempts, 3);
  assert.equal(ticket.failure_reason, null);
  const cases = await app.deskgate.database.db.selectFrom('builtin_cases').selectAll().where('ticket_id', '=', id).execute();
  assert.equal(cases.length, 1);
});

test('a permanent desk error fails the ticket at once; the reason is stored for operators, not shown to partners', async () => {
  desk.faults.push({ permanent: 'HTTP 400 {"errorMessage":"Field summary is required"}' });
  const id = await submit();
  const result = await settled(id);
  assert.deepEqual(result, { ticketId: id, status: 'FAILED', issueKey: null });
  assert.equal(desk.calls.filter((c) => c.ticketId === id).length, 1);
  assert.match((await row(id)).failure_reason!, /Permanent desk error: .*Field summary is required/);
});

test('transient errors past the deadline fail the ticket with the last error', async () => {
  for (let i = 0; i < 500; i += 1) desk.faults.push({ transient: 'HTTP 502 bad gateway' });
  const id = await submit();
  const result = await settled(id);
  desk.faults.length = 0;
  assert.equal(result.status, 'FAILED');
  const ticket = await row(id);
  assert.match(ticket.failure_reason!, /^Gave up after \d+ attempts \(deadline 3 s\): TransientDeskError: HTTP 502 bad gateway/);
  assert.ok(ticket.updated_at.getTime() - ticket.created_at.getTime() <= 3_500);
});

test('registering the same ticket twice at once opens one case and settles once', async () => {
  const id = await submit();
  await settled(id);
  const again = await Promise.all([app.deskgate.registration.register(id), app.deskgate.registration.register(id)]);
  assert.deepEqual(again, ['not_pending', 'not_pending']);
  const cases = await app.deskgate.database.db.selectFrom('builtin_cases').select('key').where('ticket_id', '=', id).execute();
  assert.equal(cases.length, 1);
});

test('backoff grows exponentially with jitter and never undercuts Retry-After', () => {
  const policy = { baseDelayMs: 1000, maxDelayMs: 60_000, deadlineMs: 86_400_000, deskTimeoutMs: 30_000 };
  assert.equal(backoffDelayMs(1, policy, null, () => 0.5), 1000);
  assert.equal(backoffDelayMs(4, policy, null, () => 0.5), 8000);
  assert.equal(backoffDelayMs(4, policy, null, () => 0), 4000);
  assert.equal(backoffDelayMs(4, policy, null, () => 0.999), 11_992);
  assert.equal(backoffDelayMs(30, policy, null, () => 0.5), 60_000);
  assert.equal(backoffDelayMs(1, policy, 45_000, () => 0.5), 45_000);
});
