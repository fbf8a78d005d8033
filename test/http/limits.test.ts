import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';
import { createRateLimitService } from '../../src/services/rate-limits.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { createCpnPartner } from '../support/cpn.js';
import { sampleFile } from '../support/files.js';
import { api } from '../support/http.js';
import { multipartPieces } from '../support/raw-upload.js';
import { createCustomer, createTicket, ticketForm, type Partner } from '../support/ripio.js';

const MiB = 1024 * 1024;
const THROTTLED = /^Request was throttled\. Expected available in (\d+) seconds\.$/;

/** Small budgets, to run into them. */
let tight: TestApp;
/** Default budgets; slow clients are cut off after 2 s of headers. */
let roomy: TestApp;

before(async () => {
  [tight, roomy] = await Promise.all([
    startTestApp({
      worker: false,
      env: { DESKGATE_RATE_LIMIT_PER_MINUTE: '8', DESKGATE_TICKET_CREATE_LIMIT_PER_MINUTE: '2', DESKGATE_TOKEN_LIMIT_PER_MINUTE: '3' },
    }),
    startTestApp({ worker: false, env: { DESKGATE_HEADERS_TIMEOUT_MS: '2000' } }),
  ]);
});
after(() => Promise.all([tight.close(), roomy.close()]));

/** A Ripio partner whose token is issued by the service, so the token endpoint's own budget stays untouched. */
async function ripioPartner(app: TestApp): Promise<Partner> {
  const account = await app.deskgate.accounts.create('Limited partner');
  await app.deskgate.accounts.setSupportTickets(account.id, true);
  const client = await app.deskgate.accounts.createOAuthClient(account.id);
  const { token } = await app.deskgate.auth.exchangeClientCredentials(client.clientId, client.clientSecret);
  return { accountId: account.id, clientId: client.clientId, clientSecret: client.clientSecret, token };
}

/** Budgets are per clock minute: start a burst well inside one, so it cannot straddle two. */
async function awayFromMinuteEdge() {
  const left = 60 - new Date().getSeconds();
  if (left < 15) await new Promise((r) => setTimeout(r, left * 1000 + 200));
}

test('Ripio: past the per-account budget, 429 Throttled (42900) with Retry-After, DRF wording; other accounts are unaffected', async () => {
  await awayFromMinuteEdge();
  const partner = await ripioPartner(tight);
  const customerId = await createCustomer(tight, partner);
  for (let i = 1; i < 8; i += 1) assert.equal((await api(tight, 'GET', `/api/v1/customers/${customerId}/`, { token: partner.token })).status, 200);
  const throttled = await api(tight, 'GET', '/api/v1/supportTickets/', { token: partner.token });
  assert.equal(throttled.status, 429);
  assert.deepEqual(throttled.body, { code: 42900, type: 'Throttled', detail: { message: throttled.body.detail.message }, status: 429 });
  const seconds = Number(THROTTLED.exec(throttled.body.detail.message)?.[1]);
  assert.ok(seconds >= 1 && seconds <= 60, throttled.body.detail.message);
  assert.equal(throttled.headers.get('retry-after'), String(seconds));

  const other = await ripioPartner(tight);
  assert.equal((await api(tight, 'GET', '/api/v1/supportTickets/', { token: other.token })).status, 200);
});

test('the budget lives in PostgreSQL: another process on the same database sees the same count', async () => {
  await awayFromMinuteEdge();
  const partner = await ripioPartner(tight);
  for (let i = 0; i < 8; i += 1) assert.equal((await api(tight, 'GET', '/api/v1/supportTickets/', { token: partner.token })).status, 200);
  const elsewhere = createRateLimitService({ db: tight.deskgate.database.db, policy: tight.deskgate.config.rateLimits });
  await assert.rejects(elsewhere.account(partner.accountId), (error: { kind?: string; retryAfterSeconds?: number }) => error.kind === 'throttled' && error.retryAfterSeconds! >= 1);
});

test('CPN: past the per-account budget, 429 {code: 429, message: "Too many requests."} with Retry-After', async () => {
  await awayFromMinuteEdge();
  const partner = await createCpnPartner(tight);
  for (let i = 0; i < 8; i += 1) assert.equal((await api(tight, 'GET', '/v1/cpn/supportTickets', { token: partner.apiKey })).status, 200);
  const throttled = await api(tight, 'GET', '/v1/cpn/supportTickets', { token: partner.apiKey });
  assert.equal(throttled.status, 429);
  assert.deepEqual(throttled.body, { code: 429, message: 'Too many requests.' });
  assert.match(throttled.headers.get('retry-after') ?? '', /^\d+$/);
});

test('ticket creation has its own, stricter budget on top of the general one', async () => {
  await awayFromMinuteEdge();
  const partner = await ripioPartner(tight);
  const customerId = await createCustomer(tight, partner);
  const form = () => ticketForm({ customerId, summary: 'Budget', description: 'Counting creations.' });
  assert.equal((await createTicket(tight, partner, form())).status, 202);
  assert.equal((await createTicket(tight, partner, form())).status, 202);
  const third = await createTicket(tight, partner, form());
  assert.equal(third.status, 429);
  assert.equal(third.body.code, 42900);
  assert.equal((await api(tight, 'GET', '/api/v1/supportTickets/', { token: partner.token })).status, 200, 'reading is still within budget');
});

