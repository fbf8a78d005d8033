import path from 'node:path';
import { DEFAULT_RETRY_SCHEDULE_MS } from './webhooks/retry-schedule.js';
import { ConfigError } from './config-error.js';
import { withConfigFile } from './config-file.js';
import type { JiraDeskConfig } from './desks/jira.js';
import type { ZendeskDeskConfig } from './desks/zendesk.js';

/** Every setting deskgate reads, already validated. */
export interface Config {
  host: string;
  port: number;
  /** Unset: deskgate runs an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | null;
  dataDir: string;
  /** Master secret (keyed hashes, JWT signing, sealed keys); unset: generated under `dataDir`. */
  secret: string | null;
  logLevel: string;
  tokenTtlSeconds: number;
  /** How long an authenticated credential may be served from memory; changes also evict it at once (0: always read). */
  credentialCacheMs: number;
  publicBaseUrl: string | null;
  worker: {
    concurrency: number;
    pollIntervalMs: number;
    heartbeatMs: number;
    /** A worker silent for this long is presumed dead and its jobs are run elsewhere. */
    deadAfterMs: number;
    /** How often each process hands over jobs that a crashed peer committed but never handed to the workers. */
    outboxSweepMs: number;
    /** Under load, commits gather into one hand-over to the workers per this many ms at most (see jobs/dispatcher.ts). */
    handOverIntervalMs: number;
  };
  desk: DeskConfig;
  registration: { deadlineMs: number; baseDelayMs: number; maxDelayMs: number };
  limits: { maxBodyBytes: number; idempotencyKeyTtlMs: number; staleInFlightMs: number };
  webhooks: {
    /** Delay before each attempt (the first is usually 0), without jitter. */
    retryScheduleMs: number[];
    /** Total budget of one attempt: connect, send, read the response. */
    timeoutMs: number;
    /** An endpoint failing without a success for this long is disabled. */
    disableAfterMs: number;
    /** Hosts that may use http and non-public addresses (tests: loopback). */
    allowedHosts: string[];
    /** Delivery log kept this long. */
    retentionMs: number;
    /** First attempts a worker process makes itself right after settling a ticket, at most at once (0: all through jobs). */
    inlineAttempts: number;
  };
  storage: StorageConfig;
  /** How long attachment bytes are kept after their ticket settled (CREATED or FAILED). */
  attachmentRetentionMs: number;
  /** Grace period for in-flight requests and jobs on SIGTERM before connections are cut. */
  shutdownTimeoutMs: number;
  /** Per-minute request budgets (0 turns one off) and concurrent uploads, enforced per account (token requests: per client IP). */
  rateLimits: { requestsPerMinute: number; ticketCreatesPerMinute: number; tokenRequestsPerMinute: number; maxConcurrentUploads: number };
  /** Timeouts against slow clients, and how many reverse proxies' X-Forwarded-For to trust for the client IP. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; trustProxyHops: number };
}

export type StorageConfig =
  | { kind: 'local' }
  | {
      kind: 's3';
      /** Unset: AWS's own endpoint for the region. */
      endpoint: string | null;
      region: string;
      bucket: string;
      /** Unset: the AWS SDK's default credential chain (instance role, AWS_* variables, ...). */
      credentials: { accessKeyId: string; secretAccessKey: string } | null;
      forcePathStyle: boolean;
      /** Prepended to every key, so one bucket can serve several deployments. */
      prefix: string;
    };

export { ConfigError };

/** The connectors' own settings; the per-call time limit is shared (`DeskConfig.timeoutMs`). */
export type JiraSettings = Omit<JiraDeskConfig, 'timeoutMs' | 'markerLabelPrefix'>;
export type ZendeskSettings = Omit<ZendeskDeskConfig, 'timeoutMs'>;

/** Which desk registers tickets, with that desk's settings. */
export type DeskConnectorConfig = { kind: 'builtin' } | { kind: 'jira'; jira: JiraSettings } | { kind: 'zendesk'; zendesk: ZendeskSettings };

export type DeskConfig = DeskConnectorConfig & {
  builtinPrefix: string;
  /** Time limit of one desk call (connect, send, answer). */
  timeoutMs: number;
  /** Jira and Zendesk only: consecutive transient failures that open the circuit, and how long it stays open. */
  circuitBreaker: { failureThreshold: number; coolDownMs: number };
};


type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^-?\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}".`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}.`);
  return value;
}

