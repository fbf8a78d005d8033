import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../../support/app.js';
import { countTickets, createCpnPartner, createCpnTicket, importPayment, ticketBody, type CpnPartner } from '../../support/cpn.js';
import { api } from '../../support/http.js';

let app: TestApp;
let partner: CpnPartner;
let paymentId: string;

before(async () => {
  app = await startTestApp({ worker: false });
  partner = await createCpnPartner(app);
  paymentId = await importPayment(app, partner);
});
after(() => app.close());

const invalid = (...errors: [location: string | null, message: string][]) => ({
  code: 2,
  message: 'Invalid request.',
  errors: errors.map(([location, message]) => ({ error: 'MISSING_OR_INVALID_FIELD', location, message })),
});
const ISSUE_TYPES =
  'PAYMENT_SETTLEMENT_DELAY, PAYMENT_SENT_TO_WRONG_RECIPIENT, PAYMENT_AMOUNT_INCORRECT, REQUEST_FOR_INFORMATION_OFI, REQUEST_FOR_INFORMATION_SENDER, ' +
  'REQUEST_FOR_INFORMATION_RECEIVER, FUNDING_AMOUNT_DISCREPANCY, REVERSE_FUNDS, EXISTING_TICKET, OTHER';
const without = (field: string) => (body: Record<string, unknown>) => {
  const copy = { ...body };
  delete copy[field];
  return copy;
};
const set = (changes: Record<string, unknown>) => (body: Record<string, unknown>) => ({ ...body, ...changes });
const elevenEmails = Array.from({ length: 11 }, (_, i) => `cc${i}@example.com`);

const BAD_BODIES: [name: string, change: (body: Record<string, unknown>) => unknown, expected: ReturnType<typeof invalid>][] = [
  ['paymentId missing', without('paymentId'), invalid(['paymentId', 'Field is required.'])],
  ['paymentId not a uuid', set({ paymentId: 'pay_123' }), invalid(['paymentId', 'Must be a valid UUID.'])],
  ['paymentId as a urn', set({ paymentId: `urn:uuid:${randomUUID()}` }), invalid(['paymentId', 'Must be a valid UUID.'])],
  ['paymentId a number', set({ paymentId: 12 }), invalid(['paymentId', 'Must be of type string.'])],
  ['issueType missing', without('issueType'), invalid(['issueType', 'Field is required.'])],
  ['issueType unknown', set({ issueType: 'PAYMENT_LOST' }), invalid(['issueType', `Must be one of: ${ISSUE_TYPES}.`])],
  ['issueType in lower case', set({ issueType: 'other' }), invalid(['issueType', `Must be one of: ${ISSUE_TYPES}.`])],
  ['description missing', without('description'), invalid(['description', 'Field is required.'])],
  ['description empty', set({ description: '' }), invalid(['description', 'Field must not be blank.'])],
  ['description blank', set({ description: ' \n\t ' }), invalid(['description', 'Field must not be blank.'])],
  ['description too long', set({ description: 'x'.repeat(5001) }), invalid(['description', 'Must be at most 5000 characters long.'])],
  ['description not a string', set({ description: 42 }), invalid(['description', 'Must be of type string.'])],
  ['email missing', without('email'), invalid(['email', 'Field is required.'])],
  ['email without @', set({ email: 'help.ofi.com' }), invalid(['email', 'Must be a valid email address.'])],
  ['email with a space', set({ email: 'help desk@ofi.com' }), invalid(['email', 'Must be a valid email address.'])],
  ['idempotencyKey missing', without('idempotencyKey'), invalid(['idempotencyKey', 'Field is required.'])],
  ['idempotencyKey not a uuid', set({ idempotencyKey: 'retry-1' }), invalid(['idempotencyKey', 'Must be a valid UUID.'])],
  ['ccEmails not a list', set({ ccEmails: 'cc@example.com' }), invalid(['ccEmails', 'Must be of type array.'])],
  ['ccEmails with a number in it', set({ ccEmails: ['cc@example.com', 7] }), invalid(['ccEmails[1]', 'Must be of type string.'])],
  ['ccEmails with a bad address', set({ ccEmails: ['cc@example.com', 'nope'] }), invalid(['ccEmails[1]', 'Must be a valid email address.'])],
  ['ccEmails with 11 addresses', set({ ccEmails: elevenEmails }), invalid(['ccEmails', 'Must contain at most 10 items.'])],
  ['ccEmails repeating an address', set({ ccEmails: ['cc@example.com', 'cc@example.com'] }), invalid(['ccEmails', 'Must not contain the same email address twice.'])],
  ['ccEmails repeating an address in other case', set({ ccEmails: ['cc@example.com', 'CC@Example.com'] }), invalid(['ccEmails', 'Must not contain the same email address twice.'])],
  [
    'every field wrong at once: one entry per field, in body order',
    () => ({ paymentId: 'x', issueType: 'NOPE', description: '  ', email: 'nope', idempotencyKey: 'k', ccEmails: ['a@example.com', 'bad'] }),
    invalid(
      ['paymentId', 'Must be a valid UUID.'],
      ['issueType', `Must be one of: ${ISSUE_TYPES}.`],
      ['description', 'Field must not be blank.'],
      ['email', 'Must be a valid email address.'],
      ['idempotencyKey', 'Must be a valid UUID.'],
      ['ccEmails[1]', 'Must be a valid email address.'],
    ),
  ],
  ['a JSON array instead of an object', () => [], invalid([null, 'Must be of type object.'])],
];

