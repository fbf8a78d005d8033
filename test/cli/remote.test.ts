import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../support/app.js';
import { runDeskgate } from '../support/process.js';
import { createCustomer, createTicket, requestToken, ticketForm } from '../support/ripio.js';

let app: TestApp;
/** `deskgate` against the test app's database, as an operator on its machine would run it. */
let localEnv: Record<string, string>;
/** `deskgate --remote` has no database at all: everything goes through the admin API. */
let remoteEnv: Record<string, string>;

before(async () => {
  app = await startTestApp();
  localEnv = { DATABASE_URL: app.databaseUrl, DESKGATE_DATA_DIR: app.dataDir, DESKGATE_SECRET: app.deskgate.config.secret!, DESKGATE_LOG_LEVEL: 'warn' };
  const created = await runDeskgate(['admin-keys', 'create', '--name', 'remote tests', '--shell'], localEnv);
  assert.equal(created.code, 0, created.output);
  const adminKey = /^DESKGATE_ADMIN_KEY='(dga_[^']+)'$/m.exec(created.output)?.[1];
  assert.ok(adminKey, created.output);
  remoteEnv = { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/unreachable', DESKGATE_DATA_DIR: path.join(app.dataDir, 'unused'), DESKGATE_ADMIN_KEY: adminKey, DESKGATE_LOG_LEVEL: 'warn' };
});
after(() => app.close());

const remote = (...args: string[]) => runDeskgate(['--remote', app.url, ...args], remoteEnv);
const shellValue = (output: string, name: string) => new RegExp(`^${name}='([^']*)'$`, 'm').exec(output)?.[1] ?? assert.fail(`${name} in ${output}`);
const json = (result: { code: number | null; output: string }) => {
  assert.equal(result.code, 0, result.output);
  return JSON.parse(result.output);
};

test('accounts, OAuth clients and API keys through --remote; the output equals the local one', async () => {
  const account = await remote('accounts', 'create', '--name', 'Remote Co', '--enable-support-tickets', '--shell');
  assert.equal(account.code, 0, account.output);
  const accountId = shellValue(account.output, 'ACCOUNT_ID');
  assert.equal((await app.deskgate.accounts.get(accountId)).support_tickets_enabled, true);

  const [remoteList, localList] = await Promise.all([remote('accounts', 'list'), runDeskgate(['accounts', 'list'], localEnv)]);
  assert.deepEqual(json(remoteList), json(localList));
  assert.ok(json(remoteList).some((a: { id: string; name: string }) => a.id === accountId && a.name === 'Remote Co'));
  assert.equal(json(await remote('accounts', 'disable-support-tickets', accountId)).supportTicketsEnabled, false);
  assert.equal(json(await remote('accounts', 'enable-support-tickets', accountId)).supportTicketsEnabled, true);

  const client = await remote('clients', 'create', '--account', accountId, '--shell');
  assert.equal(client.code, 0, client.output);
  const clientId = shellValue(client.output, 'CLIENT_ID');
  await requestToken(app, clientId, shellValue(client.output, 'CLIENT_SECRET'));
  assert.deepEqual(
    json(await remote('clients', 'list', '--account', accountId)).map((c: { clientId: string }) => c.clientId),
    [clientId],
  );
  const revoked = await remote('clients', 'revoke', clientId);
  assert.equal(revoked.code, 0, revoked.output);
  assert.match(revoked.output, new RegExp(`Revoked ${clientId}`));

  const key = await remote('api-keys', 'create', '--account', accountId, '--live', '--shell');
  assert.match(shellValue(key.output, 'API_KEY'), /^LIVE_API_KEY:/);
  const keys = json(await remote('api-keys', 'list', '--account', accountId));
  assert.deepEqual(
    keys.map((k: { id: string; environment: string }) => [k.id, k.environment]),
    [[shellValue(key.output, 'API_KEY_ID'), 'LIVE']],
  );
  assert.equal((await remote('api-keys', 'revoke', shellValue(key.output, 'API_KEY_ID'))).code, 0);
});

test('payments import, tickets list and show, and desk check through --remote', async () => {
  const account = await app.deskgate.accounts.create('Remote tickets');
  await app.deskgate.accounts.setSupportTickets(account.id, true);
  const file = path.join(app.dataDir, 'payments.jsonl');
  await fs.writeFile(file, `${JSON.stringify({ id: randomUUID(), status: 'COMPLETED' })}\n{"id": "nope"}\n`);
  const imported = await remote('payments', 'import', '--account', account.id, '--file', file);
  assert.equal(imported.code, 1, 'a rejected line makes the command fail');
  const report = JSON.parse(imported.output);
  assert.deepEqual([report.accepted, report.rejected], [1, 1]);

  const client = await app.deskgate.accounts.createOAuthClient(account.id);
  const partner = { ...client, token: await requestToken(app, client.clientId, client.clientSecret) };
  const customerId = await createCustomer(app, partner);
  const ticketId = (await createTicket(app, partner, ticketForm({ customerId, summary: 'Remote', description: 'Listed remotely.' }))).body.ticketId;

  const everything = json(await remote('tickets', 'list', '--account', account.id, '--limit', '10'));
  assert.deepEqual([everything.count, everything.tickets[0].id], [1, ticketId]);
  assert.equal(json(await remote('tickets', 'list', '--account', account.id, '--status', 'FAILED')).count, 0);
  const shown = json(await remote('tickets', 'show', ticketId));
  assert.deepEqual([shown.id, shown.summary, shown.attachments], [ticketId, 'Remote', []]);

  const desk = await remote('desk', 'check');
  assert.equal(desk.code, 0, desk.output);
});

test('remote mode refuses to run without an operator key, and reports a wrong one and unknown ids plainly', async () => {
  const withoutKey = await runDeskgate(['--remote', app.url, 'accounts', 'list'], { ...remoteEnv, DESKGATE_ADMIN_KEY: '' });
  assert.equal(withoutKey.code, 2);
  assert.match(withoutKey.output, /DESKGATE_ADMIN_KEY/);
  const wrongKey = await runDeskgate(['accounts', 'list'], { ...remoteEnv, DESKGATE_ADMIN_URL: app.url, DESKGATE_ADMIN_KEY: 'dga_wrong' });
  assert.equal(wrongKey.code, 2);
  assert.match(wrongKey.output, /deskgate: Invalid operator key\./);
  const unknown = await remote('tickets', 'show', randomUUID());
  assert.equal(unknown.code, 2);
  assert.match(unknown.output, /deskgate: Support ticket not found\./);
});
