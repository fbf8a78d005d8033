import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { PermanentDeskError, TransientDeskError } from '../../src/desks/desk.js';
import { createZendeskDesk } from '../../src/desks/zendesk.js';
import type { ZendeskDesk, ZendeskDeskConfig } from '../../src/desks/zendesk.js';
import { deskTicket, memoryAttachment, sha256 } from '../fakes/fake-server.js';
import { ZENDESK_ROUTES, ZendeskFake } from '../fakes/zendesk.js';
import type { ZendeskFakeOptions } from '../fakes/zendesk.js';
import { rejection } from '../support/rejection.js';

const signal = new AbortController().signal;
const video = randomBytes(200 * 1024);
const receipt = Buffer.from('%PDF-1.7\n% receipt\n%%EOF\n');
const attachments = [
  memoryAttachment('att_1', 'recording.mp4', 'video/mp4', video),
  memoryAttachment('att_2', 'receipt.pdf', 'application/pdf', receipt),
];

async function setup(
  t: { after(fn: () => Promise<void>): void },
  fakeOptions: ZendeskFakeOptions = {},
  configOverrides: Partial<ZendeskDeskConfig> = {},
): Promise<{ fake: ZendeskFake; desk: ZendeskDesk }> {
  const fake = await ZendeskFake.start(fakeOptions);
  const desk = createZendeskDesk({ baseUrl: fake.url, email: fake.email, apiToken: fake.apiToken, timeoutMs: 2_000, ...configOverrides });
  t.after(async () => {
    await desk.close();
    await fake.close();
  });
  return { fake, desk };
}

function authHeader(fake: ZendeskFake): string {
  return `Basic ${Buffer.from(`${fake.email}/token:${fake.apiToken}`).toString('base64')}`;
}

test('creates one ticket with requester, email CCs, external_id and intact attachments under one upload token', async (t) => {
  const { fake, desk } = await setup(t);
  const ticket = deskTicket({ ccEmails: ['ops@example.com', 'cfo@example.com', 'ana@example.com'], attachments });

  const registration = await desk.register(ticket, signal);

  assert.equal(fake.tickets.length, 1);
  const created = fake.tickets[0]!;
  assert.equal(registration.reference, `ZD-${created.id}`);
  assert.equal(created.externalId, ticket.externalRef);
  assert.equal(created.subject, 'Payout not received');
  assert.match(created.description, /payment: pay_123/);
  assert.equal(fake.emailOf(created.requesterId), 'ana@example.com');
  assert.deepEqual(created.emailCcIds.map((id) => fake.emailOf(id)), ['ops@example.com', 'cfo@example.com']);
  assert.deepEqual(
    created.attachments.map(({ fileName, contentType, size, sha256: digest }) => ({ fileName, contentType, size, digest })),
    [
      { fileName: 'recording.mp4', contentType: 'video/mp4', size: video.length, digest: sha256(video) },
      { fileName: 'receipt.pdf', contentType: 'application/pdf', size: receipt.length, digest: sha256(receipt) },
    ],
  );
  const uploads = fake.server.requestsTo(ZENDESK_ROUTES.upload);
  assert.equal(uploads.length, 2);
  assert.doesNotMatch(uploads[0]!.url, /token=/);
  assert.match(uploads[1]!.url, /token=/);
  assert.equal(fake.server.requestsTo(ZENDESK_ROUTES.createTicket)[0]?.headers['idempotency-key'], ticket.externalRef);
});

test('formats the reference with referenceFormat', async (t) => {
  const { fake, desk } = await setup(t, {}, { referenceFormat: 'HELP#{id}' });
  const { reference } = await desk.register(deskTicket(), signal);
  assert.equal(reference, `HELP#${fake.tickets[0]?.id}`);
});

