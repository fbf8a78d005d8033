import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../../support/app.js';
import { api, createPartner, type Partner } from '../../support/ripio.js';

let app: TestApp;
let partner: Partner;
let stranger: Partner;

const CUSTOMER_NOT_FOUND = { code: 40016, type: 'CustomerNotFoundException', detail: { message: 'Customer not found.' }, status: 404 };

before(async () => {
  app = await startTestApp({ worker: false });
  partner = await createPartner(app);
  stranger = await createPartner(app, { name: 'Stranger' });
});
after(() => app.close());

test('create, read and update a customer; email is optional', async () => {
  const created = await api(app, 'POST', '/api/v1/customers/', { token: partner.token, json: { email: 'ana@example.com', type: 'INDIVIDUAL' } });
  assert.equal(created.status, 201);
  assert.deepEqual(Object.keys(created.body).sort(), ['createdAt', 'customerId', 'email', 'type']);
  assert.equal(created.body.email, 'ana@example.com');
  assert.ok(!Number.isNaN(Date.parse(created.body.createdAt)));

  const read = await api(app, 'GET', `/api/v1/customers/${created.body.customerId}/`, { token: partner.token });
  assert.deepEqual(read.body, created.body);

  const noEmail = await api(app, 'POST', '/api/v1/customers/', { token: partner.token, json: { type: 'BUSINESS' } });
  assert.equal(noEmail.status, 201);
  assert.equal(noEmail.body.email, null);

  const patched = await api(app, 'PATCH', `/api/v1/customers/${noEmail.body.customerId}`, { token: partner.token, json: { email: 'biz@example.com' } });
  assert.equal(patched.status, 200);
  assert.equal(patched.body.email, 'biz@example.com');
});

test('bad customer input is a 400 ValidationError with field messages', async () => {
  const res = await api(app, 'POST', '/api/v1/customers/', { token: partner.token, json: { email: 'not-an-email', type: 'ROBOT' } });
  assert.equal(res.status, 400);
  assert.equal(res.body.code, 20000);
  assert.equal(res.body.type, 'ValidationError');
  assert.deepEqual(res.body.detail.email, ['Enter a valid email address.']);
  assert.deepEqual(res.body.detail.type, ['"ROBOT" is not a valid choice.']);

  const missing = await api(app, 'POST', '/api/v1/customers/', { token: partner.token, json: {} });
  assert.deepEqual(missing.body.detail, { type: ['This field is required.'] });
});

test("another account's customer, an unknown id and a malformed id are all 404 CustomerNotFoundException", async () => {
  const mine = await api(app, 'POST', '/api/v1/customers/', { token: partner.token, json: { email: 'x@example.com', type: 'INDIVIDUAL' } });
  for (const id of [mine.body.customerId, randomUUID(), 'not-a-uuid']) {
    const read = await api(app, 'GET', `/api/v1/customers/${id}/`, { token: stranger.token });
    assert.equal(read.status, 404);
    assert.deepEqual(read.body, CUSTOMER_NOT_FOUND);
    const patch = await api(app, 'PATCH', `/api/v1/customers/${id}/`, { token: stranger.token, json: { email: 'evil@example.com' } });
    assert.equal(patch.status, 404);
  }
  const unchanged = await api(app, 'GET', `/api/v1/customers/${mine.body.customerId}/`, { token: partner.token });
  assert.equal(unchanged.body.email, 'x@example.com');
});

test('customers need no support-ticket enablement, but do need a token', async () => {
  const disabled = await createPartner(app, { enabled: false, name: 'Disabled' });
  assert.equal((await api(app, 'POST', '/api/v1/customers/', { token: disabled.token, json: { type: 'INDIVIDUAL' } })).status, 201);
  assert.equal((await api(app, 'POST', '/api/v1/customers/', { json: { type: 'INDIVIDUAL' } })).status, 401);
});
