/**
 * The benchmark's baseline: a bare Fastify server doing the least work each
 * deskgate scenario needs, on the same pool settings (createPool) and the same
 * database, so deskgate's numbers can be read as ratios against it.
 *
 * Run by bench/run.ts as a separate process:
 *   DATABASE_URL=… BENCH_FILES_DIR=… DESKGATE_SECRET=… node --import tsx bench/baseline-server.ts
 * It prints `baseline listening at http://127.0.0.1:<port>` once ready.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import Fastify from 'fastify';
import { createPool, wrapPool } from '../src/db/database.js';
import { bearerAuth } from '../src/http/ripio/auth.js';
import { deriveKeys } from '../src/security/master-key.js';
import { createTokenService } from '../src/security/tokens.js';
import type { Logger } from 'pino';
import { loadConfig } from '../src/config.js';
import { createAuthService } from '../src/services/auth.js';
import { createCredentialCache } from '../src/services/credential-cache.js';

const databaseUrl = process.env.DATABASE_URL;
const filesDir = process.env.BENCH_FILES_DIR;
const secret = process.env.DESKGATE_SECRET;
if (!databaseUrl || !filesDir || !secret) throw new Error('DATABASE_URL, BENCH_FILES_DIR and DESKGATE_SECRET are required');
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info';

const pool = createPool(databaseUrl);
await pool.query(`CREATE TABLE IF NOT EXISTS bench_rows (
  id uuid PRIMARY KEY,
  kind text NOT NULL,
  body jsonb,
  file_path text,
  size_bytes bigint,
  created_at timestamptz NOT NULL DEFAULT now()
)`);
await fs.mkdir(filesDir, { recursive: true });

// Same logger level as deskgate (pino, JSON lines on stdout), so request logging costs both sides the same.
const app = Fastify({ logger: logLevel === 'silent' ? false : { level: logLevel }, bodyLimit: 1024 * 1024 });

// deskgate's own bearer verification (JWT + client lookup through its credential cache, default settings), for the auth-overhead scenario.
const keys = deriveKeys(secret);
const credentials = createCredentialCache({ pool, log: app.log as unknown as Logger, ttlMs: loadConfig({}).credentialCacheMs });
const auth = createAuthService({ db: wrapPool(pool), secretHashingKey: keys.secretHashing, tokens: createTokenService(keys.tokenSigning, 36_000), credentials });
await app.register(multipart, { limits: { fileSize: 26 * 1024 * 1024, files: 10 } });

const selectTicket = async (id: string) => (await pool.query('SELECT * FROM tickets WHERE id = $1', [id])).rows[0] as Record<string, unknown> | undefined;

/** Scenario 1: one primary-key SELECT. */
app.get<{ Params: { id: string } }>('/baseline/tickets/:id', async (request, reply) => {
  const row = await selectTicket(request.params.id);
  return row ? { ticketId: row.id, status: row.status, issueKey: row.desk_reference ?? null } : reply.code(404).send({ error: 'not found' });
});

/**
 * Scenario 1, stricter: only the columns the answer needs, as a prepared
 * statement (planned once per connection), as deskgate's retrieve does.
 */
app.get<{ Params: { id: string } }>('/baseline/tickets-prepared/:id', async (request, reply) => {
  const { rows } = await pool.query({ name: 'bench_ticket_status', text: 'SELECT id, status, desk_reference FROM tickets WHERE id = $1', values: [request.params.id] });
  const row = rows[0] as Record<string, unknown> | undefined;
  return row ? { ticketId: row.id, status: row.status, issueKey: row.desk_reference ?? null } : reply.code(404).send({ error: 'not found' });
});

/** Scenario 6: the same, behind deskgate's bearer-token verification. */
app.get<{ Params: { id: string } }>(
  '/baseline/authed/tickets/:id',
  { preHandler: bearerAuth(auth) },
  async (request, reply) => {
    const row = await selectTicket(request.params.id);
    return row ? { ticketId: row.id, status: row.status, issueKey: row.desk_reference ?? null } : reply.code(404).send({ error: 'not found' });
  },
);

/** Scenario 3: a JSON body, one INSERT. */
app.post('/baseline/json', async (request, reply) => {
  const id = randomUUID();
  await pool.query('INSERT INTO bench_rows (id, kind, body) VALUES ($1, $2, $3)', [id, 'json', JSON.stringify(request.body)]);
  return reply.code(201).send({ data: { id } });
});

/**
 * Scenarios 2 and 4: multipart; every file streamed to disk (fsynced, as
 * deskgate does for durability, unless `?fsync=0`), then one INSERT.
 */
app.post<{ Querystring: { fsync?: string } }>('/baseline/upload', async (request, reply) => {
  const id = randomUUID();
  const sync = request.query.fsync !== '0';
  let total = 0;
  let firstPath: string | null = null;
  let n = 0;
  for await (const part of request.parts()) {
    if (part.type !== 'file') continue;
    n += 1;
    const target = path.join(filesDir, `${id}-${n}`);
    firstPath ??= target;
    const out = createWriteStream(target);
    part.file.on('data', (chunk: Buffer) => (total += chunk.length));
    await pipeline(part.file, out);
    if (sync) {
      const handle = await fs.open(target, 'r');
      await handle.sync();
      await handle.close();
    }
  }
  await pool.query('INSERT INTO bench_rows (id, kind, file_path, size_bytes) VALUES ($1, $2, $3, $4)', [id, 'upload', firstPath, total]);
  return reply.code(202).send({ ticketId: id, status: 'PENDING', bytes: total });
});

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT ?? 0) });
console.log(`baseline listening at ${address}`);

const stop = () => {
  void app.close().then(() => credentials.close()).then(() => pool.end()).then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