test('a retry after the create answer was lost returns the same ticket', async (t) => {
  const { fake, desk } = await setup(t);
  const ticket = deskTicket({ attachments });
  fake.inject(ZENDESK_ROUTES.createTicket, { dropAfterCreate: true });

  assert.ok((await rejection(desk.register(ticket, signal))) instanceof TransientDeskError);
  assert.equal(fake.tickets.length, 1);

  const { reference } = await desk.register(ticket, signal);

  assert.equal(reference, `ZD-${fake.tickets[0]?.id}`);
  assert.equal(fake.tickets.length, 1);
  // Found by external_id before uploading anything again.
  assert.equal(fake.server.requestsTo(ZENDESK_ROUTES.upload).length, 2);
});

test('an idempotency key held for a different body with no ticket yet is transient', async (t) => {
  const { fake, desk } = await setup(t);
  const ticket = deskTicket();
  const other = await request(`${fake.url}/api/v2/tickets`, {
    method: 'POST',
    headers: { authorization: authHeader(fake), 'content-type': 'application/json', 'idempotency-key': ticket.externalRef },
    body: JSON.stringify({ ticket: { subject: 'other', comment: { body: 'other' }, requester: { email: 'x@example.com' } } }),
  });
  assert.equal(other.statusCode, 201);
  await other.body.dump();

  const err = await rejection(desk.register(ticket, signal));

  assert.ok(err instanceof TransientDeskError);
  assert.match(err.message, /idempotency key/);
  assert.equal(err.retryAfterMs, 5 * 60_000);
  assert.equal(fake.tickets.length, 1);
});

test('the fake honours Idempotency-Key: same body is a hit, a different body is IdempotentRequestError', async (t) => {
  const { fake } = await setup(t);
  const post = (subject: string) =>
    request(`${fake.url}/api/v2/tickets`, {
      method: 'POST',
      headers: { authorization: authHeader(fake), 'content-type': 'application/json', 'idempotency-key': 'key-1' },
      body: JSON.stringify({ ticket: { subject, comment: { body: 'b' }, requester: { email: 'x@example.com' } } }),
    });

  const first = await post('s');
  const firstBody = await first.body.json();
  assert.equal(first.headers['x-idempotency-lookup'], 'miss');
  const again = await post('s');
  assert.equal(again.statusCode, 201);
  assert.equal(again.headers['x-idempotency-lookup'], 'hit');
  assert.deepEqual(await again.body.json(), firstBody);
  const different = await post('changed');
  assert.equal(different.statusCode, 400);
  assert.equal(((await different.body.json()) as { error: string }).error, 'IdempotentRequestError');
  assert.equal(fake.tickets.length, 1);
});

test('the fake rejects deviations from the documented API', async (t) => {
  const { fake } = await setup(t);
  const multipartUpload = await request(`${fake.url}/api/v2/uploads?filename=a.txt`, {
    method: 'POST',
    headers: { authorization: authHeader(fake), 'content-type': 'multipart/form-data; boundary=b' },
    body: '--b--\r\n',
  });
  assert.equal(multipartUpload.statusCode, 400);
  await multipartUpload.body.dump();

  const blankComment = await request(`${fake.url}/api/v2/tickets`, {
    method: 'POST',
    headers: { authorization: authHeader(fake), 'content-type': 'application/json' },
    body: JSON.stringify({ ticket: { subject: 's', comment: { body: '' }, requester: { email: 'x@example.com' } } }),
  });
  assert.equal(blankComment.statusCode, 422);
  assert.equal(((await blankComment.body.json()) as { error: string }).error, 'RecordInvalid');

  const ccWithoutAction = await request(`${fake.url}/api/v2/tickets`, {
    method: 'POST',
    headers: { authorization: authHeader(fake), 'content-type': 'application/json' },
    body: JSON.stringify({
      ticket: { comment: { body: 'b' }, requester: { email: 'x@example.com' }, email_ccs: [{ user_email: 'y@example.com' }] },
    }),
  });
  assert.equal(ccWithoutAction.statusCode, 422);
  await ccWithoutAction.body.dump();
  assert.equal(fake.tickets.length, 0);
});