for (const [name, change, expected] of BAD_BODIES) {
  test(`400 for ${name}, and nothing is stored`, async () => {
    const res = await createCpnTicket(app, partner, change(ticketBody(paymentId)));
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, expected);
    assert.equal(await countTickets(app), 0);
  });
}

test('400 for a body that is not JSON, in the CPN error format', async () => {
  const res = await api(app, 'POST', '/v1/cpn/supportTickets', {
    token: partner.apiKey,
    body: '{"paymentId": ',
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 400);
  assert.deepEqual(res.body, { code: 2, message: 'JSON parse error - the request body is not valid JSON.' });
});

test('the limits themselves are accepted: 5000 characters (emoji count as one), 10 cc addresses, no ccEmails at all', async () => {
  const longest = await createCpnTicket(app, partner, ticketBody(paymentId, { description: '💸'.repeat(5000), ccEmails: elevenEmails.slice(0, 10) }));
  assert.equal(longest.status, 201, JSON.stringify(longest.body));
  const noCc = ticketBody(paymentId);
  delete noCc.ccEmails;
  const res = await createCpnTicket(app, partner, noCc);
  assert.equal(res.status, 201);
  assert.deepEqual(res.body.data.ccEmails, []);
  await app.deskgate.database.db.deleteFrom('idempotency_keys').execute();
  await app.deskgate.database.db.deleteFrom('tickets').execute();
});

test('201 with the seed body: SupportTicket with an empty caseRefId and a ticketRefId for the desk', async () => {
  const body = ticketBody(paymentId);
  const res = await createCpnTicket(app, partner, body);
  assert.equal(res.status, 201);
  const data = res.body.data;
  assert.deepEqual(Object.keys(res.body), ['data']);
  assert.deepEqual(Object.keys(data).sort(), ['caseRefId', 'ccEmails', 'createDate', 'description', 'email', 'id', 'issueType', 'paymentId', 'ticketRefId'].sort());
  assert.equal(data.paymentId, paymentId);
  assert.equal(data.issueType, body.issueType);
  assert.equal(data.description, body.description);
  assert.equal(data.email, body.email);
  assert.deepEqual(data.ccEmails, body.ccEmails);
  assert.equal(data.caseRefId, '');
  assert.match(data.ticketRefId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.notEqual(data.ticketRefId, data.id);
  assert.ok(Math.abs(Date.parse(data.createDate) - Date.now()) < 60_000);

  const stored = await app.deskgate.database.db.selectFrom('tickets').selectAll().where('id', '=', data.id).executeTakeFirstOrThrow();
  assert.equal(stored.dialect, 'cpn');
  assert.equal(stored.external_ref, data.ticketRefId);
  assert.equal(stored.requester_email, 'help@ofi.com');
  assert.deepEqual(stored.cc_emails, body.ccEmails);
  assert.equal(stored.summary, `PAYMENT_SETTLEMENT_DELAY - payment ${paymentId}`);
  assert.equal(stored.status, 'PENDING');
});

test('401 bodies: missing or non-Bearer authorization, malformed key, unknown, wrong secret, revoked, wrong prefix', async () => {
  const [prefix, id, secret] = partner.apiKey.split(':') as [string, string, string];
  const revoked = await app.deskgate.apiKeys.create(partner.accountId);
  await app.deskgate.apiKeys.revoke(revoked.id);
  const malformedAuthorization = { code: 401, message: 'Malformed authorization.' };
  const malformedKey = { code: 401, message: 'Malformed key. Does it contain three parts?' };
  const invalidCredentials = { code: 401, message: 'Invalid credentials.' };
  const cases: [string | undefined, unknown][] = [
    [undefined, malformedAuthorization],
    [`Basic ${Buffer.from('a:b').toString('base64')}`, malformedAuthorization],
    ['Bearer', malformedAuthorization],
    ['Bearer onlyonepart', malformedKey],
    [`Bearer ${prefix}:${id}`, malformedKey],
    [`Bearer ${partner.apiKey}:extra`, malformedKey],
    [`Bearer ${prefix}::${secret}`, malformedKey],
    [`Bearer ${prefix}:${'0'.repeat(32)}:${secret}`, invalidCredentials],
    [`Bearer ${prefix}:not-an-id:${secret}`, invalidCredentials],
    [`Bearer ${prefix}:${id}:${secret}x`, invalidCredentials],
    [`Bearer LIVE_API_KEY:${id}:${secret}`, invalidCredentials],
    [`Bearer ${revoked.apiKey}`, invalidCredentials],
  ];
  for (const [authorization, expected] of cases) {
    const res = await api(app, 'POST', '/v1/cpn/supportTickets', { json: ticketBody(paymentId), headers: authorization ? { authorization } : {} });
    assert.equal(res.status, 401, authorization);
    assert.deepEqual(res.body, expected, authorization);
  }
  // Authentication comes first: a bad body is not looked at.
  const res = await api(app, 'POST', '/v1/cpn/supportTickets', { json: { description: '' } });
  assert.deepEqual([res.status, res.body], [401, malformedAuthorization]);
});

test('a LIVE key works with its own prefix', async () => {
  const live = await app.deskgate.apiKeys.create(partner.accountId, { live: true });
  assert.match(live.apiKey, /^LIVE_API_KEY:[0-9a-f]{32}:[A-Za-z0-9_-]{43}$/);
  const res = await api(app, 'GET', '/v1/cpn/supportTickets', { token: live.apiKey });
  assert.equal(res.status, 200);
});

test('403 when support tickets are not enabled for the account, before the body is checked', async () => {
  const disabled = await createCpnPartner(app, { enabled: false });
  const forbidden = { code: 3, message: 'Support tickets are not enabled for this account.' };
  for (const body of [ticketBody(randomUUID()), { description: '' }]) {
    const res = await createCpnTicket(app, disabled, body);
    assert.deepEqual([res.status, res.body], [403, forbidden]);
  }
  const list = await api(app, 'GET', '/v1/cpn/supportTickets', { token: disabled.apiKey });
  assert.deepEqual([list.status, list.body], [403, forbidden]);
});

test("404 for an unknown payment or another account's payment; the key stays usable once the payment exists", async () => {
  const before = await countTickets(app);
  const notFound = { code: 404, message: 'Payment not found with provided ID.' };
  const unknown = ticketBody(randomUUID());
  const first = await createCpnTicket(app, partner, unknown);
  assert.deepEqual([first.status, first.body], [404, notFound]);

  const other = await createCpnPartner(app);
  const othersPayment = await importPayment(app, other);
  const foreign = await createCpnTicket(app, partner, ticketBody(othersPayment));
  assert.deepEqual([foreign.status, foreign.body], [404, notFound]);
  assert.equal(await countTickets(app), before);

  await importPayment(app, partner, unknown.paymentId as string);
  const retried = await createCpnTicket(app, partner, unknown);
  assert.equal(retried.status, 201);
});

test('X-Request-Id: the caller’s sane value is echoed, otherwise a fresh uuid v4, on successes and every kind of CPN error', async () => {
  const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const given = 'trace-7f3a:42';
  const requests = [
    () => createCpnTicket(app, partner, ticketBody(paymentId), { 'x-request-id': given }),
    () => createCpnTicket(app, partner, { description: 1 }, { 'x-request-id': given }),
    () => api(app, 'GET', '/v1/cpn/supportTickets', { headers: { 'x-request-id': given } }),
    () => api(app, 'GET', '/v1/cpn/nothing-here', { headers: { 'x-request-id': given } }),
  ];
  for (const send of requests) {
    const res = await send();
    assert.equal(res.headers.get('x-request-id'), given, `${res.status}`);
  }
  for (const headers of [{}, { 'x-request-id': 'has spaces in it' }, { 'x-request-id': 'x'.repeat(200) }] as Record<string, string>[]) {
    const res = await api(app, 'GET', '/v1/cpn/nothing-here', { headers });
    assert.match(res.headers.get('x-request-id') ?? '', UUID_V4);
  }
  const ok = await createCpnTicket(app, partner, ticketBody(paymentId));
  assert.match(ok.headers.get('x-request-id') ?? '', UUID_V4);
});

test('unknown /v1/cpn and /v2/cpn routes answer in the CPN format; other paths keep the Ripio format', async () => {
  for (const path of ['/v1/cpn/nothing-here', '/v2/cpn/notifications/nothing-here', '/v1/cpn']) {
    const res = await api(app, 'GET', path);
    assert.deepEqual([res.status, res.body], [404, { code: 404, message: 'Not found.' }], path);
  }
  const unknownWithBadJson = await api(app, 'POST', '/v1/cpn/nothing-here', { body: '{', headers: { 'content-type': 'application/json' } });
  assert.equal(unknownWithBadJson.status, 400);
  assert.equal(unknownWithBadJson.body.code, 2);
  const put = await api(app, 'PUT', '/v1/cpn/supportTickets');
  assert.deepEqual([put.status, put.body], [405, { code: 405, message: 'Method not allowed.' }]);
  const ripio = await api(app, 'GET', '/api/v1/nothing-here/');
  assert.equal(ripio.body.type, 'NotFound');
});
