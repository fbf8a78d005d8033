import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../../support/app.js';
import { sampleFile } from '../../support/files.js';
import { multipartPieces, streamUpload } from '../../support/raw-upload.js';
import { createCustomer, createPartner, createTicket, ticketForm, type Partner } from '../../support/ripio.js';

let app: TestApp;
let partner: Partner;
let customerId: string;
const png = sampleFile('png', 5000);

before(async () => {
  app = await startTestApp({ worker: false });
  partner = await createPartner(app);
  customerId = await createCustomer(app, partner);
});
after(() => app.close());

const countTickets = async () => (await app.deskgate.database.db.selectFrom('tickets').select('id').execute()).length;
const form = (summary = 'Same') => ticketForm({ customerId, summary, description: 'Body' }, [{ name: 'a.png', bytes: png }]);

test('same key + same request → the same 202 again and one ticket; a different request → 422', async () => {
  const before = await countTickets();
  const headers = { 'idempotency-key': 'key-1' };
  const first = await createTicket(app, partner, form(), headers);
  const again = await createTicket(app, partner, form(), headers);
  assert.equal(first.status, 202);
  assert.equal(again.status, 202);
  assert.deepEqual(again.body, first.body);
  assert.equal(again.headers.get('idempotent-replayed'), 'true');
  assert.equal(await countTickets(), before + 1);

  const different = await createTicket(app, partner, form('Other summary'), headers);
  assert.equal(different.status, 422);
  assert.deepEqual(different.body, {
    code: 20003,
    type: 'IdempotencyKeyReused',
    detail: { message: 'This Idempotency-Key was already used with a different request.' },
    status: 422,
  });
  const otherFile = await createTicket(app, partner, ticketForm({ customerId, summary: 'Same', description: 'Body' }, [{ name: 'a.png', bytes: sampleFile('png', 5000) }]), headers);
  assert.equal(otherFile.status, 422, 'different attachment bytes are a different request');
  assert.equal(await countTickets(), before + 1);
});

test('keys are scoped per account', async () => {
  const other = await createPartner(app, { name: 'Other' });
  const otherCustomer = await createCustomer(app, other);
  const mine = await createTicket(app, partner, form(), { 'idempotency-key': 'shared' });
  const theirs = await createTicket(app, other, ticketForm({ customerId: otherCustomer, summary: 'Same', description: 'Body' }), { 'idempotency-key': 'shared' });
  assert.equal(mine.status, 202);
  assert.equal(theirs.status, 202);
  assert.notEqual(mine.body.ticketId, theirs.body.ticketId);
});

test('a rejected request does not burn its key: fixing the request and retrying with the key works', async () => {
  const headers = { 'idempotency-key': 'fix-me' };
  const rejected = await createTicket(app, partner, ticketForm({ customerId, summary: '', description: 'Body' }), headers);
  assert.equal(rejected.status, 400);
  const fixed = await createTicket(app, partner, form(), headers);
  assert.equal(fixed.status, 202);
});

test('a concurrent duplicate while the first is still uploading → 409 IdempotencyKeyInFlight', async () => {
  const headers = { 'idempotency-key': 'slow' };
  const pieces = multipartPieces({ customerId, summary: 'Slow', description: 'Body' }, [{ name: 'big.png', head: sampleFile('png', 16), size: 20 * 1024 * 1024 }]);
  const slow = streamUpload(`${app.url}/api/v1/supportTickets/`, partner.token, pieces, { headers });
  // Wait until the first request has claimed the key.
  for (let i = 0; i < 200; i += 1) {
    const row = await app.deskgate.database.db.selectFrom('idempotency_keys').select('state').where('key', '=', 'slow').executeTakeFirst();
    if (row) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const duplicate = await createTicket(app, partner, ticketForm({ customerId, summary: 'Slow', description: 'Body' }), headers);
  assert.equal(duplicate.status, 409);
  assert.deepEqual(duplicate.body, {
    code: 20004,
    type: 'IdempotencyKeyInFlight',
    detail: { message: 'A request with this Idempotency-Key is still being processed; retry later.' },
    status: 409,
  });
  const first = await slow;
  assert.equal('status' in first && first.status, 202);
});

test('a malformed Idempotency-Key is a validation error', async () => {
  const res = await createTicket(app, partner, form(), { 'idempotency-key': 'x'.repeat(256) });
  assert.equal(res.status, 400);
  assert.deepEqual(Object.keys(res.body.detail), ['Idempotency-Key']);
});
