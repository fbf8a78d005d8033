import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { createCredentialCache } from '../../src/services/credential-cache.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { createCpnPartner, type CpnPartner } from '../support/cpn.js';
import { api, type ApiResponse } from '../support/http.js';
import { createPartner } from '../support/ripio.js';

// The changes below are made on a connection of the test's own, as another deskgate process or an operator's SQL would.
let app: TestApp;
let outsider: pg.Client;

before(async () => {
  app = await startTestApp({ worker: false });
  outsider = new pg.Client({ connectionString: app.databaseUrl });
  await outsider.connect();
});
after(async () => {
  await outsider.end();
  await app.close();
});

const listTickets = (partner: CpnPartner) => api(app, 'GET', '/v1/cpn/supportTickets', { token: partner.apiKey });
// Another process's change reaches this one as a notification: within milliseconds, not before the change's own commit returns.
const NOTIFIED_WITHIN_MS = 3_000;
const answersWith = async (status: number, request: () => Promise<ApiResponse>) =>
  eventually(async () => {
    const res = await request();
    return res.status === status ? res : null;
  }, NOTIFIED_WITHIN_MS, `the answer ${status}`);
const listenerBackends = async () =>
  (await outsider.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN "deskgate_credentials"'`)).rows;

test('an API key revoked by another process stops working as soon as the change is announced, though it was cached', async () => {
  const partner = await createCpnPartner(app);
  assert.equal((await listTickets(partner)).status, 200);
  // The first authentication starts the listener; once it listens, the next one is kept.
  await eventually(async () => (await listenerBackends()).length > 0, 5_000, 'the listener');
  assert.equal((await listTickets(partner)).status, 200);
  const keyId = partner.apiKey.split(':')[1];

  // Proof that the key is served from memory: a change the trigger does not announce goes unnoticed.
  await outsider.query('ALTER TABLE api_keys DISABLE TRIGGER api_keys_changed');
  await outsider.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [keyId]);
  assert.equal((await listTickets(partner)).status, 200, 'served from the cache');
  await outsider.query('ALTER TABLE api_keys ENABLE TRIGGER api_keys_changed');

  // Announced changes are seen as soon as the notification arrives.
  await outsider.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [keyId]);
  const refused = await answersWith(401, () => listTickets(partner));
  assert.deepEqual(refused.body, { code: 401, message: 'Invalid credentials.' });
});

test('an OAuth client revoked and an account\'s feature gate turned off elsewhere take effect once announced', async () => {
  const partner = await createPartner(app);
  const list = () => api(app, 'GET', '/api/v1/supportTickets/', { token: partner.token });
  assert.equal((await list()).status, 200);
  await outsider.query('UPDATE accounts SET support_tickets_enabled = false WHERE id = $1', [partner.accountId]);
  await answersWith(403, list);
  await outsider.query('UPDATE accounts SET support_tickets_enabled = true WHERE id = $1', [partner.accountId]);
  await answersWith(200, list);
  await outsider.query('UPDATE oauth_clients SET revoked_at = now() WHERE client_id = $1', [partner.clientId]);
  const refused = await answersWith(401, list);
  assert.equal(refused.body.code, 40002);
});

test('a lost notification connection leaves no stale credential behind (bypassed while down, emptied on reconnect); caching resumes', async () => {
  const partner = await createCpnPartner(app);
  const keyId = partner.apiKey.split(':')[1];
  assert.equal((await listTickets(partner)).status, 200);
  const [listener] = await listenerBackends();
  assert.ok(listener, 'the app listens for credential changes');

  await outsider.query('ALTER TABLE api_keys DISABLE TRIGGER api_keys_changed');
  try {
    await outsider.query('SELECT pg_terminate_backend($1)', [listener.pid]);
    // Unannounced, yet seen well before the cache's 30 s lifetime: changes missed while the app could not hear them
    // are never served from memory.
    await outsider.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [keyId]);
    await answersWith(401, () => listTickets(partner));
    await outsider.query('UPDATE api_keys SET revoked_at = NULL WHERE id = $1', [keyId]);
    await answersWith(200, () => listTickets(partner));
  } finally {
    await outsider.query('ALTER TABLE api_keys ENABLE TRIGGER api_keys_changed');
  }
  await eventually(async () => (await listenerBackends()).some((b) => b.pid !== listener.pid), 10_000, 'the listener to reconnect');
});

test('a change announced while a lookup is running keeps that lookup\'s result out of the cache', async () => {
  const pool = new pg.Pool({ connectionString: app.databaseUrl, max: 3 });
  const cache = createCredentialCache({ pool, log: pino({ level: 'silent' }), ttlMs: 60_000 });
  let loads = 0;
  const load = async () => ({ n: ++loads });
  const cached = async (key: string) => (await cache.get(key, load))!.n === (await cache.get(key, load))!.n;
  try {
    await eventually(() => cached('probe'), 5_000, 'the cache to listen');

    let started!: () => void;
    let finish!: () => void;
    const loading = new Promise<void>((resolve) => (started = resolve));
    const racing = cache.get('k', async () => {
      started();
      await new Promise<void>((resolve) => (finish = resolve));
      return { n: ++loads };
    });
    await loading;
    await outsider.query('UPDATE accounts SET name = name WHERE false'); // any statement on a watched table is announced
    const probeBefore = loads;
    await eventually(async () => (await cache.get('probe', load))!.n > probeBefore, 5_000, 'the announcement to arrive');
    finish();
    const raced = (await racing)!.n;
    assert.notEqual((await cache.get('k', load))!.n, raced, 'the racing result was not kept');
    assert.ok(await cached('k'), 'later lookups are cached again');
  } finally {
    await cache.close();
    await pool.end();
  }
});
