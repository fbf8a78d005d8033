import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { api } from '../support/http.js';

let app: TestApp;
let accountId: string;
const A = 'c4d1da72-111e-4d52-bdbf-2e74a2d803d5';
const B = '0b8c1a64-7a8e-4b0e-9d43-5f2e2b7c9a10';
const C = '5e0f3a2d-2c4b-4f6e-8a1d-3b9c7e6f5a42';

before(async () => {
  app = await startTestApp({ worker: false });
  accountId = (await app.deskgate.accounts.create('Importer')).id;
});
after(() => app.close());

const payments = () => app.deskgate.database.db.selectFrom('payments').selectAll().where('account_id', '=', accountId).orderBy('id').execute();

test('CSV: accepted and rejected rows with line numbers and reasons; quoted fields; idempotent upsert', async () => {
  const csv = [
    'id,status,amount,currency,createDate',
    `${A},COMPLETED,100.50,USDC,2025-01-02T03:04:05Z`,
    `"${B}","FAILED","7","MXN",""`,
    'not-a-uuid,COMPLETED,1,USDC,',
    `${C},LOST,-1,usd,yesterday`,
    '',
    `${A},COMPLETED,1,USDC,`,
    `${C},CREATED`,
  ].join('\r\n');
  const report = await app.deskgate.payments.importFile(accountId, csv, 'csv');
  assert.deepEqual(report.accepted, [
    { line: 2, id: A, outcome: 'created' },
    { line: 3, id: B, outcome: 'created' },
  ]);
  assert.deepEqual(report.rejected, [
    { line: 4, reason: 'id "not-a-uuid" is not a uuid' },
    {
      line: 5,
      reason:
        'status must be one of CREATED, CRYPTO_FUNDS_PENDING, FIAT_PAYMENT_INITIATED, COMPLETED, FAILED; amount "-1" is not a non-negative decimal number; ' +
        'currency "usd" is not a currency code (e.g. USDC, MXN); createDate "yesterday" is not an ISO 8601 date-time with a time zone',
    },
    { line: 7, reason: `payment ${A} already appears on line 2` },
    { line: 8, reason: 'expected 5 columns, found 2' },
  ]);
  const stored = await payments();
  assert.deepEqual(
    stored.map((p) => [p.id, p.status, p.amount, p.currency, p.create_date?.toISOString() ?? null]),
    [
      [B, 'FAILED', '7', 'MXN', null],
      [A, 'COMPLETED', '100.50', 'USDC', '2025-01-02T03:04:05.000Z'],
    ],
  );

  const again = await app.deskgate.payments.importFile(accountId, csv, 'csv');
  assert.deepEqual(again.accepted.map((a) => a.outcome), ['unchanged', 'unchanged']);
  const changed = await app.deskgate.payments.importFile(accountId, `id,status\n${B},COMPLETED\n`, 'csv');
  assert.deepEqual(changed.accepted, [{ line: 2, id: B, outcome: 'updated' }]);
  assert.equal((await payments()).length, 2);
});

test('CSV: a quoted field may span lines; unknown columns or a missing id column refuse the file', async () => {
  const report = await app.deskgate.payments.importFile(accountId, `id,status\n"${C}",\n"${C.toUpperCase()}\n",COMPLETED\n`, 'csv');
  assert.deepEqual(report.accepted, [{ line: 2, id: C, outcome: 'created' }]);
  assert.equal(report.rejected[0]!.line, 3);
  await assert.rejects(app.deskgate.payments.importFile(accountId, 'id,stauts\n', 'csv'), /Unknown CSV column\(s\) "stauts"/);
  await assert.rejects(app.deskgate.payments.importFile(accountId, 'status\nCOMPLETED\n', 'csv'), /no "id" column/);
});

test('JSON Lines: one object per line; bad JSON, non-objects, unknown fields and wrong types are rejected by line', async () => {
  const lines = [
    JSON.stringify({ id: A, status: 'CREATED', amount: 12.5 }),
    '',
    '{"id": ',
    '[1,2]',
    JSON.stringify({ id: B, stauts: 'COMPLETED' }),
    JSON.stringify({ id: C, currency: 5 }),
  ].join('\n');
  const other = (await app.deskgate.accounts.create('JSONL')).id;
  const report = await app.deskgate.payments.importFile(other, lines, 'jsonl');
  assert.deepEqual(report.accepted, [{ line: 1, id: A, outcome: 'created' }]);
  assert.deepEqual(report.rejected, [
    { line: 3, reason: 'not valid JSON' },
    { line: 4, reason: 'not a JSON object' },
    { line: 5, reason: 'unknown field "stauts"' },
    { line: 6, reason: 'currency must be a string' },
  ]);
  // Same payment id in two accounts: two separate payments.
  const mine = await payments();
  assert.equal(mine.find((p) => p.id === A)?.status, 'COMPLETED');
});