test('the token endpoint is budgeted per client IP before any secret is checked (secret guessing)', async () => {
  await awayFromMinuteEdge();
  const account = await tight.deskgate.accounts.create('Guessed');
  const client = await tight.deskgate.accounts.createOAuthClient(account.id);
  const attempt = (secret: string) =>
    api(tight, 'POST', '/oauth2/token/', { headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${secret}`).toString('base64')}` }, form: { grant_type: 'client_credentials' } });
  for (let i = 0; i < 3; i += 1) assert.equal((await attempt(`guess-${i}`)).status, 401);
  const blocked = await attempt(client.clientSecret);
  assert.equal(blocked.status, 429);
  assert.equal(blocked.body.type, 'Throttled');
  assert.match(blocked.headers.get('retry-after') ?? '', /^\d+$/);
});

/** A ticket upload that sends its fields and the start of a file, then waits. */
function stalledUpload(app: TestApp, token: string, customerId: string) {
  const pieces = multipartPieces({ customerId, summary: 'Slow', description: 'Uploading slowly' }, [{ name: 'big.png', head: sampleFile('png', 16), size: 10 * MiB }]);
  const request = http.request(`${app.url}/api/v1/supportTickets/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${pieces.boundary}`, 'content-length': String(pieces.length) },
  });
  request.on('error', () => undefined); // aborted by the test
  request.on('response', (res) => assert.fail(`a stalled upload was answered ${res.statusCode}`));
  for (const piece of pieces.parts.slice(0, 4)) request.write(Buffer.isBuffer(piece) ? piece : piece.head);
  return request;
}

test('an account may stream 4 uploads at once: the 5th is refused at once with 429; a freed slot is usable again', async () => {
  const partner = await ripioPartner(roomy);
  const customerId = await createCustomer(roomy, partner);
  const uploads = Array.from({ length: 4 }, () => stalledUpload(roomy, partner.token, customerId));
  const form = () => ticketForm({ customerId, summary: 'Fifth', description: 'One too many.' }, [{ name: 'a.png', bytes: sampleFile('png') }]);
  try {
    // Nothing observable says when the stalled uploads reached the handler: give them ample time.
    await new Promise((r) => setTimeout(r, 3_000));
    const started = Date.now();
    const fifth = await createTicket(roomy, partner, form());
    assert.equal(fifth.status, 429);
    assert.ok(Date.now() - started < 2_000, 'refused at once');
    assert.equal(fifth.body.code, 42900);
    assert.equal(fifth.headers.get('retry-after'), '1');

    const other = await ripioPartner(roomy);
    const otherForm = ticketForm({ customerId: await createCustomer(roomy, other), summary: 'Other account', description: 'Has slots of its own.' });
    assert.equal((await createTicket(roomy, other, otherForm)).status, 202, 'slots are per account');
  } finally {
    uploads[0]!.destroy();
  }
  const afterOneEnds = await eventually(async () => {
    const res = await createTicket(roomy, partner, form());
    return res.status === 202 && res;
  }, 20_000, 'the aborted upload to free its slot');
  assert.equal(afterOneEnds.body.status, 'PENDING');
  for (const upload of uploads) upload.destroy();
});

test('a client sending its headers one byte per second is cut off (headers timeout)', async () => {
  const socket = net.connect(Number(new URL(roomy.url).port), '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  socket.on('error', () => undefined);
  const started = Date.now();
  socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
  const drip = setInterval(() => socket.writable && socket.write('a'), 1000);
  try {
    const closedAt = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 15_000))]);
    assert.notEqual(closedAt, -1, 'the server closed the connection');
    assert.ok(closedAt - started < 10_000, `cut off after ${closedAt - started} ms`);
    assert.match(received, /^HTTP\/1\.1 408 /);
  } finally {
    clearInterval(drip);
    socket.destroy();
  }
});

test('JSON bodies are capped at 1 MiB in both dialects (413 in the dialect format)', async () => {
  const big = JSON.stringify({ email: 'a@example.com', type: 'INDIVIDUAL', padding: 'x'.repeat(MiB) });
  const partner = await ripioPartner(roomy);
  const ripio = await api(roomy, 'POST', '/api/v1/customers/', { token: partner.token, body: big, headers: { 'content-type': 'application/json' } });
  assert.equal(ripio.status, 413);
  assert.deepEqual(ripio.body, { code: 20002, type: 'PayloadTooLarge', detail: { message: 'Request body is too large.' }, status: 413 });
  const cpn = await createCpnPartner(roomy);
  const circle = await api(roomy, 'POST', '/v1/cpn/supportTickets', { token: cpn.apiKey, body: big, headers: { 'content-type': 'application/json' } });
  assert.equal(circle.status, 413);
  assert.deepEqual(circle.body, { code: 413, message: 'Request body is too large.' });
});
