import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import { PermanentDeskError, TransientDeskError } from '../../src/desks/desk.js';
import { createJiraDesk } from '../../src/desks/jira.js';
import type { JiraDesk, JiraDeskConfig } from '../../src/desks/jira.js';
import { deskTicket, memoryAttachment, sha256 } from '../fakes/fake-server.js';
import { JIRA_ROUTES, JiraFake } from '../fakes/jira.js';
import type { JiraFakeOptions } from '../fakes/jira.js';
import { rejection } from '../support/rejection.js';

const signal = new AbortController().signal;
const screenshot = randomBytes(300 * 1024);
const statement = Buffer.from('%PDF-1.7\n% statement for payment pay_123\n%%EOF\n');
const attachments = [
  memoryAttachment('att_1', 'screenshot.png', 'image/png', screenshot),
  memoryAttachment('att_2', 'statement.pdf', 'application/pdf', statement),
];

async function setup(
  t: { after(fn: () => Promise<void>): void },
  fakeOptions: JiraFakeOptions = {},
  configOverrides: Partial<JiraDeskConfig> = {},
): Promise<{ fake: JiraFake; desk: JiraDesk }> {
  const fake = await JiraFake.start(fakeOptions);
  const desk = createJiraDesk({
    baseUrl: fake.url,
    email: fake.email,
    apiToken: fake.apiToken,
    serviceDeskId: fake.serviceDeskId,
    requestTypeId: fake.requestTypeId,
    timeoutMs: 2_000,
    ...configOverrides,
  });
  t.after(async () => {
    await desk.close();
    await fake.close();
  });
  return { fake, desk };
}

test('creates one request raised on behalf of the customer, with participants, label and intact attachments', async (t) => {
  const { fake, desk } = await setup(t);
  const ticket = deskTicket({ ccEmails: ['ops@example.com', 'ANA@example.com', 'cfo@example.com'], attachments });

  const registration = await desk.register(ticket, signal);

  assert.equal(registration.reference, 'SUP-1');
  assert.equal(fake.requests.length, 1);
  const created = fake.requests[0]!;
  assert.deepEqual(created.labels, ['deskgate-tkt_01J9Z8']);
  assert.equal(created.fieldValues.summary, 'Payout not received');
  assert.match(String(created.fieldValues.description), /payment: pay_123/);
  assert.equal(fake.emailOf(created.reporter), 'ana@example.com');
  // The requester is not repeated as a participant even when listed in ccEmails.
  assert.deepEqual(created.participants.map((id) => fake.emailOf(id)).sort(), ['cfo@example.com', 'ops@example.com']);
  assert.deepEqual(
    created.attachments.map(({ filename, size, sha256: digest, public: isPublic }) => ({ filename, size, digest, isPublic })),
    [
      { filename: 'screenshot.png', size: screenshot.length, digest: sha256(screenshot), isPublic: true },
      { filename: 'statement.pdf', size: statement.length, digest: sha256(statement), isPublic: true },
    ],
  );
  for (const upload of fake.server.requestsTo(JIRA_ROUTES.attachTemporaryFile)) {
    assert.equal(upload.headers['x-atlassian-token'], 'no-check');
  }
});

test('maps summary and description to configured custom fields', async (t) => {
  const { fake, desk } = await setup(
    t,
    { requestTypeFields: ['summary', 'customfield_10050', 'labels'] },
    { fieldMap: { description: 'customfield_10050' } },
  );
  await desk.register(deskTicket(), signal);
  assert.match(String(fake.requests[0]?.fieldValues.customfield_10050), /has not received the payout/);
  assert.equal(fake.requests[0]?.fieldValues.description, undefined);
});

test('reuses an existing customer (409 on create) found by user search', async (t) => {
  const { fake, desk } = await setup(t);
  const existing = fake.addCustomer('ana@example.com', 'Ana Existing');

  await desk.register(deskTicket(), signal);

  assert.equal(fake.requests[0]?.reporter, existing.accountId);
  assert.equal(fake.customers.size, 1);
  assert.equal(fake.server.requestsTo(JIRA_ROUTES.userSearch).length, 1);
});