const run = promisify(execFile);

/** The operator CLI as a real process on the test database. */
function cli(...args: string[]) {
  return run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    env: { ...process.env, DATABASE_URL: app.databaseUrl, DESKGATE_DATA_DIR: app.dataDir, DESKGATE_SECRET: 'test-secret-0123456789abcdef0123456789abcdef', DESKGATE_LOG_LEVEL: 'silent' },
  }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

test('CLI: payments import reports every line and exits 1 when a line is rejected, 0 when all are accepted', async () => {
  const account = (await app.deskgate.accounts.create('CLI')).id;
  const csvFile = path.join(app.dataDir, 'payments.csv');
  await fs.writeFile(csvFile, `id,status,amount,currency\n${A},COMPLETED,10,USDC\nbad,COMPLETED,1,USDC\n`);
  const mixed = await cli('payments', 'import', '--account', account, '--file', csvFile);
  assert.equal(mixed.code, 1, mixed.stderr);
  assert.deepEqual(JSON.parse(mixed.stdout), {
    accepted: 1,
    rejected: 1,
    lines: [
      { line: 2, id: A, outcome: 'created' },
      { line: 3, reason: 'id "bad" is not a uuid' },
    ],
  });

  const jsonlFile = path.join(app.dataDir, 'payments.jsonl');
  await fs.writeFile(jsonlFile, `${JSON.stringify({ id: B, status: 'CREATED' })}\n`);
  const clean = await cli('payments', 'import', '--account', account, '--file', jsonlFile);
  assert.equal(clean.code, 0, clean.stderr);
  assert.deepEqual(JSON.parse(clean.stdout).lines, [{ line: 1, id: B, outcome: 'created' }]);

  const unknownFormat = await cli('payments', 'import', '--account', account, '--file', path.join(app.dataDir, 'payments.txt'));
  assert.equal(unknownFormat.code, 2);
  assert.match(unknownFormat.stderr, /Cannot tell the format/);
});

test('CLI: api-keys create prints the key once; it authenticates until api-keys revoke', async () => {
  const account = await app.deskgate.accounts.create('Keys');
  await app.deskgate.accounts.setSupportTickets(account.id, true);
  const created = await cli('api-keys', 'create', '--account', account.id, '--shell');
  assert.equal(created.code, 0, created.stderr);
  const apiKey = /^API_KEY='(TEST_API_KEY:[0-9a-f]{32}:[^']+)'$/m.exec(created.stdout)?.[1];
  const keyId = /^API_KEY_ID='([0-9a-f]{32})'$/m.exec(created.stdout)?.[1];
  assert.ok(apiKey && keyId, created.stdout);

  const stored = await app.deskgate.database.db.selectFrom('api_keys').selectAll().where('id', '=', keyId).executeTakeFirstOrThrow();
  assert.equal(stored.secret_hash.length, 32);
  assert.ok(!stored.secret_hash.toString('latin1').includes(apiKey.split(':')[2]!));

  assert.equal((await api(app, 'GET', '/v1/cpn/supportTickets', { token: apiKey })).status, 200);
  const listed = await cli('api-keys', 'list', '--account', account.id);
  assert.deepEqual(JSON.parse(listed.stdout).map((k: { id: string; environment: string }) => [k.id, k.environment]), [[keyId, 'TEST']]);
  assert.ok(!listed.stdout.includes(apiKey.split(':')[2]!), 'list never shows a secret');

  const revoked = await cli('api-keys', 'revoke', keyId);
  assert.equal(revoked.code, 0, revoked.stderr);
  // The CLI is another process: the server hears of the revocation by notification, within milliseconds.
  const refused = await eventually(async () => {
    const res = await api(app, 'GET', '/v1/cpn/supportTickets', { token: apiKey });
    return res.status === 401 ? res : null;
  }, 3_000, 'the revoked key to be refused');
  assert.deepEqual(refused.body, { code: 401, message: 'Invalid credentials.' });
  const twice = await cli('api-keys', 'revoke', keyId);
  assert.equal(twice.code, 2);
});
