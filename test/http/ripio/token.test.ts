import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { deriveKeys } from '../../../src/security/master-key.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { api, createPartner, requestToken, type Partner } from '../../support/ripio.js';

let app: TestApp;
let partner: Partner;

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const NOT_AUTHENTICATED = {
  code: 40001,
  type: 'NotAuthenticated',
  detail: { message: 'Authentication credentials were not provided.', code: 'not_authenticated' },
  status: 401,
};

before(async () => {
  app = await startTestApp({ worker: false });
  partner = await createPartner(app);
});
after(() => app.close());

test('client credentials by HTTP Basic give a Bearer JWT with the default 36000 s lifetime', async () => {
  const res = await api(app, 'POST', '/oauth2/token/', { headers: { authorization: basic(partner.clientId, partner.clientSecret) }, form: { grant_type: 'client_credentials' } });
  assert.equal(res.status, 200);
  assert.equal(res.body.tokenType, 'Bearer');
  assert.equal(res.body.expiresIn, 36000);
  assert.equal(typeof res.body.scope, 'string');
  assert.equal(res.body.accessToken.split('.').length, 3);
  assert.equal(res.headers.get('cache-control'), 'no-store');
});

test('client credentials as form fields work too, and the path without the trailing slash is served', async () => {
  const res = await api(app, 'POST', '/oauth2/token', { form: { grant_type: 'client_credentials', client_id: partner.clientId, client_secret: partner.clientSecret } });
  assert.equal(res.status, 200);
  const customers = await api(app, 'POST', '/api/v1/customers', { token: res.body.accessToken, json: { type: 'BUSINESS' } });
  assert.equal(customers.status, 201);
});

test('a wrong secret or an unknown client is 401 AuthenticationFailed', async () => {
  for (const authorization of [basic(partner.clientId, 'wrong'), basic('dgc_unknown', partner.clientSecret)]) {
    const res = await api(app, 'POST', '/oauth2/token/', { headers: { authorization }, form: { grant_type: 'client_credentials' } });
    assert.equal(res.status, 401);
    assert.deepEqual(res.body, {
      code: 40002,
      type: 'AuthenticationFailed',
      detail: { message: 'Invalid client credentials.', code: 'authentication_failed' },
      status: 401,
    });
  }
});

test('no client credentials at all is 401 NotAuthenticated', async () => {
  const res = await api(app, 'POST', '/oauth2/token/', { form: { grant_type: 'client_credentials' } });
  assert.equal(res.status, 401);
  assert.deepEqual(res.body, NOT_AUTHENTICATED);
});

test('a missing or unsupported grant_type is 400 ValidationError naming grant_type', async () => {
  const auth = { authorization: basic(partner.clientId, partner.clientSecret) };
  const missing = await api(app, 'POST', '/oauth2/token/', { headers: auth, form: {} });
  assert.equal(missing.status, 400);
  assert.deepEqual(missing.body, { code: 20000, type: 'ValidationError', detail: { grant_type: ['This field is required.'] }, status: 400 });
  const wrong = await api(app, 'POST', '/oauth2/token/', { headers: auth, form: { grant_type: 'password' } });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.body.code, 20000);
  assert.match(wrong.body.detail.grant_type[0], /Unsupported grant type "password"/);
});

test('an unparseable form body is 400 ParseError', async () => {
  const res = await api(app, 'POST', '/api/v1/customers/', { token: partner.token, headers: { 'content-type': 'application/json' }, body: undefined, json: undefined });
  assert.equal(res.status, 400);
  assert.equal(res.body.code, 20001);
  assert.equal(res.body.type, 'ParseError');
  const broken = await fetch(`${app.url}/api/v1/customers/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${partner.token}`, 'content-type': 'application/json' },
    body: '{"type": ',
  });
  assert.equal(broken.status, 400);
  assert.equal(((await broken.json()) as any).code, 20001);
});

test('bearer tokens: missing → 40001, forged, expired, garbage or revoked client → 40002', async () => {
  const missing = await api(app, 'GET', '/api/v1/supportTickets/');
  assert.equal(missing.status, 401);
  assert.deepEqual(missing.body, NOT_AUTHENTICATED);

  const keys = deriveKeys('test-secret-0123456789abcdef0123456789abcdef');
  const sign = (key: Uint8Array, exp: number) =>
    new SignJWT({ acct: partner.accountId })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(partner.clientId)
      .setIssuer('deskgate')
      .setAudience('deskgate:ripio')
      .setIssuedAt(exp - 100)
      .setExpirationTime(exp)
      .sign(key);
  const now = Math.floor(Date.now() / 1000);
  const forged = await sign(new TextEncoder().encode('another-key-another-key-another-key!'), now + 3600);
  const expired = await sign(keys.tokenSigning, now - 10);
  const valid = await sign(keys.tokenSigning, now + 3600);
  assert.equal((await api(app, 'GET', '/api/v1/supportTickets/', { token: valid })).status, 200, 'the control token must work');

  for (const token of [forged, expired, 'not-a-jwt']) {
    const res = await api(app, 'GET', '/api/v1/supportTickets/', { token });
    assert.equal(res.status, 401);
    assert.equal(res.body.code, 40002);
    assert.equal(res.body.type, 'AuthenticationFailed');
    assert.equal(res.body.detail.code, 'authentication_failed');
  }

  const other = await createPartner(app, { name: 'Revoked' });
  await app.deskgate.accounts.revokeOAuthClient(other.clientId);
  const revoked = await api(app, 'GET', '/api/v1/supportTickets/', { token: other.token });
  assert.equal(revoked.status, 401);
  assert.equal(revoked.body.code, 40002);
  await assert.rejects(requestToken(app, other.clientId, other.clientSecret), /401/);
});

test('client secrets are stored only as keyed hashes', async () => {
  const row = await app.deskgate.database.db.selectFrom('oauth_clients').selectAll().where('client_id', '=', partner.clientId).executeTakeFirstOrThrow();
  assert.equal(row.secret_hash.length, 32);
  assert.ok(!row.secret_hash.toString('utf8').includes(partner.clientSecret));
  assert.ok(partner.clientSecret.length >= 40, 'secret has at least 32 random bytes');
});
