import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrate, migrationsCurrent } from './db/migrate.js';
import { warnAboutServerSettings } from './db/server-settings.js';
import type { Desk } from './desks/desk.js';
import { closeGracefully } from './http/graceful-close.js';
import { createDesk } from './desks/index.js';
import { buildServer } from './http/server.js';
import { registerDatabaseGauges } from './observability/database-gauges.js';
import { createMetrics } from './observability/metrics.js';
import { CRONTAB, createTaskList } from './jobs/tasks.js';
import { createJobDispatcher } from './jobs/dispatcher.js';
import { TASKS } from './jobs/task-names.js';
import { startJobWorker, type JobWorker } from './jobs/worker.js';
import { deriveKeys, loadMasterSecret } from './security/master-key.js';
import { createTokenService } from './security/tokens.js';
import { createAccountService } from './services/accounts.js';
import { createAdminKeyService } from './services/admin-keys.js';
import { createApiKeyService } from './services/api-keys.js';
import { createAttachmentRetention } from './services/attachment-retention.js';
import { createAuthService } from './services/auth.js';
import { createCredentialCache } from './services/credential-cache.js';
import { createCpnSubscriptionService } from './services/cpn-subscriptions.js';
import { createCustomerService } from './services/customers.js';
import { createIdempotencyService } from './services/idempotency.js';
import { createNotificationSigningKeyService } from './services/notification-signing-keys.js';
import { createOperatorService } from './services/operator.js';
import { createPaymentService } from './services/payments.js';
import { createRateLimitService } from './services/rate-limits.js';
import { createRegistrationService } from './services/registration.js';
import { createTicketService } from './services/tickets.js';
import { createWebhookDeliveryService } from './services/webhook-deliveries.js';
import { createWebhookEndpointService } from './services/webhook-endpoints.js';
import { createUploadSlots } from './services/upload-slots.js';
import { createLocalStorage } from './storage/local.js';
import { createS3Storage } from './storage/s3.js';
import type { ObjectStorage } from './storage/storage.js';
import { createCpnWebhookDialect } from './webhooks/cpn-dialect.js';
import { createWebhookDeliverer, firstAttemptAt } from './webhooks/deliver.js';
import type { WebhookDialects } from './webhooks/dialect.js';
import { webhookOutbox } from './webhooks/events.js';
import { createInlineDeliveries } from './webhooks/inline-deliveries.js';
import { createRipioWebhookDialect } from './webhooks/ripio-dialect.js';
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
  // Long-running processes say once, at start, what in the server's settings will hurt them.
  if (options.role !== 'cli') await warnAboutServerSettings(database.pool, options.log);
  const desk = options.desk ? options.desk(database) : createDesk(config.desk, db);
  const jobs = createJobDispatcher({
    db,
    pool: database.pool,
    log: options.log.child({ component: 'jobs' }),
    sweepIntervalMs: config.worker.outboxSweepMs,
    minIntervalMs: config.worker.handOverIntervalMs,
    // A desk that registers many tickets in one call gets them in batch jobs.
    batchSizes: { [TASKS.registerTicket]: desk.batch?.size ?? 1 },
  });
  // Operator commands hand over what they enqueue when they close; long-running processes also sweep up after crashed peers.
  if (options.role !== 'cli') jobs.startSweeping();
  const metrics = createMetrics();
  registerDatabaseGauges(metrics.registry, db, options.log);
  const storage: ObjectStorage =
    config.storage.kind === 's3' ? createS3Storage(config.storage) : createLocalStorage(path.join(config.dataDir, 'files'));
  const tokens = createTokenService(keys.tokenSigning, config.tokenTtlSeconds);
  const credentials = createCredentialCache({ pool: database.pool, log: options.log.child({ component: 'credentials' }), ttlMs: config.credentialCacheMs });
  const accounts = createAccountService({ db, secretHashingKey: keys.secretHashing, credentials });
  const notificationSigningKeys = createNotificationSigningKeyService({ db, sealingKey: keys.sealing });
  // One delivery core; each dialect only names, shapes and signs its events.
  const webhookDialects: WebhookDialects = { ripio: createRipioWebhookDialect(keys.sealing), cpn: createCpnWebhookDialect(notificationSigningKeys) };
  const deliveryPolicy = {
    retryScheduleMs: config.webhooks.retryScheduleMs,
    timeoutMs: config.webhooks.timeoutMs,
    disableAfterMs: config.webhooks.disableAfterMs,
    outbound: { allowedHosts: config.webhooks.allowedHosts },
  };
  const webhookDeliverer = createWebhookDeliverer({ db, jobs, dialects: webhookDialects, policy: deliveryPolicy, metrics, log: options.log.child({ component: 'webhooks' }) });
  const webhookDeliveries = createWebhookDeliveryService({ db, jobs, retentionMs: config.webhooks.retentionMs });
  const inlineDeliveries = createInlineDeliveries({
    deliverer: webhookDeliverer,
    maxInFlight: config.webhooks.inlineAttempts,
    attemptTimeoutMs: config.webhooks.timeoutMs,
    log: options.log.child({ component: 'webhooks' }),
  });
  const services = {
    accounts,
    apiKeys: createApiKeyService({ db, secretHashingKey: keys.secretHashing, accounts, credentials }),
    payments: createPaymentService({ db, accounts }),
    auth: createAuthService({ db, secretHashingKey: keys.secretHashing, tokens, credentials }),
    customers: createCustomerService({ db }),
    tickets: createTicketService({ db, jobs, idempotency: { staleInFlightMs: config.limits.staleInFlightMs, ttlMs: config.limits.idempotencyKeyTtlMs } }),
    retention: createAttachmentRetention({ db, storage, retentionMs: config.attachmentRetentionMs }),
    idempotency: createIdempotencyService({ db, staleInFlightMs: config.limits.staleInFlightMs, ttlMs: config.limits.idempotencyKeyTtlMs }),
    registration: createRegistrationService({
      db,
      jobs,
      desk,
      storage,
      policy: { ...config.registration, deskTimeoutMs: config.desk.timeoutMs },
      outbox: webhookOutbox({ db, dialects: webhookDialects, firstAttemptAt: (now) => firstAttemptAt(deliveryPolicy, now), inline: inlineDeliveries }),
      metrics,
    }),
    webhookDeliverer,
    webhookDeliveries,
    notificationSigningKeys,
    cpnSubscriptions: createCpnSubscriptionService({ db, outbound: deliveryPolicy.outbound, headCheckTimeoutMs: deliveryPolicy.timeoutMs }),
    webhookEndpoints: createWebhookEndpointService({
      db,
      sealingKey: keys.sealing,
      dialects: webhookDialects,
      outbound: deliveryPolicy.outbound,
      deliverer: webhookDeliverer,
      deliveries: webhookDeliveries,
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
    metrics,
    log: options.log,
    webhookDialects,
    ...services,
    operator,
    adminKeys,
    async buildServer() {
      server = await buildServer({
        log: options.log,
        ...services,
        storage,
        metrics,
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
        shutdownTimeoutMs: config.shutdownTimeoutMs,
        log: options.log.child({ component: 'worker' }),
      });
      return worker;
    },
    /** Graceful: stop taking requests, finish in-flight ones, release jobs and desk connections, close the pool, stop the embedded database. */
    async close() {
      // HTTP and jobs drain side by side; the database goes last, once nothing uses it.
      await Promise.all([
        server && closeGracefully(server, config.shutdownTimeoutMs, options.log),
        worker?.stop(),
      ]);
      // First attempts still running are left to their jobs past the deadline.
      await inlineDeliveries.drain(config.webhooks.timeoutMs);
      await Promise.all([jobs.stop(), credentials.close()]);
      await desk.close?.();
      await database.close();
    },
  };
}

export type Deskgate = Awaited<ReturnType<typeof openDeskgate>>;