function text(env: Env, name: string, fallback: string, pattern?: RegExp, expectation?: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (pattern && !pattern.test(raw)) throw new ConfigError(`${name} ${expectation ?? 'is invalid'}, got "${raw}".`);
  return raw;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(true|1|yes)$/i.test(raw)) return true;
  if (/^(false|0|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}".`);
}

function required(env: Env, name: string, because: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') throw new ConfigError(`${name} is required ${because}.`);
  return raw;
}

function optionalUrl(env: Env, name: string, protocols: string[]): string | null {
  const raw = env[name];
  if (raw === undefined || raw === '') return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL.`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${parsed.protocol}".`);
  }
  return raw;
}

function list(env: Env, name: string, fallback: string[]): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw.split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function durationList(env: Env, name: string, fallback: readonly number[], maxEach: number): number[] {
  const items = list(env, name, fallback.map(String));
  if (items.length === 0 || items.length > 50) throw new ConfigError(`${name} must list 1 to 50 delays, got ${items.length}.`);
  return items.map((item) => {
    if (!/^\d+$/.test(item)) throw new ConfigError(`${name} must be a comma-separated list of whole milliseconds, got "${item}".`);
    const value = Number(item);
    if (value > maxEach) throw new ConfigError(`${name} delays must be at most ${maxEach}, got ${value}.`);
    return value;
  });
}

