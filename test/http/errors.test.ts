import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../support/app.js';
import { api, createPartner } from '../support/ripio.js';

let app: TestApp;
before(async () => {
  app = await startTestApp({ worker: false });
});
after(() => app.close());

test('unknown routes are 404 and unknown methods 405 (with Allow), in the Ripio error format', async () => {
  const missing = await api(app, 'GET', '/api/v1/nothing-here/');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { code: 40400, type: 'NotFound', detail: { message: 'Not found.' }, status: 404 });

  const wrongMethod = await api(app, 'DELETE', '/api/v1/supportTickets/');
  assert.equal(wrongMethod.status, 405);
  assert.deepEqual(wrongMethod.body, { code: 40500, type: 'MethodNotAllowed', detail: { message: 'Method "DELETE" not allowed.' }, status: 405 });
  assert.equal(wrongMethod.headers.get('allow'), 'GET, POST');
});

test('every response carries X-Request-Id: the caller’s when sane, else a fresh uuid', async () => {
  const echoed = await api(app, 'GET', '/healthz', { headers: { 'x-request-id': 'abc-123' } });
  assert.equal(echoed.headers.get('x-request-id'), 'abc-123');
  const fresh = await api(app, 'GET', '/api/v1/nope', { headers: { 'x-request-id': 'bad id with spaces' } });
  assert.match(fresh.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
});

test('health and readiness', async () => {
  assert.deepEqual((await api(app, 'GET', '/healthz')).body, { status: 'ok' });
  const ready = await api(app, 'GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.deepEqual(ready.body, { status: 'ready', checks: { database: true, migrations: true, storage: true } });
});

test('an unexpected failure is a bare 500 ServerError with no internals', async () => {
  const partner = await createPartner(app);
  // Break the database underneath the running server: the next query fails in an unplanned way.
  await app.deskgate.database.db.schema.alterTable('customers').renameTo('customers_gone').execute();
  try {
    const res = await api(app, 'POST', '/api/v1/customers/', { token: partner.token, json: { type: 'INDIVIDUAL' } });
    assert.equal(res.status, 500);
    assert.deepEqual(res.body, { code: 50000, type: 'ServerError', detail: { message: 'A server error occurred.' }, status: 500 });
  } finally {
    await app.deskgate.database.db.schema.alterTable('customers_gone').renameTo('customers').execute();
  }
});