test('a retry after the create answer was lost finds the request by its label: one case, files attached once', async (t) => {
  const { fake, desk } = await setup(t);
  const ticket = deskTicket({ attachments });
  fake.inject(JIRA_ROUTES.createRequest, { dropAfterCreate: true });

  assert.ok((await rejection(desk.register(ticket, signal))) instanceof TransientDeskError);
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0]?.attachments.length, 0);

  const registration = await desk.register(ticket, signal);

  assert.equal(registration.reference, 'SUP-1');
  assert.equal(fake.requests.length, 1);
  assert.deepEqual(fake.requests[0]?.attachments.map((file) => file.sha256), [sha256(screenshot), sha256(statement)]);
});

test('a retry after the attach answer was lost does not attach the files again', async (t) => {
  const { fake, desk } = await setup(t);
  const ticket = deskTicket({ attachments });
  fake.inject(JIRA_ROUTES.addAttachment, { dropAfterCreate: true });

  assert.ok((await rejection(desk.register(ticket, signal))) instanceof TransientDeskError);
  assert.equal(fake.requests[0]?.attachments.length, 2);

  assert.equal((await desk.register(ticket, signal)).reference, 'SUP-1');
  assert.equal(fake.requests.length, 1);
  assert.equal(fake.requests[0]?.attachments.length, 2);
  assert.equal(fake.server.requestsTo(JIRA_ROUTES.attachTemporaryFile).length, 2);
});

test('a retry on a request missing one of its files uploads only that file', async (t) => {
  const { fake, desk } = await setup(t);
  const ticket = deskTicket({ attachments });
  await desk.register(ticket, signal);
  fake.requests[0]!.attachments.splice(1, 1);

  await desk.register(ticket, signal);

  assert.deepEqual(fake.requests[0]?.attachments.map((file) => file.filename), ['screenshot.png', 'statement.pdf']);
  assert.equal(fake.server.requestsTo(JIRA_ROUTES.attachTemporaryFile).length, 3);
});

test('5xx, 429, timeouts and connection resets are transient', async (t) => {
  const { fake, desk } = await setup(t, {}, { timeoutMs: 200 });
  const ticket = deskTicket();

  fake.inject(JIRA_ROUTES.search, { status: 503 });
  const unavailable = await rejection(desk.register(ticket, signal));
  assert.ok(unavailable instanceof TransientDeskError);
  assert.match(unavailable.message, /answered 503/);
  assert.equal(unavailable.retryAfterMs, null);

  fake.inject(JIRA_ROUTES.createRequest, { status: 429, retryAfter: 2 });
  const throttled = await rejection(desk.register(ticket, signal));
  assert.ok(throttled instanceof TransientDeskError);
  assert.equal(throttled.retryAfterMs, 2_000);

  const resetAt = new Date(Date.now() + 60_000).toISOString();
  fake.inject(JIRA_ROUTES.createCustomer, { status: 429, headers: { 'x-ratelimit-reset': resetAt } });
  const rateLimited = await rejection(desk.register(ticket, signal));
  assert.ok(rateLimited instanceof TransientDeskError);
  assert.ok(rateLimited.retryAfterMs !== null && rateLimited.retryAfterMs > 55_000 && rateLimited.retryAfterMs <= 60_000);

  fake.inject(JIRA_ROUTES.search, { delayMs: 1_000 });
  const slow = await rejection(desk.register(ticket, signal));
  assert.ok(slow instanceof TransientDeskError);
  assert.match(slow.message, /timed out after 200 ms/);

  fake.inject(JIRA_ROUTES.createRequest, { reset: true });
  const reset = await rejection(desk.register(ticket, signal));
  assert.ok(reset instanceof TransientDeskError);

  assert.equal(fake.requests.length, 0);
});

test('400, 401, 403 and 404 are permanent, with status and an excerpt in the message', async (t) => {
  const { fake, desk } = await setup(t);
  for (const status of [400, 403, 404]) {
    fake.inject(JIRA_ROUTES.createRequest, { status, body: { errorMessage: `nope ${status}` } });
    const err = await rejection(desk.register(deskTicket(), signal));
    assert.ok(err instanceof PermanentDeskError, `status ${status}`);
    assert.match(err.message, new RegExp(`POST /rest/servicedeskapi/request answered ${status}: .*nope ${status}`));
  }

  const wrongCredentials = createJiraDesk({
    baseUrl: fake.url,
    email: fake.email,
    apiToken: 'wrong-token',
    serviceDeskId: fake.serviceDeskId,
    requestTypeId: fake.requestTypeId,
    timeoutMs: 2_000,
  });
  t.after(() => wrongCredentials.close());
  const unauthorized = await rejection(wrongCredentials.register(deskTicket(), signal));
  assert.ok(unauthorized instanceof PermanentDeskError);
  assert.match(unauthorized.message, /answered 401/);
  assert.doesNotMatch(unauthorized.message, /wrong-token/);
});

