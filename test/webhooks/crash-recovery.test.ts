import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openDeskgate } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { eventually } from '../support/app.js';
import { createTestDatabase } from '../support/database.js';
import { api, requestToken, type ApiTarget } from '../support/ripio.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.js';
import { raiseTicket, registerEndpoint, verifiedWith } from '../support/webhooks.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let dataDir: string;
let receiver: WebhookReceiver;
const children = new Set<ChildProcess>();

before(async () => {
  database = await createTestDatabase();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-crash-'));
});
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  await receiver?.close();
  await database.drop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const env = (extra: Record<string, string> = {}) => ({
  DATABASE_URL: database.url,
  DESKGATE_DATA_DIR: dataDir,
  DESKGATE_SECRET: 'crash-test-secret-0123456789abcdef0123456789',
  DESKGATE_HOST: '127.0.0.1',
  DESKGATE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  DESKGATE_WORKER_POLL_INTERVAL_MS: '100',
  DESKGATE_WORKER_HEARTBEAT_MS: '200',
  DESKGATE_WORKER_DEAD_AFTER_MS: '1500',
  DESKGATE_LOG_LEVEL: 'warn',
  ...extra,
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `deskgate serve` as its own process, ready once /healthz answers. */
async function startDeskgate(extra: Record<string, string>): Promise<{ process: ChildProcess; target: ApiTarget }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve'], {
    env: { ...process.env, ...env(extra), DESKGATE_PORT: String(port) },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const target = { url: `http://127.0.0.1:${port}` };
  await eventually(() => fetch(`${target.url}/healthz`).then((r) => r.ok, () => false), 30_000, 'deskgate to start');
  return { process: child, target };
}

async function killHard(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** The receiver holds the first attempt until deskgate is killed; after a restart the event arrives again, the same bytes, and is recorded once. */
async function killDuringFirstAttempt(settings: Record<string, string>, redeliveredWithinMs = 30_000) {
  await receiver?.close();
  receiver = await startWebhookReceiver();
  const first = await startDeskgate(settings);

  // Operator set-up, as `deskgate accounts create` / `clients create` would do it.
  const operator = await openDeskgate(loadConfig(env()), { role: 'cli', log: createLogger('silent', 2) });
  const account = await operator.accounts.create('Crash test');
  await operator.accounts.setSupportTickets(account.id, true);
  const client = await operator.accounts.createOAuthClient(account.id);
  await operator.close();
  const token = await requestToken(first.target, client.clientId, client.clientSecret);
  const partner = { accountId: account.id, clientId: client.clientId, clientSecret: client.clientSecret, token };

  receiver.enqueue({ delayMs: 60_000 }); // holds the first attempt until deskgate dies
  const endpoint = await registerEndpoint(first.target, partner, `${receiver.url}/hooks`);
  await raiseTicket(first.target, partner);
  await receiver.waitForRequests(1, 20_000);
  await killHard(first.process);

  const second = await startDeskgate(settings);
  try {
    const requests = await receiver.waitForRequests(2, redeliveredWithinMs);
    assert.equal(requests[1]!.headers['webhook-id'], requests[0]!.headers['webhook-id']);
    assert.equal(requests[1]!.body, requests[0]!.body);
    assert.ok(verifiedWith(requests[1]!, endpoint.secret));
    const delivery = await eventually(async () => {
      const res = await api(second.target, 'GET', `/api/v1/webhooks/${endpoint.id}/deliveries/`, { token });
      return res.body.deliveries[0]?.status === 'delivered' ? res.body.deliveries[0] : null;
    }, 15_000, 'the delivery to be marked delivered');
    // The killed attempt never got recorded; the one after the restart is the first in the log.
    assert.equal(delivery.attempts, 1);
    assert.equal(delivery.attemptLog[0].statusCode, 200);
  } finally {
    await killHard(second.process);
  }
}

test('kill -9 while a receiver holds a first attempt made by the delivery job: the job is freed and delivers after a restart', { timeout: 90_000 }, () =>
  killDuringFirstAttempt({ DESKGATE_WEBHOOK_INLINE_ATTEMPTS: '0' }));

test('kill -9 while a receiver holds a first attempt made right after settling: the delivery\'s waiting job delivers after a restart', { timeout: 120_000 }, () =>
  // A 3 s attempt timeout puts the fallback job 36 s after the settlement.
  killDuringFirstAttempt({ DESKGATE_WEBHOOK_TIMEOUT_MS: '3000' }, 60_000));
