import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openDeskgate } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createTestDatabase } from './support/database.js';
import { listeningUrl, spawnDeskgate, type DeskgateProcess } from './support/process.js';
import { createCustomer, createTicket, requestToken, ticketForm, type Partner } from './support/ripio.js';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';
import { FAST_WEBHOOKS, registerEndpoint, verifiedWith } from './support/webhooks.js';

// Two `serve --no-worker` and two `worker` processes on one PostgreSQL, under load.
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let receiver: WebhookReceiver;
const processes: DeskgateProcess[] = [];
const dataDirs: string[] = [];

const baseEnv = (dataDir: string) => ({
  DATABASE_URL: database.url,
  DESKGATE_DATA_DIR: dataDir,
  DESKGATE_PORT: '0',
  DESKGATE_SECRET: 'scale-out-secret-0123456789abcdef0123456789',
  DESKGATE_WORKER_POLL_INTERVAL_MS: '200',
  DESKGATE_WORKER_CONCURRENCY: '4',
  // Many tickets from one account in well under a minute: budgets are not what this test is about.
  DESKGATE_RATE_LIMIT_PER_MINUTE: '0',
  DESKGATE_TICKET_CREATE_LIMIT_PER_MINUTE: '0',
  ...FAST_WEBHOOKS,
});

before(async () => {
  database = await createTestDatabase();
  receiver = await startWebhookReceiver();
});
after(async () => {
  for (const proc of processes) if (proc.child.exitCode === null) proc.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));
  await receiver.close();
  await database.drop();
  // Attachments are shared storage: every process of a deployment points at the same place.
  await Promise.all(dataDirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

test('2 API processes and 2 workers share one database: every ticket registered once, every event delivered', async () => {
  const shared = await fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-scale-'));
  dataDirs.push(shared);
  const env = baseEnv(shared);
  // Migrate and create the partner once, as an operator would.
  const operator = await openDeskgate(loadConfig(env), { role: 'cli', log: createLogger('silent') });
  const account = await operator.accounts.create('Scale');
  await operator.accounts.setSupportTickets(account.id, true);
  const client = await operator.accounts.createOAuthClient(account.id);
  await operator.close();

  const apis = [spawnDeskgate(['serve', '--no-worker'], env), spawnDeskgate(['serve', '--no-worker'], env)];
  const workers = [spawnDeskgate(['worker'], env), spawnDeskgate(['worker'], env)];
  processes.push(...apis, ...workers);
  const urls = await Promise.all(apis.map((p) => listeningUrl(p)));
  const targets = urls.map((url) => ({ url }));
  const token = await requestToken(targets[0]!, client.clientId, client.clientSecret);
  const partner: Partner = { accountId: account.id, clientId: client.clientId, clientSecret: client.clientSecret, token };
  const endpoint = await registerEndpoint(targets[1]!, partner, `${receiver.url}/hooks`);
  const customerId = await createCustomer(targets[0]!, partner);

  const TICKETS = 60;
  const accepted: string[] = [];
  await Promise.all(
    Array.from({ length: 6 }, async (_, lane) => {
      for (let i = lane; i < TICKETS; i += 6) {
        const res = await createTicket(targets[i % 2]!, partner, ticketForm({ customerId, summary: `load ${i}`, description: 'scale-out' }));
        assert.equal(res.status, 202);
        accepted.push(res.body.ticketId);
      }
    }),
  );

  await receiver.waitForRequests(TICKETS, 90_000);
  const events = receiver.requests.map((r) => ({ id: r.headers['webhook-id'], body: JSON.parse(r.body), verified: verifiedWith(r, endpoint.secret) }));
  assert.ok(events.every((e) => e.verified), 'every delivery carries a valid signature');
  const ticketsNotified = new Set(events.map((e) => e.body.supportTicket.ticketId));
  assert.deepEqual([...ticketsNotified].sort(), [...accepted].sort(), 'one CREATED event per ticket reached the receiver');
  assert.ok(events.every((e) => e.body.eventType === 'SUPPORT_TICKET.CREATED'));

  const check = await openDeskgate(loadConfig(env), { role: 'cli', log: createLogger('silent') });
  try {
    const { db } = check.database;
    const tickets = await db.selectFrom('tickets').select(['id', 'status', 'desk_reference']).execute();
    const cases = await db.selectFrom('builtin_cases').select(['ticket_id', 'key']).execute();
    assert.equal(tickets.length, TICKETS);
    assert.ok(tickets.every((t) => t.status === 'CREATED'));
    assert.equal(cases.length, TICKETS, 'exactly one desk case per ticket');
    assert.equal(new Set(cases.map((c) => c.key)).size, TICKETS);
    const heartbeats = await db.selectFrom('worker_heartbeats').select('process').distinct().execute();
    assert.equal(heartbeats.length, 2, 'both worker processes were running jobs');
  } finally {
    await check.close();
  }
  for (const proc of apis) assert.doesNotMatch(proc.output(), /Worker connected/, 'serve --no-worker runs no jobs');
});
