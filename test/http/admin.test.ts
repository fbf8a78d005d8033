import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { createCpnTicket, ticketBody } from '../support/cpn.js';
import { sampleFile } from '../support/files.js';
import { api } from '../support/http.js';
import { createCustomer, createPartner, createTicket, requestToken, ticketForm } from '../support/ripio.js';

let app: TestApp;
let adminKey: string;

before(async () => {
  app = await startTestApp();
  adminKey = (await app.deskgate.adminKeys.create('tests')).adminKey;
});
after(() => app.close());

const admin = (method: string, path: string, options: Parameters<typeof api>[3] = {}) => api(app, method, `/admin/v1${path}`, { token: adminKey, ...options });

test('operator keys are required: none, a wrong or revoked one, and partner credentials are all 401 in the admin format', async () => {
  assert.deepEqual((await api(app, 'GET', '/admin/v1/accounts')).body, {
    error: { code: 'not_authenticated', message: 'An operator key is required: Authorization: Bearer <admin key>.' },
  });
  const partner = await createPartner(app);
  const apiKey = (await app.deskgate.apiKeys.create(partner.accountId)).apiKey;
  const forged = adminKey.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  for (const token of [partner.token, apiKey, forged, 'dga_nope']) {
    const res = await api(app, 'GET', '/admin/v1/accounts', { token });
    assert.equal(res.status, 401, token);
    assert.deepEqual(res.body, { error: { code: 'authentication_failed', message: 'Invalid operator key.' } });
  }
  const revocable = await app.deskgate.adminKeys.create('short-lived');
  assert.equal((await api(app, 'GET', '/admin/v1/accounts', { token: revocable.adminKey })).status, 200);
  await app.deskgate.adminKeys.revoke(revocable.id);
  assert.equal((await api(app, 'GET', '/admin/v1/accounts', { token: revocable.adminKey })).status, 401);
  // Operator keys do not open partner endpoints either.
  assert.equal((await api(app, 'GET', '/api/v1/supportTickets/', { token: adminKey })).status, 401);
});

test('accounts: create, list, get, enable and disable support tickets; errors are {error: {code, message}}', async () => {
  const created = await admin('POST', '/accounts', { json: { name: 'Acme Payments' } });
  assert.equal(created.status, 201);
  assert.deepEqual(created.body, { ...created.body, name: 'Acme Payments', supportTicketsEnabled: false });
  const id = created.body.id;
  assert.ok((await admin('GET', '/accounts')).body.accounts.some((a: { id: string }) => a.id === id));
  assert.deepEqual((await admin('GET', `/accounts/${id}`)).body, created.body);
  assert.equal((await admin('PATCH', `/accounts/${id}`, { json: { supportTicketsEnabled: true } })).body.supportTicketsEnabled, true);
  assert.equal((await app.deskgate.accounts.get(id)).support_tickets_enabled, true);
  assert.equal((await admin('PATCH', `/accounts/${id}`, { json: { supportTicketsEnabled: false } })).body.supportTicketsEnabled, false);

  const missing = await admin('GET', `/accounts/${randomUUID()}`);
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'not_found');
  const invalid = await admin('POST', '/accounts', { json: { name: '' } });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.body.error.code, 'invalid_request');
  assert.match(invalid.body.error.message, /name/);
  assert.deepEqual((await admin('GET', '/nowhere')).body, { error: { code: 'not_found', message: 'No such admin endpoint.' } });
  assert.equal((await admin('PUT', '/accounts')).status, 405);
});

test('OAuth clients and API keys: created (secret shown once), listed without secrets, revoked', async () => {
  const account = (await admin('POST', '/accounts', { json: { name: 'Creds', supportTicketsEnabled: true } })).body;
  const client = await admin('POST', `/accounts/${account.id}/oauth-clients`, { json: { name: 'backend' } });
  assert.equal(client.status, 201);
  const token = await requestToken(app, client.body.clientId, client.body.clientSecret);
  assert.equal((await api(app, 'GET', '/api/v1/supportTickets/', { token })).status, 200);
  const clients = (await admin('GET', `/accounts/${account.id}/oauth-clients`)).body.oauthClients;
  assert.deepEqual(clients, [{ clientId: client.body.clientId, name: 'backend', createdAt: clients[0].createdAt, revokedAt: null }]);
  assert.equal((await admin('DELETE', `/oauth-clients/${client.body.clientId}`)).status, 204);
  assert.equal((await api(app, 'GET', '/api/v1/supportTickets/', { token })).status, 401);
  assert.equal((await admin('DELETE', `/oauth-clients/${client.body.clientId}`)).status, 404);

  const key = await admin('POST', `/accounts/${account.id}/api-keys`, { json: { live: true, name: 'prod' } });
  assert.equal(key.status, 201);
  assert.match(key.body.apiKey, /^LIVE_API_KEY:[0-9a-f]{32}:/);
  assert.equal((await api(app, 'GET', '/v1/cpn/supportTickets', { token: key.body.apiKey })).status, 200);
  const keys = (await admin('GET', `/api-keys?accountId=${account.id}`)).body.apiKeys;
  assert.deepEqual(keys, [{ id: key.body.id, accountId: account.id, environment: 'LIVE', name: 'prod', createdAt: key.body.createdAt, revokedAt: null }]);
  assert.equal((await admin('DELETE', `/api-keys/${key.body.id}`)).status, 204);
  assert.equal((await api(app, 'GET', '/v1/cpn/supportTickets', { token: key.body.apiKey })).status, 401);
  assert.equal((await admin('POST', `/accounts/${randomUUID()}/api-keys`, { json: {} })).status, 404);
});

