import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { openDeskgate, type Deskgate, type OpenOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/log.js';
import { createTestDatabase } from './database.js';

export interface TestApp {
  url: string;
  deskgate: Deskgate;
  dataDir: string;
  databaseUrl: string;
  /** Stops the app, drops its database and removes its data directory. */
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra environment settings (DESKGATE_*), as an operator would give them. */
  env?: Record<string, string>;
  worker?: boolean;
  desk?: OpenOptions['desk'];
  /** Where the app logs (default: stderr at DESKGATE_TEST_LOG_LEVEL, silent unless set). */
  log?: OpenOptions['log'];
}

/** The real HTTP server on a free loopback port, on a fresh database, with a fast job worker. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-test-'));
  const config = loadConfig({
    DATABASE_URL: database.url,
    DESKGATE_DATA_DIR: dataDir,
    DESKGATE_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
    DESKGATE_WORKER_POLL_INTERVAL_MS: '100',
    DESKGATE_WORKER_HEARTBEAT_MS: '200',
    DESKGATE_WORKER_DEAD_AFTER_MS: '2000',
    // Request budgets are exercised by test/http/limits.test.ts; elsewhere they would only make tests depend on pace.
    DESKGATE_RATE_LIMIT_PER_MINUTE: '0',
    DESKGATE_TICKET_CREATE_LIMIT_PER_MINUTE: '0',
    DESKGATE_TOKEN_LIMIT_PER_MINUTE: '0',
    DESKGATE_LOG_LEVEL: process.env.DESKGATE_TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const deskgate = await openDeskgate(config, {
    role: 'serve',
    log: options.log ?? createLogger(config.logLevel, 2),
    desk: options.desk,
  });
  const server = await deskgate.buildServer();
  await server.listen({ host: '127.0.0.1', port: 0 });
  if (options.worker !== false) await deskgate.startWorker();
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    deskgate,
    dataDir,
    databaseUrl: database.url,
    async close() {
      await deskgate.close();
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `probe` until it returns a truthy value (or fails after `timeoutMs`). */
export async function eventually<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
