import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, startTestApp, type TestApp } from '../../support/app.js';
import { sampleFile } from '../../support/files.js';
import { api } from '../../support/http.js';
import { createCustomer, createPartner, createTicket, ticketForm, type Partner } from '../../support/ripio.js';

let app: TestApp;
let partner: Partner;

before(async () => {
  app = await startTestApp();
  partner = await createPartner(app);
});
after(() => app.close());

test('a ticket with a PNG and a PDF is accepted as PENDING, then registered as CREATED with a SUP-n issueKey', async () => {
  const customerId = await createCustomer(app, partner);
  const form = ticketForm({ customerId, summary: 'Card payment missing', description: 'The payment of 10 USD did not arrive.' }, [
    { name: 'screen.PNG', bytes: sampleFile('png', 4096) },
    { name: 'receipt.pdf', bytes: sampleFile('pdf', 2048) },
  ]);
  const created = await createTicket(app, partner, form);
  assert.equal(created.status, 202);
  assert.deepEqual(Object.keys(created.body).sort(), ['issueKey', 'status', 'ticketId']);
  assert.equal(created.body.status, 'PENDING');
  assert.equal(created.body.issueKey, null);

  const registered = await eventually(async () => {
    const res = await api(app, 'GET', `/api/v1/supportTickets/${created.body.ticketId}/`, { token: partner.token });
    return res.body.status === 'CREATED' ? res : null;
  });
  assert.equal(registered.status, 200);
  assert.match(registered.body.issueKey, /^SUP-\d+$/);
  assert.deepEqual(Object.keys(registered.body).sort(), ['issueKey', 'status', 'ticketId']);

  const cases = await app.deskgate.database.db.selectFrom('builtin_cases').selectAll().execute();
  assert.equal(cases.length, 1);
  assert.equal(cases[0]!.key, registered.body.issueKey);
  assert.equal(cases[0]!.requester_email, 'customer@example.com');
  assert.equal((cases[0]!.attachments as unknown[]).length, 2);
});