test('a request type without the Labels field is refused (the marker label is required)', async (t) => {
  const { fake, desk } = await setup(t, { requestTypeFields: ['summary', 'description'] });
  const err = await rejection(desk.register(deskTicket(), signal));
  assert.ok(err instanceof PermanentDeskError);
  assert.match(err.message, /Field 'labels' is not valid/);
  assert.equal(fake.requests.length, 0);
});

test('an aborted caller signal is transient', async (t) => {
  const { desk } = await setup(t);
  const controller = new AbortController();
  controller.abort();
  const err = await rejection(desk.register(deskTicket(), controller.signal));
  assert.ok(err instanceof TransientDeskError);
  assert.match(err.message, /aborted by the caller/);
});

test('the fake rejects deviations from the documented API', async (t) => {
  const { fake } = await setup(t);
  const auth = `Basic ${Buffer.from(`${fake.email}:${fake.apiToken}`).toString('base64')}`;
  const upload = (headers: Record<string, string>, field: string) =>
    request(`${fake.url}/rest/servicedeskapi/servicedesk/${fake.serviceDeskId}/attachTemporaryFile`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'multipart/form-data; boundary=b', ...headers },
      body: `--b\r\nContent-Disposition: form-data; name="${field}"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n`,
    });

  const noXsrfHeader = await upload({}, 'file');
  assert.equal(noXsrfHeader.statusCode, 403);
  assert.equal(await noXsrfHeader.body.text(), 'XSRF check failed');

  const wrongField = await upload({ 'x-atlassian-token': 'no-check' }, 'attachment');
  assert.equal(wrongField.statusCode, 400);
  assert.match(String(((await wrongField.body.json()) as { errorMessage: string }).errorMessage), /named 'file'/);

  const notMultipart = await request(`${fake.url}/rest/servicedeskapi/servicedesk/${fake.serviceDeskId}/attachTemporaryFile`, {
    method: 'POST',
    headers: { authorization: auth, 'x-atlassian-token': 'no-check', 'content-type': 'application/json' },
    body: '{}',
  });
  assert.equal(notMultipart.statusCode, 415);
  await notMultipart.body.dump();

  const emailAsReporter = await request(`${fake.url}/rest/servicedeskapi/request`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({
      serviceDeskId: fake.serviceDeskId,
      requestTypeId: fake.requestTypeId,
      requestFieldValues: { summary: 's' },
      raiseOnBehalfOf: 'ana@example.com',
    }),
  });
  assert.equal(emailAsReporter.statusCode, 400);
  assert.deepEqual(Object.keys((await emailAsReporter.body.json()) as object).sort(), ['errorMessage', 'i18nErrorMessage']);
});

test('check() reports in plain words', async (t) => {
  const { fake, desk } = await setup(t);
  const good = await desk.check(signal);
  assert.equal(good.ok, true, good.lines.join('\n'));
  assert.match(good.lines.join('\n'), /Service desk 7 found: project SUP/);

  const config = { baseUrl: fake.url, email: fake.email, timeoutMs: 2_000, requestTypeId: fake.requestTypeId };
  const wrongToken = createJiraDesk({ ...config, apiToken: 'nope', serviceDeskId: fake.serviceDeskId });
  const unknownDesk = createJiraDesk({ ...config, apiToken: fake.apiToken, serviceDeskId: '99' });
  t.after(async () => {
    await wrongToken.close();
    await unknownDesk.close();
  });

  const rejected = await wrongToken.check(signal);
  assert.equal(rejected.ok, false);
  assert.deepEqual(rejected.lines, ['Credentials rejected by Jira (401): check DESKGATE_JIRA_EMAIL / DESKGATE_JIRA_API_TOKEN']);

  const missing = await unknownDesk.check(signal);
  assert.equal(missing.ok, false);
  assert.match(missing.lines.at(-1) ?? '', /^Service desk 99 not found/);
});

test('check() flags a request type without the Labels field', async (t) => {
  const { desk } = await setup(t, { requestTypeFields: ['summary', 'description'] });
  const result = await desk.check(signal);
  assert.equal(result.ok, false);
  assert.match(result.lines.join('\n'), /no field "labels"/);
});