test('5xx, 429, timeouts and connection resets are transient', async (t) => {
  const { fake, desk } = await setup(t, {}, { timeoutMs: 200 });
  const ticket = deskTicket({ attachments });

  fake.inject(ZENDESK_ROUTES.listTickets, { status: 500 });
  assert.ok((await rejection(desk.register(ticket, signal))) instanceof TransientDeskError);

  fake.inject(ZENDESK_ROUTES.createTicket, { status: 429, retryAfter: 7 });
  const throttled = await rejection(desk.register(ticket, signal));
  assert.ok(throttled instanceof TransientDeskError);
  assert.equal(throttled.retryAfterMs, 7_000);

  const at = new Date(Date.now() + 30_000).toUTCString();
  fake.inject(ZENDESK_ROUTES.upload, { status: 503, retryAfter: at });
  const unavailable = await rejection(desk.register(ticket, signal));
  assert.ok(unavailable instanceof TransientDeskError);
  assert.ok(unavailable.retryAfterMs !== null && unavailable.retryAfterMs > 25_000 && unavailable.retryAfterMs <= 30_000);

  fake.inject(ZENDESK_ROUTES.upload, { delayMs: 1_000 });
  const slow = await rejection(desk.register(ticket, signal));
  assert.ok(slow instanceof TransientDeskError);
  assert.match(slow.message, /timed out/);

  fake.inject(ZENDESK_ROUTES.createTicket, { reset: true });
  assert.ok((await rejection(desk.register(ticket, signal))) instanceof TransientDeskError);

  assert.equal(fake.tickets.length, 0);
});

test('400, 401, 403, 404 and 422 are permanent', async (t) => {
  const { fake, desk } = await setup(t);
  for (const status of [400, 403, 404, 422]) {
    fake.inject(ZENDESK_ROUTES.createTicket, { status, body: { error: 'RecordInvalid', description: `bad ${status}` } });
    const err = await rejection(desk.register(deskTicket(), signal));
    assert.ok(err instanceof PermanentDeskError, `status ${status}`);
    assert.match(err.message, new RegExp(`POST /api/v2/tickets answered ${status}: .*bad ${status}`));
  }
  const wrongToken = createZendeskDesk({ baseUrl: fake.url, email: fake.email, apiToken: 'bad-token', timeoutMs: 2_000 });
  t.after(() => wrongToken.close());
  const unauthorized = await rejection(wrongToken.register(deskTicket(), signal));
  assert.ok(unauthorized instanceof PermanentDeskError);
  assert.match(unauthorized.message, /answered 401: .*Couldn't authenticate you/);
  assert.doesNotMatch(unauthorized.message, /bad-token/);
});

test('check() reports in plain words', async (t) => {
  const { fake, desk } = await setup(t);
  assert.deepEqual(await desk.check(signal), { ok: true, lines: [`Signed in to Zendesk as deskgate agent <${fake.email}> (role admin)`] });

  const wrongToken = createZendeskDesk({ baseUrl: fake.url, email: fake.email, apiToken: 'bad', timeoutMs: 2_000 });
  t.after(() => wrongToken.close());
  const rejected = await wrongToken.check(signal);
  assert.equal(rejected.ok, false);
  assert.match(rejected.lines[0] ?? '', /^Credentials rejected by Zendesk \(401\): check DESKGATE_ZENDESK_EMAIL/);
});

test('check() refuses an end-user account', async (t) => {
  const { desk } = await setup(t, { role: 'end-user' });
  const result = await desk.check(signal);
  assert.equal(result.ok, false);
  assert.match(result.lines[0] ?? '', /role is "end-user": deskgate needs an agent or admin/);
});

test('check() says when Zendesk cannot be reached', async () => {
  const desk = createZendeskDesk({ baseUrl: 'http://127.0.0.1:9', email: 'a@example.com', apiToken: 't', timeoutMs: 1_000 });
  const result = await desk.check(signal);
  await desk.close();
  assert.equal(result.ok, false);
  assert.match(result.lines[0] ?? '', /^Could not reach Zendesk at http:\/\/127\.0\.0\.1:9: /);
});
