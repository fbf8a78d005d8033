import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { asOperator } from '../support/operator.js';
import { createTestDatabase } from '../support/database.js';
import { startFakeJira, startFakeZendesk, type FakeDesk } from '../support/desk-fakes.js';
import { runDeskgate } from '../support/process.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let dataDir: string;
let base: Record<string, string>;
let jira: FakeDesk;
let zendesk: FakeDesk;

before(async () => {
  [database, dataDir, jira, zendesk] = await Promise.all([
    createTestDatabase(),
    fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-desk-check-')),
    startFakeJira(),
    startFakeZendesk(),
  ]);
  base = { DATABASE_URL: database.url, DESKGATE_DATA_DIR: dataDir, DESKGATE_SECRET: 'desk-check-secret-0123456789abcdef0123456789' };
  // Migrate once, so the concurrent checks below do not race to do it.
  await asOperator(base, async () => undefined);
});
after(async () => {
  await Promise.all([jira.close(), zendesk.close()]);
  await database.drop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const check = (env: Record<string, string>) => runDeskgate(['desk', 'check'], { ...base, ...env });

describe('deskgate desk check, run as the CLI against the vendor fakes', { concurrency: 3 }, () => {
  test('Jira configured right: one plain line per check, exit 0', async () => {
    const { code, output } = await check(jira.env);
    assert.equal(code, 0, output);
    assert.match(output, /^Signed in to Jira as deskgate bot <bot@example\.com>$/m);
    assert.match(output, /^Service desk 7 found: project SUP \(Support\)$/m);
    assert.match(output, /^Request type accepts summary, description and labels; requests can be raised on behalf of customers$/m);
  });

  test('Jira with a wrong API token: says which settings to check, exit 1, the token is not printed', async () => {
    const { code, output } = await check({ ...jira.env, DESKGATE_JIRA_API_TOKEN: 'wrong-token-abc' });
    assert.equal(code, 1, output);
    assert.match(output, /^Credentials rejected by Jira \(401\): check DESKGATE_JIRA_EMAIL \/ DESKGATE_JIRA_API_TOKEN$/m);
    assert.ok(!output.includes('wrong-token-abc'));
  });

  test('Jira with an unknown service desk: names the setting, exit 1', async () => {
    const { code, output } = await check({ ...jira.env, DESKGATE_JIRA_SERVICE_DESK_ID: '99' });
    assert.equal(code, 1, output);
    assert.match(output, /^Signed in to Jira as deskgate bot/m);
    assert.match(output, /^Service desk 99 not found: check DESKGATE_JIRA_SERVICE_DESK_ID/m);
  });

  test('Zendesk configured right: exit 0; wrong token: exit 1', async () => {
    const good = await check(zendesk.env);
    assert.equal(good.code, 0, good.output);
    assert.match(good.output, /^Signed in to Zendesk as deskgate agent <agent@example\.com> \(role admin\)$/m);
    const bad = await check({ ...zendesk.env, DESKGATE_ZENDESK_API_TOKEN: 'wrong-token-xyz' });
    assert.equal(bad.code, 1, bad.output);
    assert.match(bad.output, /^Credentials rejected by Zendesk \(401\)/m);
    assert.ok(!bad.output.includes('wrong-token-xyz'));
  });

  test('a desk that cannot be reached: plain words, exit 1', async () => {
    const { code, output } = await check({ ...jira.env, DESKGATE_JIRA_BASE_URL: 'http://127.0.0.1:1' });
    assert.equal(code, 1, output);
    assert.match(output, /^Could not reach Jira at http:\/\/127\.0\.0\.1:1: /m);
  });

  test('a missing setting: the configuration error names it, exit 2', async () => {
    const { code, output } = await check({ ...jira.env, DESKGATE_JIRA_API_TOKEN: '' });
    assert.equal(code, 2, output);
    assert.match(output, /^deskgate: DESKGATE_DESK=jira needs DESKGATE_JIRA_API_TOKEN\.$/m);
  });
});
