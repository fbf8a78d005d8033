import path from 'node:path';

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
  publicBaseUrl: string | null;
  worker: { concurrency: number; pollIntervalMs: number; heartbeatMs: number; deadAfterMs: number };
  desk: { kind: 'builtin'; builtinPrefix: string; timeoutMs: number };
  registration: { deadlineMs: number; baseDelayMs: number; maxDelayMs: number };
  limits: { maxBodyBytes: number; idempotencyKeyTtlMs: number; staleInFlightMs: number };
  /** Per-minute request budgets (0 turns one off) and concurrent uploads, enforced per account (token requests: per client IP). */
  rateLimits: { requestsPerMinute: number; ticketCreatesPerMinute: number; tokenRequestsPerMinute: number; maxConcurrentUploads: number };
  /** Timeouts against slow clients, and how many reverse proxies' X-Forwarded-For to trust for the client IP. */
  http: { headersTimeoutMs: number; requestTimeoutMs: number; trustProxyHops: number };
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

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

function httpSettings(env: Env): Config['http'] {
  // A request's headers must all arrive within headersTimeoutMs (slowloris); the whole request within requestTimeoutMs.
  const headersTimeoutMs = integer(env, 'DESKGATE_HEADERS_TIMEOUT_MS', 20_000, 500, 600_000);
  const requestTimeoutMs = integer(env, 'DESKGATE_REQUEST_TIMEOUT_MS', 10 * 60_000, 1_000, 3_600_000);
  if (headersTimeoutMs > requestTimeoutMs) throw new ConfigError('DESKGATE_HEADERS_TIMEOUT_MS must not exceed DESKGATE_REQUEST_TIMEOUT_MS.');
  return { headersTimeoutMs, requestTimeoutMs, trustProxyHops: integer(env, 'DESKGATE_TRUST_PROXY_HOPS', 0, 0, 10) };
}

export function loadConfig(env: Env = process.env): Config {
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
    publicBaseUrl: optionalUrl(env, 'DESKGATE_PUBLIC_BASE_URL', ['http:', 'https:']),
    worker: {
      concurrency: integer(env, 'DESKGATE_WORKER_CONCURRENCY', 8, 1, 256),
      pollIntervalMs: integer(env, 'DESKGATE_WORKER_POLL_INTERVAL_MS', 2_000, 50, 60_000),
      heartbeatMs: integer(env, 'DESKGATE_WORKER_HEARTBEAT_MS', 5_000, 50, 60_000),
      deadAfterMs: integer(env, 'DESKGATE_WORKER_DEAD_AFTER_MS', 30_000, 200, 3_600_000),
    },
    desk: {
      kind: text(env, 'DESKGATE_DESK', 'builtin', /^builtin$/, 'must be builtin') as 'builtin',
      builtinPrefix: text(env, 'DESKGATE_BUILTIN_PREFIX', 'SUP', /^[A-Z][A-Z0-9]{0,9}$/, 'must be 1-10 capital letters or digits, starting with a letter'),
      timeoutMs: integer(env, 'DESKGATE_DESK_TIMEOUT_MS', 30_000, 100, 300_000),
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
    rateLimits: {
      requestsPerMinute: integer(env, 'DESKGATE_RATE_LIMIT_PER_MINUTE', 600, 0, 1_000_000),
      ticketCreatesPerMinute: integer(env, 'DESKGATE_TICKET_CREATE_LIMIT_PER_MINUTE', 60, 0, 1_000_000),
      tokenRequestsPerMinute: integer(env, 'DESKGATE_TOKEN_LIMIT_PER_MINUTE', 30, 0, 1_000_000),
      maxConcurrentUploads: integer(env, 'DESKGATE_MAX_CONCURRENT_UPLOADS', 4, 1, 1_000),
    },
    http: httpSettings(env),
  };
}
