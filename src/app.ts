import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrate, migrationsCurrent } from './db/migrate.js';
import { createBuiltinDesk } from './desks/builtin.js';
import type { Desk } from './desks/desk.js';
import { buildServer } from './http/server.js';
import { CRONTAB, createTaskList } from './jobs/tasks.js';
import { startJobWorker, type JobWorker } from './jobs/worker.js';
import { deriveKeys, loadMasterSecret } from './security/master-key.js';
import { createTokenService } from './security/tokens.js';
import { createAccountService } from './services/accounts.js';
import { createAdminKeyService } from './services/admin-keys.js';
import { createApiKeyService } from './services/api-keys.js';
import { createAuthService } from './services/auth.js';
import { createCustomerService } from './services/customers.js';
import { createIdempotencyService } from './services/idempotency.js';
import { createOperatorService } from './services/operator.js';
import { createPaymentService } from './services/payments.js';
import { createRateLimitService } from './services/rate-limits.js';
import { createRegistrationService } from './services/registration.js';
import { createTicketService } from './services/tickets.js';
import { createUploadSlots } from './services/upload-slots.js';
import { createLocalStorage } from './storage/local.js';
import type { ObjectStorage } from './storage/storage.js';
import path from 'node:path';

export interface OpenOptions {
  role: 'serve' | 'worker' | 'cli';
  log: Logger;
  /** Operator commands attach to a running deskgate's embedded database. */
  attachToRunning?: boolean;
  /** Tests replace the desk (fakes, failure injection). */
  desk?: (database: DatabaseHandle) => Desk;
}

/** Everything deskgate is made of, wired once: the composition root. */
export async function openDeskgate(config: Config, options: OpenOptions) {
  const secret = await loadMasterSecret(config.secret, config.dataDir);
  const keys = deriveKeys(secret);
  const database = await openDatabase(config, { role: options.role, attachToRunning: options.attachToRunning });
  try {
    await migrate(database.pool);
  } catch (error) {
    await database.close();
    throw error;
  }
  const { db } = database;
  const storage: ObjectStorage = createLocalStorage(path.join(config.dataDir, 'files'));
  const desk = options.desk ? options.desk(database) : createBuiltinDesk(db, config.desk.builtinPrefix);
  const tokens = createTokenService(keys.tokenSigning, config.tokenTtlSeconds);
  const accounts = createAccountService({ db, secretHashingKey: keys.secretHashing });
  const services = {
    accounts,
    apiKeys: createApiKeyService({ db, secretHashingKey: keys.secretHashing, accounts }),
    payments: createPaymentService({ db, accounts }),
    auth: createAuthService({ db, secretHashingKey: keys.secretHashing, tokens }),
    customers: createCustomerService({ db }),
    tickets: createTicketService({ db }),
    idempotency: createIdempotencyService({ db, staleInFlightMs: config.limits.staleInFlightMs, ttlMs: config.limits.idempotencyKeyTtlMs }),
    registration: createRegistrationService({
      db,
      desk,
      storage,
      policy: { ...config.registration, deskTimeoutMs: config.desk.timeoutMs },
      onSettled: [],
    }),
  };
  const operator = createOperatorService({ ...services, desk });
  const adminKeys = createAdminKeyService({ db, secretHashingKey: keys.secretHashing });

  let server: FastifyInstance | null = null;
  let worker: JobWorker | null = null;

  return {
    config,
    database,
    storage,
    desk,
    log: options.log,
    ...services,
    operator,
    adminKeys,
    async buildServer() {
      server = await buildServer({
        log: options.log,
        ...services,
        storage,
        maxBodyBytes: config.limits.maxBodyBytes,
        publicBaseUrl: config.publicBaseUrl,
        limits: { rates: createRateLimitService({ db, policy: config.rateLimits }), uploads: createUploadSlots(config.rateLimits.maxConcurrentUploads) },
        admin: { adminKeys, operator },
        http: config.http,
        readiness: async () => ({
          database: await database.pool.query('SELECT 1').then(() => true, () => false),
          migrations: await migrationsCurrent(database.pool).catch(() => false),
          storage: await storage.checkWritable().then(() => true, () => false),
        }),
      });
      return server;
    },
    async startWorker() {
      worker = await startJobWorker({
        pool: database.pool,
        db,
        tasks: createTaskList(services),
        crontab: CRONTAB,
        concurrency: config.worker.concurrency,
        pollIntervalMs: config.worker.pollIntervalMs,
        liveness: { heartbeatMs: config.worker.heartbeatMs, deadAfterMs: config.worker.deadAfterMs },
        log: options.log.child({ component: 'worker' }),
      });
      return worker;
    },
    /** Graceful: stop taking requests, finish in-flight ones, release jobs, close the pool, stop the embedded database. */
    async close() {
      if (server) await server.close();
      if (worker) await worker.stop();
      await database.close();
    },
  };
}

export type Deskgate = Awaited<ReturnType<typeof openDeskgate>>;
