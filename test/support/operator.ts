import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { openDeskgate, type Deskgate } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase } from './database.js';

/** A fresh database and data directory for deskgate child processes; `env` holds their settings. */
export async function processFixture(name: string, extraEnv: Record<string, string> = {}) {
  const database = await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), `deskgate-${name}-`));
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    DESKGATE_DATA_DIR: dataDir,
    DESKGATE_PORT: '0',
    DESKGATE_SECRET: `${name}-test-secret-0123456789abcdef0123456789`,
    DESKGATE_WORKER_POLL_INTERVAL_MS: '100',
    ...extraEnv,
  };
  return {
    env,
    dataDir,
    async close() {
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Runs `action` as an operator command would, on the database a spawned deskgate uses. */
export async function asOperator<T>(env: Record<string, string>, action: (deskgate: Deskgate) => Promise<T>): Promise<T> {
  const deskgate = await openDeskgate(loadConfig(env), { role: 'cli', log: createLogger('silent') });
  try {
    return await action(deskgate);
  } finally {
    await deskgate.close();
  }
}

/** An account with support tickets on, an OAuth client and a customer with an email. */
export function seedRipioPartner(env: Record<string, string>, name: string) {
  return asOperator(env, async (d) => {
    const account = await d.accounts.create(name);
    await d.accounts.setSupportTickets(account.id, true);
    const client = await d.accounts.createOAuthClient(account.id);
    const customer = await d.customers.create(account.id, { email: `${name.toLowerCase()}@example.com`, type: 'INDIVIDUAL' });
    return { ...client, customerId: customer.id };
  });
}