function storageConfig(env: Env): StorageConfig {
  const kind = text(env, 'DESKGATE_STORAGE', 'local', /^(local|s3)$/, 'must be local or s3') as StorageConfig['kind'];
  if (kind === 'local') return { kind };
  const because = 'when DESKGATE_STORAGE is s3';
  const accessKeyId = env.DESKGATE_S3_ACCESS_KEY_ID || null;
  const secretAccessKey = env.DESKGATE_S3_SECRET_ACCESS_KEY || null;
  if ((accessKeyId === null) !== (secretAccessKey === null)) {
    throw new ConfigError('DESKGATE_S3_ACCESS_KEY_ID and DESKGATE_S3_SECRET_ACCESS_KEY must be set together (or both left unset for the default AWS credential chain).');
  }
  return {
    kind,
    endpoint: optionalUrl(env, 'DESKGATE_S3_ENDPOINT', ['http:', 'https:']),
    region: text(env, 'DESKGATE_S3_REGION', 'us-east-1', /^[a-z0-9-]{1,40}$/, 'must be a region name such as us-east-1'),
    bucket: required(env, 'DESKGATE_S3_BUCKET', because),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : null,
    forcePathStyle: flag(env, 'DESKGATE_S3_FORCE_PATH_STYLE', false),
    prefix: text(env, 'DESKGATE_S3_PREFIX', '', /^([A-Za-z0-9!_.*'()-]+\/)*$/, 'must be empty or path segments each ending in "/", such as deskgate/prod/'),
  };
}

/**
 * The settings `DESKGATE_DESK=<kind>` cannot do without, all reported at once. Values are never
 * echoed back: some of them are credentials.
 */
function requiredForDesk<Name extends string>(env: Env, kind: string, names: readonly Name[]): Record<Name, string> {
  const missing = names.filter((name) => (env[name] ?? '').trim() === '');
  if (missing.length > 0) throw new ConfigError(`DESKGATE_DESK=${kind} needs ${missing.join(', ')}.`);
  return Object.fromEntries(names.map((name) => [name, (env[name] ?? '').trim()])) as Record<Name, string>;
}

/** A desk's base URL: https, or plain http to this machine only (local fakes), since credentials travel with every call. */
function deskBaseUrl(name: string, raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL such as https://acme.example.com.`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && loopback)) {
    throw new ConfigError(`${name} must use https (plain http is only allowed for localhost), got "${parsed.protocol}".`);
  }
  return raw.replace(/\/+$/, '');
}

function deskConnector(env: Env): DeskConnectorConfig {
  const kind = text(env, 'DESKGATE_DESK', 'builtin', /^(builtin|jira|zendesk)$/, 'must be builtin, jira or zendesk');
  if (kind === 'jira') {
    const given = requiredForDesk(env, kind, [
      'DESKGATE_JIRA_BASE_URL',
      'DESKGATE_JIRA_EMAIL',
      'DESKGATE_JIRA_API_TOKEN',
      'DESKGATE_JIRA_SERVICE_DESK_ID',
      'DESKGATE_JIRA_REQUEST_TYPE_ID',
    ] as const);
    const fieldId = /^(summary|description|customfield_\d+)$/;
    const fieldIdRule = 'must be summary, description or customfield_<number>';
    return {
      kind,
      jira: {
        baseUrl: deskBaseUrl('DESKGATE_JIRA_BASE_URL', given.DESKGATE_JIRA_BASE_URL),
        email: given.DESKGATE_JIRA_EMAIL,
        apiToken: given.DESKGATE_JIRA_API_TOKEN,
        serviceDeskId: text(env, 'DESKGATE_JIRA_SERVICE_DESK_ID', '', /^(\d+|[A-Z][A-Z0-9_]+)$/, "must be the service desk's number or its project key"),
        requestTypeId: text(env, 'DESKGATE_JIRA_REQUEST_TYPE_ID', '', /^\d+$/, 'must be the request type\'s number'),
        fieldMap: {
          summary: text(env, 'DESKGATE_JIRA_SUMMARY_FIELD', 'summary', fieldId, fieldIdRule),
          description: text(env, 'DESKGATE_JIRA_DESCRIPTION_FIELD', 'description', fieldId, fieldIdRule),
        },
      },
    };
  }
  if (kind === 'zendesk') {
    const given = requiredForDesk(env, kind, ['DESKGATE_ZENDESK_BASE_URL', 'DESKGATE_ZENDESK_EMAIL', 'DESKGATE_ZENDESK_API_TOKEN'] as const);
    return {
      kind,
      zendesk: {
        baseUrl: deskBaseUrl('DESKGATE_ZENDESK_BASE_URL', given.DESKGATE_ZENDESK_BASE_URL),
        email: given.DESKGATE_ZENDESK_EMAIL,
        apiToken: given.DESKGATE_ZENDESK_API_TOKEN,
        referenceFormat: text(env, 'DESKGATE_ZENDESK_REFERENCE_FORMAT', 'ZD-{id}', /\{id\}/, 'must contain {id} (the Zendesk ticket number)'),
      },
    };
  }
  return { kind: 'builtin' };
}

function httpSettings(env: Env): Config['http'] {
  // A request's headers must all arrive within headersTimeoutMs (slowloris); the whole request within requestTimeoutMs.
  const headersTimeoutMs = integer(env, 'DESKGATE_HEADERS_TIMEOUT_MS', 20_000, 500, 600_000);
  const requestTimeoutMs = integer(env, 'DESKGATE_REQUEST_TIMEOUT_MS', 10 * 60_000, 1_000, 3_600_000);
  if (headersTimeoutMs > requestTimeoutMs) throw new ConfigError('DESKGATE_HEADERS_TIMEOUT_MS must not exceed DESKGATE_REQUEST_TIMEOUT_MS.');
  return { headersTimeoutMs, requestTimeoutMs, trustProxyHops: integer(env, 'DESKGATE_TRUST_PROXY_HOPS', 0, 0, 10) };
}

/** Every setting, from the environment (and the optional DESKGATE_CONFIG_FILE underneath it). */
export function loadConfig(env: Env = withConfigFile(process.env)): Config {
  const secret = env.DESKGATE_SECRET;
  if (secret !== undefined && secret !== '' && secret.length < 32) {
    throw new ConfigError('DESKGATE_SECRET must be at least 32 characters (use `openssl rand -hex 32`).');
  }
  return {
    host: text(env, 'DESKGATE_HOST', '127.0.0.1'),
    port: integer(env, 'DESKGATE_PORT', 8080, 0, 65535),
    databaseUrl: optionalUrl(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(text(env, 'DESKGATE_DATA_DIR', './data')),
    secret: secret === undefined || secret === '' ? null : secret,
    logLevel: text(env, 'DESKGATE_LOG_LEVEL', 'info', /^(fatal|error|warn|info|debug|trace|silent)$/, 'must be one of fatal, error, warn, info, debug, trace, silent'),
    tokenTtlSeconds: integer(env, 'DESKGATE_TOKEN_TTL_SECONDS', 36_000, 60, 30 * 86_400),
    credentialCacheMs: integer(env, 'DESKGATE_CREDENTIAL_CACHE_MS', 30_000, 0, 3_600_000),
    publicBaseUrl: optionalUrl(env, 'DESKGATE_PUBLIC_BASE_URL', ['http:', 'https:']),
    worker: {
      concurrency: integer(env, 'DESKGATE_WORKER_CONCURRENCY', 8, 1, 256),
      pollIntervalMs: integer(env, 'DESKGATE_WORKER_POLL_INTERVAL_MS', 2_000, 50, 60_000),
      heartbeatMs: integer(env, 'DESKGATE_WORKER_HEARTBEAT_MS', 5_000, 50, 60_000),
      deadAfterMs: integer(env, 'DESKGATE_WORKER_DEAD_AFTER_MS', 30_000, 500, 3_600_000),
      outboxSweepMs: integer(env, 'DESKGATE_JOB_OUTBOX_SWEEP_MS', 1_000, 50, 60_000),
      handOverIntervalMs: integer(env, 'DESKGATE_JOB_HANDOVER_INTERVAL_MS', 25, 0, 1_000),
    },
    desk: {
      ...deskConnector(env),
      builtinPrefix: text(env, 'DESKGATE_BUILTIN_PREFIX', 'SUP', /^[A-Z][A-Z0-9]{0,9}$/, 'must be 1-10 capital letters or digits, starting with a letter'),
      timeoutMs: integer(env, 'DESKGATE_DESK_TIMEOUT_MS', 30_000, 100, 300_000),
      circuitBreaker: {
        failureThreshold: integer(env, 'DESKGATE_DESK_CIRCUIT_BREAKER_THRESHOLD', 5, 1, 1_000),
        coolDownMs: integer(env, 'DESKGATE_DESK_CIRCUIT_BREAKER_COOL_DOWN_MS', 30_000, 100, 3_600_000),
      },
    },
    registration: {
      deadlineMs: integer(env, 'DESKGATE_REGISTRATION_DEADLINE_MS', 24 * 3_600_000, 1_000, 30 * 86_400_000),
      baseDelayMs: integer(env, 'DESKGATE_REGISTRATION_BASE_DELAY_MS', 2_000, 1, 3_600_000),
      maxDelayMs: integer(env, 'DESKGATE_REGISTRATION_MAX_DELAY_MS', 3_600_000, 1, 86_400_000),
    },
    limits: {
      // Attachments may total 50 MiB; the rest is form overhead (fields, part headers).
      maxBodyBytes: integer(env, 'DESKGATE_MAX_BODY_BYTES', 51 * 1024 * 1024, 1024 * 1024, 1024 * 1024 * 1024),
      idempotencyKeyTtlMs: integer(env, 'DESKGATE_IDEMPOTENCY_TTL_MS', 48 * 3_600_000, 24 * 3_600_000, 30 * 86_400_000),
      staleInFlightMs: integer(env, 'DESKGATE_IDEMPOTENCY_STALE_MS', 10 * 60_000, 1_000, 86_400_000),
    },
    webhooks: {
      retryScheduleMs: durationList(env, 'DESKGATE_WEBHOOK_RETRY_SCHEDULE_MS', DEFAULT_RETRY_SCHEDULE_MS, 7 * 86_400_000),
      timeoutMs: integer(env, 'DESKGATE_WEBHOOK_TIMEOUT_MS', 15_000, 100, 60_000),
      disableAfterMs: integer(env, 'DESKGATE_WEBHOOK_DISABLE_AFTER_MS', 5 * 86_400_000, 1_000, 90 * 86_400_000),
      allowedHosts: list(env, 'DESKGATE_WEBHOOK_ALLOWED_HOSTS', []),
      retentionMs: integer(env, 'DESKGATE_WEBHOOK_RETENTION_MS', 30 * 86_400_000, 3_600_000, 3_650 * 86_400_000),
      inlineAttempts: integer(env, 'DESKGATE_WEBHOOK_INLINE_ATTEMPTS', 32, 0, 1_000),
    },
    storage: storageConfig(env),
    attachmentRetentionMs: integer(env, 'DESKGATE_ATTACHMENT_RETENTION_MS', 30 * 86_400_000, 0, 10 * 365 * 86_400_000),
    shutdownTimeoutMs: integer(env, 'DESKGATE_SHUTDOWN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    rateLimits: {
      requestsPerMinute: integer(env, 'DESKGATE_RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
      ticketCreatesPerMinute: integer(env, 'DESKGATE_TICKET_CREATE_LIMIT_PER_MINUTE', 60, 0, 1_000_000),
      tokenRequestsPerMinute: integer(env, 'DESKGATE_TOKEN_LIMIT_PER_MINUTE', 30, 0, 1_000_000),
      maxConcurrentUploads: integer(env, 'DESKGATE_MAX_CONCURRENT_UPLOADS', 4, 1, 1_000),
    },
    http: httpSettings(env),
  };
}