test("customers: an account's customers, listed and one by one; another account's customer is a 404", async () => {
  const partner = await createPartner(app);
  const first = await createCustomer(app, partner, 'one@example.com');
  const second = await createCustomer(app, partner, null);
  const listed = (await admin('GET', `/accounts/${partner.accountId}/customers`)).body.customers;
  assert.deepEqual(
    listed.map((c: { id: string; email: string | null }) => [c.id, c.email]),
    [
      [first, 'one@example.com'],
      [second, null],
    ],
  );
  assert.equal((await admin('GET', `/accounts/${partner.accountId}/customers?limit=1&offset=1`)).body.customers[0].id, second);
  assert.equal((await admin('GET', `/accounts/${partner.accountId}/customers/${first}`)).body.email, 'one@example.com');
  const other = await createPartner(app);
  assert.equal((await admin('GET', `/accounts/${other.accountId}/customers/${first}`)).status, 404);
});

test('payments import (CSV and JSON Lines bodies) reports each line; CPN tickets can then refer to them', async () => {
  const account = (await admin('POST', '/accounts', { json: { name: 'Payer', supportTicketsEnabled: true } })).body;
  const [paid, pending] = [randomUUID(), randomUUID()];
  const csv = await admin('POST', `/accounts/${account.id}/payments/import`, {
    body: `id,status,amount,currency\n${paid},COMPLETED,10.50,USD\nnot-a-uuid,COMPLETED,1,USD\n`,
    headers: { 'content-type': 'text/csv' },
  });
  assert.equal(csv.status, 200);
  assert.equal(csv.body.accepted, 1);
  assert.equal(csv.body.rejected, 1);
  assert.deepEqual(csv.body.lines[0], { line: 2, id: paid, outcome: 'created' });
  assert.equal(csv.body.lines[1].line, 3);
  const jsonl = await admin('POST', `/accounts/${account.id}/payments/import`, { body: JSON.stringify({ id: pending, status: 'CREATED' }), headers: { 'content-type': 'application/x-ndjson' } });
  assert.deepEqual(jsonl.body, { accepted: 1, rejected: 0, lines: [{ line: 1, id: pending, outcome: 'created' }] });
  const badHeader = await admin('POST', `/accounts/${account.id}/payments/import`, { body: 'colour\nred\n', headers: { 'content-type': 'text/csv' } });
  assert.equal(badHeader.status, 400);
  assert.match(badHeader.body.error.message, /Unknown CSV column/);

  const apiKey = (await admin('POST', `/accounts/${account.id}/api-keys`, { json: {} })).body.apiKey;
  assert.equal((await createCpnTicket(app, { accountId: account.id, apiKey }, ticketBody(pending))).status, 201);
});

test('tickets: listed with filters; one ticket with its attachments and (for operators only) its failure reason; desk check', async () => {
  const partner = await createPartner(app);
  const customerId = await createCustomer(app, partner);
  const created = await createTicket(
    app,
    partner,
    ticketForm({ customerId, summary: 'With a file', description: 'See attached.' }, [{ name: 'shot.png', bytes: sampleFile('png', 2048) }]),
  );
  const ticketId = created.body.ticketId;
  await eventually(async () => (await app.deskgate.tickets.get(partner.accountId, ticketId)).status === 'CREATED');
  const failed = await createTicket(app, partner, ticketForm({ customerId, summary: 'Doomed', description: 'Will fail.' }));
  await app.deskgate.database.db.updateTable('tickets').set({ status: 'FAILED', failure_reason: 'desk said 400: bad requester' }).where('id', '=', failed.body.ticketId).execute();

  const all = (await admin('GET', `/accounts/${partner.accountId}/tickets`)).body;
  assert.equal(all.count, 2);
  assert.deepEqual(
    all.tickets.map((t: { id: string }) => t.id),
    [failed.body.ticketId, ticketId],
  );
  const onlyFailed = (await admin('GET', `/accounts/${partner.accountId}/tickets?status=FAILED`)).body;
  assert.deepEqual([onlyFailed.count, onlyFailed.tickets[0].id], [1, failed.body.ticketId]);
  assert.equal((await admin('GET', `/accounts/${partner.accountId}/tickets?status=NOPE`)).status, 400);

  const shown = (await admin('GET', `/tickets/${ticketId}`)).body;
  assert.equal(shown.status, 'CREATED');
  assert.match(shown.deskReference, /^SUP-\d+$/);
  assert.deepEqual(
    shown.attachments.map((a: { filename: string; contentType: string; sizeBytes: number }) => [a.filename, a.contentType, a.sizeBytes]),
    [['shot.png', 'image/png', 2048]],
  );
  assert.equal((await admin('GET', `/tickets/${failed.body.ticketId}`)).body.failureReason, 'desk said 400: bad requester');
  assert.equal((await admin('GET', `/tickets/${randomUUID()}`)).status, 404);

  const desk = await admin('GET', '/desk/check');
  assert.equal(desk.status, 200);
  assert.equal(desk.body.ok, true);
  assert.ok(desk.body.lines.length > 0);
});
