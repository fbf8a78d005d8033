/**
 * deskgate benchmarks: `npm run bench` (full, ~5 min) or `npm run bench -- --smoke`
 * (a few seconds per scenario, no target assertions, non-zero exit when a scenario errors).
 *
 * Every run creates a fresh database on the machine's PostgreSQL, starts deskgate
 * (`node --import tsx src/cli/main.ts serve`) and a bare Fastify baseline
 * (bench/baseline-server.ts) as separate processes on the same pool settings and
 * database, drives them from this process over loopback (autocannon and streamed
 * uploads), and writes a markdown report to bench/results/ and stdout.
 *
 * Options: --smoke, --cpu-prof (profile the deskgate server over the HTTP
 * scenarios and summarise its top frames), --keep (keep the database and the
 * run directory), --out <file>.
 * Environment: BENCH_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_LOG_LEVEL (both servers' log level, default info as deskgate ships).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { openDeskgate, type Deskgate } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { createTokenService } from '../src/security/tokens.js';
import { deriveKeys } from '../src/security/master-key.js';
import { sampleFile } from '../test/support/files.js';
import { load, loadPair, loadProblems, type LoadResult, type PairedResult } from './lib/load.js';
import type { CpuCost } from './lib/cpu.js';
import { describeMachine, type Machine } from './lib/machine.js';
import { percentile, runPipeline, startArrivalReceiver } from './lib/pipeline.js';
import { idleRss, removeDir, root, sampleRss, startServer, type ServerProcess } from './lib/processes.js';
import { summariseProfile, type FrameShare } from './lib/profile.js';
import { concurrentUploads, multipartBody } from './lib/uploads.js';

const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const cpuProf = args.includes('--cpu-prof');
const keep = args.includes('--keep');
const onlyArg = args.indexOf('--only');
/** `--only 1,3,5` runs a subset of the scenarios (for investigating one). */
const only = onlyArg >= 0 ? new Set(args[onlyArg + 1]!.split(',')) : null;
const want = (...scenarios: string[]) => !only || scenarios.some((s) => only.has(s));
const outArg = args.indexOf('--out');
const outFile = outArg >= 0 ? path.resolve(args[outArg + 1]!) : path.join(root, 'bench/results', smoke ? 'smoke.md' : 'latest.md');
const logLevel = process.env.BENCH_LOG_LEVEL ?? 'info';
const adminUrl = process.env.BENCH_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const MiB = 1024 * 1024;
const plan = smoke
  ? { rounds: 1, durationSec: 2, warmupSec: 1, connections: 10, pipelineRate: 50, pipelineSec: 3, bigClients: 4, bigFileBytes: 5 * MiB, seqUploads: 5, seqFileBytes: 2 * MiB }
  : { rounds: 3, durationSec: 5, warmupSec: 2, connections: 20, pipelineRate: 50, pipelineSec: 60, bigClients: 20, bigFileBytes: 25 * MiB, seqUploads: 5, seqFileBytes: 10 * MiB };
const SERVER_LISTENING = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/;
// The job worker polls this rarely: anything polled rather than notified would show up as seconds of pipeline latency.
const WORKER_POLL_MS = 10_000;

interface Row {
  scenario: string;
  metric: string;
  deskgate: string;
  baseline: string;
  ratio: string;
  target: string;
  result: 'pass' | 'MISS' | '—';
}

const rows: Row[] = [];
/** Where each side's CPU went, per request (scenarios measured with autocannon). */
const cpuRows: { scenario: string; side: string; cpu: CpuCost; rps: number }[] = [];
const notes: string[] = [];
const problems: string[] = [];
const log = (message: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : 'n/a');
const pct = (ratio: number) => `${fmt(ratio * 100)} %`;
const mib = (bytes: number) => `${fmt(bytes / MiB, 1)} MiB`;

function ratioRow(scenario: string, pair: PairedResult, minRatio: number | null): void {
  const { deskgate: d, baseline: b, ratio } = pair;
  const spread = pair.roundRatios.length > 1 ? ` (rounds ${pair.roundRatios.map((r) => fmt(r * 100)).join(', ')})` : '';
  rows.push({
    scenario,
    metric: 'req/s (p99)',
    deskgate: `${fmt(d.rps)} (${fmt(d.p99Ms)} ms)`,
    baseline: `${fmt(b.rps)} (${fmt(b.p99Ms)} ms)`,
    ratio: `${pct(ratio)}${spread}`,
    target: minRatio === null ? '—' : `≥ ${fmt(minRatio * 100)} %`,
    result: minRatio === null ? '—' : ratio >= minRatio ? 'pass' : 'MISS',
  });
  for (const [side, result] of [['deskgate', d], ['baseline', b]] as const) {
    if (result.cpu) cpuRows.push({ scenario: scenario.replace(/ `.*`/, ''), side, cpu: result.cpu, rps: result.rps });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  // A fresh database and working directory for this run.
  const dbName = `deskgate_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const dbUrl = new URL(adminUrl);
  dbUrl.pathname = `/${dbName}`;
  const databaseUrl = dbUrl.toString();
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-bench-'));
  const logDir = path.join(runDir, 'logs');
  const profDir = path.join(runDir, 'profiles');
  await fs.mkdir(logDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  const deskgateEnv = {
    DATABASE_URL: databaseUrl,
    DESKGATE_SECRET: secret,
    DESKGATE_DATA_DIR: path.join(runDir, 'deskgate-data'),
    DESKGATE_HOST: '127.0.0.1',
    DESKGATE_PORT: '0',
    DESKGATE_LOG_LEVEL: logLevel,
    DESKGATE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
    DESKGATE_WORKER_POLL_INTERVAL_MS: String(WORKER_POLL_MS),
    // Throughput is what is measured here: the per-account budgets (and their counter writes) are off,
    // and enough upload slots for the 20 concurrent clients of the big-upload scenario.
    DESKGATE_RATE_LIMIT_PER_MINUTE: '0',
    DESKGATE_TICKET_CREATE_LIMIT_PER_MINUTE: '0',
    DESKGATE_TOKEN_LIMIT_PER_MINUTE: '0',
    DESKGATE_MAX_CONCURRENT_UPLOADS: '64',
  };
  const baselineEnv = { DATABASE_URL: databaseUrl, DESKGATE_SECRET: secret, BENCH_FILES_DIR: path.join(runDir, 'baseline-files'), BENCH_LOG_LEVEL: logLevel };

  let deskgate: Deskgate | null = null;
  let server: ServerProcess | null = null;
  let baseline: ServerProcess | null = null;
  let machine: Machine | null = null;
  let profileSummary: { file: string; frames: FrameShare[]; areas: FrameShare[] } | null = null;
  const startDeskgate = (profile = false) =>
    startServer({ name: 'deskgate', script: 'src/cli/main.ts', args: ['serve'], env: deskgateEnv, logDir, listening: SERVER_LISTENING, cpuProfDir: profile ? profDir : undefined });
  try {
    log(`fresh database ${dbName}, run directory ${runDir}`);
    // Operator set-up through deskgate's own services (this also migrates the database).
    deskgate = await openDeskgate(loadConfig({ ...deskgateEnv, DESKGATE_LOG_LEVEL: 'warn' }), { role: 'cli', log: createLogger('warn', 2) });
    machine = await describeMachine(deskgate.database.pool);
    server = await startDeskgate(cpuProf);
    baseline = await startServer({ name: 'baseline', script: 'bench/baseline-server.ts', args: [], env: baselineEnv, logDir, listening: /baseline listening at (http:\/\/127\.0\.0\.1:\d+)/ });
    log(`deskgate pid ${server.pid} at ${server.url}; baseline pid ${baseline.pid} at ${baseline.url}`);

    const partner = await ripioPartner(deskgate, server.url, 'Bench partner');
    const customerId = await api(server.url, 'POST', '/api/v1/customers/', partner.token, { email: 'bench@example.com', type: 'INDIVIDUAL' }).then((r) => r.body.customerId as string);
    const png100k = sampleFile('png', 100 * 1024);
    const createForm = multipartBody({ customerId, summary: 'Payment not received', description: 'My transfer of 100 USD on Monday never arrived.' }, [{ name: 'screenshot.png', bytes: png100k }]);
    const first = await fetch(`${server.url}/api/v1/supportTickets/`, { method: 'POST', headers: { authorization: `Bearer ${partner.token}`, 'content-type': createForm.contentType }, body: createForm.body });
    const ticketId = ((await first.json()) as { ticketId: string }).ticketId;
    if (first.status !== 202) throw new Error(`set-up ticket was not accepted: ${first.status}`);
    const bearer = { authorization: `Bearer ${partner.token}` };
    const common = { connections: plan.connections, durationSec: plan.durationSec, warmupSec: plan.warmupSec };
    const onDeskgate = { ...common, serverPid: server.pid };
    const onBaseline = { ...common, serverPid: baseline.pid };
    const check = (...results: LoadResult[]) => results.forEach((r) => problems.push(...loadProblems(r)));

    // 1. Retrieve.
    if (want('1', '6')) {
      log('scenario 1: retrieve');
      const retrievePair = await loadPair(
        { ...onDeskgate, label: 'deskgate retrieve', url: `${server.url}/api/v1/supportTickets/${ticketId}/`, headers: bearer },
        { ...onBaseline, label: 'baseline PK select', url: `${baseline.url}/baseline/tickets/${ticketId}` },
        plan.rounds,
      );
      const { deskgate: retrieve, baseline: retrieveBase } = retrievePair;
      check(retrieve, retrieveBase);
      ratioRow('1. Retrieve `GET /api/v1/supportTickets/{id}/`', retrievePair, 0.8);
      // deskgate reads three columns with a prepared statement: the same against a baseline that does so too.
      const strictPair = await loadPair(
        { ...onDeskgate, label: 'deskgate retrieve', url: `${server.url}/api/v1/supportTickets/${ticketId}/`, headers: bearer },
        { ...onBaseline, label: 'baseline prepared 3-column select', url: `${baseline.url}/baseline/tickets-prepared/${ticketId}` },
        plan.rounds,
      );
      check(strictPair.deskgate, strictPair.baseline);
      ratioRow('1. Retrieve, vs a prepared 3-column SELECT (stricter baseline)', strictPair, null);

      // 6. Token endpoint and bearer-verification overhead.
      log('scenario 6: token endpoint, auth overhead');
      const token = await load({
        ...common,
        label: 'deskgate token',
        url: `${server.url}/oauth2/token/`,
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(`${partner.clientId}:${partner.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      const authed = await load({ ...common, label: 'baseline PK select + deskgate bearer auth', url: `${baseline.url}/baseline/authed/tickets/${ticketId}`, headers: bearer });
      check(token, authed);
      rows.push({ scenario: '6. Token `POST /oauth2/token/`', metric: 'req/s (p99)', deskgate: `${fmt(token.rps)} (${fmt(token.p99Ms)} ms)`, baseline: `${fmt(retrieveBase.rps)} (PK select)`, ratio: pct(token.rps / retrieveBase.rps), target: '—', result: '—' });
      const authUs = 1e6 / authed.rps - 1e6 / retrieveBase.rps;
      const verifyUs = await jwtVerifyCost(secret, partner.token);
      rows.push({
        scenario: '6. Auth overhead (bearer verification)',
        metric: 'µs/request',
        deskgate: `${fmt(authUs)} µs (${fmt(authed.rps)} req/s authed)`,
        baseline: `${fmt(retrieveBase.rps)} req/s bare`,
        ratio: pct(authed.rps / retrieveBase.rps),
        target: '—',
        result: '—',
      });
      notes.push(
        `Auth overhead method: the baseline server serves the same primary-key SELECT twice, bare and behind deskgate's own \`bearerAuth\` preHandler ` +
          `(HS256 JWT verification with jose, each distinct token verified once, + the active-client lookup through deskgate's credential cache). At saturation a request costs 1/throughput of the system, so ` +
          `overhead = 1/rps(authed) − 1/rps(bare) = ${fmt(authUs)} µs per request; p50 ${fmt(retrieveBase.p50Ms, 1)} → ${fmt(authed.p50Ms, 1)} ms. ` +
          `In the bench process a token's first verification (jose \`jwtVerify\`, HS256) costs ${fmt(verifyUs.firstUs, 1)} µs and a remembered token ${fmt(verifyUs.rememberedUs, 2)} µs; ` +
          `the client and its account come from the credential cache (no query while nothing changed). ` +
          `deskgate's retrieve vs this authed baseline: ${pct(retrieve.rps / authed.rps)} (what deskgate adds beyond auth + one SELECT: hooks, schema serialisation, logging).`,
      );
    }

    // 2. Create with one 100 KiB PNG.
    if (want('2')) {
      await quiesce(deskgate);
      log('scenario 2: create (100 KiB PNG)');
      const createHeaders = { ...bearer, 'content-type': createForm.contentType };
      const createPair = await loadPair(
        { ...onDeskgate, label: 'deskgate create', url: `${server.url}/api/v1/supportTickets/`, method: 'POST', headers: createHeaders, body: createForm.body },
        { ...onBaseline, label: 'baseline upload', url: `${baseline.url}/baseline/upload`, method: 'POST', headers: createHeaders, body: createForm.body },
        plan.rounds,
        () => quiesce(deskgate!),
      );
      check(createPair.deskgate, createPair.baseline);
      ratioRow('2. Create, one 100 KiB PNG (multipart)', createPair, 0.7);
      await quiesce(deskgate);
    }

    // 3. CPN create (fresh idempotency keys) and replay (one key).
    if (want('3')) {
      log('scenario 3: CPN create and replay');
      const cpn = await cpnPartner(deskgate);
      const cpnBody = (key: string) => JSON.stringify({ paymentId: cpn.paymentId, issueType: 'PAYMENT_SETTLEMENT_DELAY', description: 'The payment has not settled after two days.', email: 'help@ofi.com', idempotencyKey: key, ccEmails: ['ccsupport01@example.com'] });
      const jsonHeaders = { authorization: `Bearer ${cpn.apiKey}`, 'content-type': 'application/json' };
      const jsonBase = { ...onBaseline, label: 'baseline JSON insert', url: `${baseline.url}/baseline/json`, method: 'POST' as const, headers: jsonHeaders, makeBody: () => cpnBody(randomUUID()) };
      const cpnCreate = await loadPair(
        { ...onDeskgate, label: 'deskgate CPN create', url: `${server.url}/v1/cpn/supportTickets`, method: 'POST', headers: jsonHeaders, makeBody: () => cpnBody(randomUUID()) },
        jsonBase,
        plan.rounds,
        () => quiesce(deskgate!),
      );
      const replayBody = cpnBody(randomUUID());
      const cpnReplay = await loadPair({ ...onDeskgate, label: 'deskgate CPN replay', url: `${server.url}/v1/cpn/supportTickets`, method: 'POST', headers: jsonHeaders, body: replayBody }, jsonBase, plan.rounds);
      check(cpnCreate.deskgate, cpnCreate.baseline, cpnReplay.deskgate, cpnReplay.baseline);
      ratioRow('3. CPN create (fresh idempotency key each)', cpnCreate, 0.7);
      ratioRow('3. CPN replay (same key)', cpnReplay, 0.7);
      await quiesce(deskgate);

      // The request path alone, for telling it from the registration work the same two cores do meanwhile:
      // the same creates against `serve --no-worker` while no worker runs; the worker registers them afterwards.
      log('scenario 3: CPN create, request path only');
      await server.stop();
      const apiOnly = await startServer({ name: 'deskgate-api-only', script: 'src/cli/main.ts', args: ['serve', '--no-worker'], env: deskgateEnv, logDir, listening: SERVER_LISTENING });
      try {
        const cpnApiOnly = await loadPair(
          { ...common, serverPid: apiOnly.pid, label: 'deskgate CPN create (no worker)', url: `${apiOnly.url}/v1/cpn/supportTickets`, method: 'POST', headers: jsonHeaders, makeBody: () => cpnBody(randomUUID()) },
          jsonBase,
          plan.rounds,
        );
        check(cpnApiOnly.deskgate, cpnApiOnly.baseline);
        ratioRow('3. CPN create, request path only (`serve --no-worker`, registered afterwards)', cpnApiOnly, null);
      } finally {
        await apiOnly.stop();
        server = await startDeskgate(cpuProf);
      }
      await quiesce(deskgate);
    }

    // 5. Pipeline latency: 202 → SUPPORT_TICKET.CREATED webhook.
    if (want('5')) {
      log(`scenario 5: pipeline at ${plan.pipelineRate}/s for ${plan.pipelineSec}s`);
      const receiver = await startArrivalReceiver();
      try {
        const hooks = await ripioPartner(deskgate, server.url, 'Bench webhooks partner');
        const hookCustomer = await api(server.url, 'POST', '/api/v1/customers/', hooks.token, { email: 'hooks@example.com', type: 'INDIVIDUAL' }).then((r) => r.body.customerId as string);
        const endpoint = await api(server.url, 'POST', '/api/v1/webhooks/', hooks.token, { url: `${receiver.url}/deskgate`, eventTypes: ['SUPPORT_TICKET.CREATED'] });
        if (endpoint.status !== 201) throw new Error(`webhook endpoint registration failed: ${endpoint.status} ${JSON.stringify(endpoint.body)}`);
        const form = multipartBody({ customerId: hookCustomer, summary: 'Pipeline probe', description: 'Measuring 202 → webhook.' }, [{ name: 'small.png', bytes: sampleFile('png', 2048) }]);
        const createProbe = async () => {
          const res = await fetch(`${server!.url}/api/v1/supportTickets/`, { method: 'POST', headers: { authorization: `Bearer ${hooks.token}`, 'content-type': form.contentType }, body: form.body });
          const body = (await res.json()) as { ticketId?: string };
          return { status: res.status, ticketId: body.ticketId };
        };
        // A light-load probe first (the pipeline's own latency, no queueing), then the target rate: its first
        // seconds from cold (pool connections opened, code paths optimised) reported apart, then the steady run judged.
        const runs = [
          { rate: 5, seconds: smoke ? 2 : 10, label: 'light-load probe', target: false },
          { rate: plan.pipelineRate, seconds: smoke ? 2 : 10, label: 'warm-up from cold', target: false },
          { rate: plan.pipelineRate, seconds: plan.pipelineSec, label: 'steady', target: true },
        ];
        for (const run of runs) {
          const pipeline = await runPipeline({ receiver, ratePerSec: run.rate, durationSec: run.seconds, drainTimeoutMs: 120_000, createTicket: createProbe });
          problems.push(...pipeline.problems);
          const p50 = percentile(pipeline.latenciesMs, 50);
          const p99 = percentile(pipeline.latenciesMs, 99);
          rows.push({
            scenario: `5. Pipeline 202 → webhook (${run.rate}/s × ${run.seconds}s, ${run.label})`,
            metric: 'p50 / p99 / max',
            deskgate: `${fmt(p50, 1)} / ${fmt(p99, 1)} / ${fmt(percentile(pipeline.latenciesMs, 100), 1)} ms`,
            baseline: '—',
            ratio: '—',
            target: run.target ? 'p99 < 100 ms' : '—',
            result: run.target ? (p99 < 100 ? 'pass' : 'MISS') : '—',
          });
          notes.push(
            `Pipeline at ${run.rate}/s: ${pipeline.delivered}/${pipeline.sent} webhooks received (${fmt(pipeline.achievedRate, 1)} tickets/s sent), builtin desk, ` +
              `worker poll interval ${WORKER_POLL_MS / 1000} s (DESKGATE_WORKER_POLL_INTERVAL_MS=${WORKER_POLL_MS}): a p99 of ${fmt(p99)} ms ` +
              (p99 < 500
                ? 'far below the poll interval shows the jobs are picked up through LISTEN/NOTIFY (graphile-worker `jobs:insert`, sent once per outbox hand-over), not by polling.'
                : 'is queueing: tickets arrive faster than registration + delivery complete on this machine (see docs/benchmarks.md).'),
          );
          await quiesce(deskgate);
        }
        // Late webhooks still arrive above, before the receiver closes (a closed one would turn them into retries minutes away).
      } finally {
        await receiver.close();
      }
    }

    // End of the HTTP scenarios: stop the (possibly profiled) server; the memory scenarios get fresh ones.
    await server.stop();
    if (cpuProf) {
      // tsx's loader runs in a worker thread with its own profile: the main thread's is the biggest.
      const files = await Promise.all(
        (await fs.readdir(profDir)).filter((f) => f.endsWith('.cpuprofile')).map(async (f) => ({ file: path.join(profDir, f), size: (await fs.stat(path.join(profDir, f))).size })),
      );
      const main = files.sort((a, b) => b.size - a.size)[0];
      if (main) {
        const file = main.file;
        profileSummary = { file, ...(await summariseProfile(file)) };
      } else problems.push('cpu profile: no profile was written');
    }

    // 4b. Issue 2: five sequential 10 MiB uploads on a fresh server.
    if (want('4b', '4')) {
      log(`scenario 4b: ${plan.seqUploads} × ${mib(plan.seqFileBytes)} sequential uploads`);
      server = await startDeskgate();
      const fields = { customerId, summary: 'Big upload', description: 'Large attachments.' };
      const seqIdle = await idleRss(server.pid);
      let sampler = sampleRss(server.pid);
      const seq = await concurrentUploads({ url: `${server.url}/api/v1/supportTickets/`, token: partner.token, fields, clients: 1, rounds: plan.seqUploads, filesPerRequest: 1, fileBytes: plan.seqFileBytes, expectStatus: 202, label: 'deskgate sequential uploads' });
      const seqRss = sampler.stop();
      problems.push(...seq.problems);
      const seqGrowth = seqRss.peak - seqIdle;
      rows.push({ scenario: `4b. ${plan.seqUploads} × ${mib(plan.seqFileBytes)} sequential uploads (issue 2)`, metric: 'peak RSS growth', deskgate: `${mib(seqGrowth)} (idle ${mib(seqIdle)}, peak ${mib(seqRss.peak)})`, baseline: '—', ratio: '—', target: '≤ ~50 MiB', result: seqGrowth <= 50 * MiB ? 'pass' : 'MISS' });
      await quiesce(deskgate);
      await server.stop();

      // 4. Big uploads: 20 concurrent clients × 2 × 25 MiB, on a fresh server.
      log(`scenario 4: ${plan.bigClients} clients × 2 × ${mib(plan.bigFileBytes)}`);
      server = await startDeskgate();
      const bigIdle = await idleRss(server.pid);
      sampler = sampleRss(server.pid);
      const big = await concurrentUploads({ url: `${server.url}/api/v1/supportTickets/`, token: partner.token, fields, clients: plan.bigClients, rounds: 1, filesPerRequest: 2, fileBytes: plan.bigFileBytes, expectStatus: 202, label: 'deskgate big uploads' });
      const bigRss = sampler.stop();
      const baseIdle = await idleRss(baseline.pid, 300);
      const baseSampler = sampleRss(baseline.pid);
      const bigBase = await concurrentUploads({ url: `${baseline.url}/baseline/upload`, token: partner.token, fields, clients: plan.bigClients, rounds: 1, filesPerRequest: 2, fileBytes: plan.bigFileBytes, expectStatus: 202, label: 'baseline big uploads' });
      const baseRss = baseSampler.stop();
      const bigBaseNoSync = await concurrentUploads({ url: `${baseline.url}/baseline/upload?fsync=0`, token: partner.token, fields, clients: plan.bigClients, rounds: 1, filesPerRequest: 2, fileBytes: plan.bigFileBytes, expectStatus: 202, label: 'baseline big uploads (no fsync)' });
      problems.push(...big.problems, ...bigBase.problems, ...bigBaseNoSync.problems);
      const bigRatio = big.mibPerSec / bigBase.mibPerSec;
      rows.push({ scenario: `4. Big uploads (${plan.bigClients} clients × 2 × ${mib(plan.bigFileBytes)})`, metric: 'MiB/s', deskgate: `${fmt(big.mibPerSec)} MiB/s (${fmt(big.seconds, 1)} s)`, baseline: `${fmt(bigBase.mibPerSec)} MiB/s (${fmt(bigBase.seconds, 1)} s)`, ratio: pct(bigRatio), target: '≥ 80 %', result: bigRatio >= 0.8 ? 'pass' : 'MISS' });
      const bigGrowth = bigRss.peak - bigIdle;
      rows.push({ scenario: '4. Big uploads: server peak RSS growth', metric: 'MiB', deskgate: `${mib(bigGrowth)} (idle ${mib(bigIdle)}, peak ${mib(bigRss.peak)}, ${bigRss.samples} samples)`, baseline: `${mib(baseRss.peak - baseIdle)} (peak ${mib(baseRss.peak)})`, ratio: '—', target: '< 150 MiB', result: bigGrowth < 150 * MiB ? 'pass' : 'MISS' });
      notes.push(
        `Big uploads: bodies are generated on the fly (64 KiB at a time) by streaming clients in the bench process; ${mib(big.bytes)} per side. ` +
          `The baseline route streams each file to disk and fsyncs it before its INSERT, as deskgate does (its storage writes \`.partial\`, fsyncs, renames); ` +
          `without fsync the baseline reaches ${fmt(bigBaseNoSync.mibPerSec)} MiB/s (deskgate at ${pct(big.mibPerSec / bigBaseNoSync.mibPerSec)} of that). ` +
          `RSS is VmRSS from /proc/<pid>/status every 50 ms; growth = peak − the idle median before the scenario.`,
      );
      await quiesce(deskgate);
    }
  } finally {
    await server?.stop().catch(() => undefined);
    await baseline?.stop().catch(() => undefined);
    await deskgate?.close().catch(() => undefined);
    if (!keep) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await client.end();
      if (profileSummary) {
        const kept = path.join(root, 'bench/results', path.basename(profileSummary.file));
        await fs.copyFile(profileSummary.file, kept);
        profileSummary.file = kept;
      }
      await removeDir(runDir);
    } else log(`kept database ${dbName} and ${runDir}`);
  }

  const report = renderReport(machine!, (performance.now() - started) / 1000, profileSummary);
  await fs.mkdir(path.dirname(outFile), { recursive: true });
  await fs.writeFile(outFile, report);
  process.stdout.write(report);
  log(`report written to ${path.relative(process.cwd(), outFile)}`);
}

function renderReport(machine: Machine, seconds: number, profile: { file: string; frames: FrameShare[]; areas: FrameShare[] } | null): string {
  const lines = [
    `# deskgate benchmark${smoke ? ' (smoke: short runs, targets not asserted)' : ''}`,
    '',
    `Run ${new Date().toISOString()} in ${fmt(seconds)} s. ${plan.connections} connections, ${plan.durationSec} s measured after ${plan.warmupSec} s warm-up per load run, deskgate and baseline alternating over ${plan.rounds} round(s) (ratio = median of the rounds' ratios); load from the bench process over loopback; deskgate and the baseline are separate processes on one fresh database.`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB memory, ${machine.os}; Node ${machine.node}; ${machine.postgres}; load average at start ${machine.loadAverage}. Log level ${logLevel} on both servers.`,
    '',
    '| scenario | metric | deskgate | baseline | ratio | target | result |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.scenario} | ${r.metric} | ${r.deskgate} | ${r.baseline} | ${r.ratio} | ${r.target} | ${smoke && r.result !== '—' ? `(${r.result})` : r.result} |`),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ];
  if (cpuRows.length > 0) {
    lines.push(
      '## Where the CPU goes, per request',
      '',
      'CPU time per request from /proc over each measured run (for deskgate, until the background work it caused was done), medians over the rounds: the server process (deskgate includes its in-process job worker), all PostgreSQL processes, and the load generator (this process); machine busy is the share of both cores in use during the run.',
      '',
      '| scenario | side | req/s | server µs | PostgreSQL µs | load generator µs | total µs | machine busy |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...cpuRows.map(({ scenario, side, cpu, rps }) =>
        `| ${scenario} | ${side} | ${fmt(rps)} | ${fmt(cpu.serverUs)} | ${fmt(cpu.postgresUs)} | ${fmt(cpu.benchUs)} | ${fmt(cpu.serverUs + cpu.postgresUs + cpu.benchUs)} | ${pct(cpu.machineBusy)} |`,
      ),
      '',
    );
  }
  if (problems.length > 0) lines.push('## Errors', '', ...problems.map((p) => `- ${p}`), '');
  if (profile) {
    lines.push(
      `## CPU profile of the deskgate server (its longest-running process over the HTTP scenarios; ${path.relative(root, profile.file)})`,
      '',
      '| self time | area |',
      '| --- | --- |',
      ...profile.areas.map((a) => `| ${fmt(a.selfPct, 1)} % | ${a.frame} |`),
      '',
      '| self time | frame |',
      '| --- | --- |',
      ...profile.frames.map((f) => `| ${fmt(f.selfPct, 1)} % | \`${f.frame}\` |`),
      '',
    );
  }
  return lines.join('\n');
}

async function api(base: string, method: string, route: string, token: string, json?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}${route}`, { method, headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) }, body: json === undefined ? undefined : JSON.stringify(json) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** An account with support tickets on, an OAuth client and a bearer token from the running server. */
async function ripioPartner(deskgate: Deskgate, url: string, name: string) {
  const account = await deskgate.accounts.create(name);
  await deskgate.accounts.setSupportTickets(account.id, true);
  const client = await deskgate.accounts.createOAuthClient(account.id, 'bench');
  const res = await fetch(`${url}/oauth2/token/`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status}`);
  const token = ((await res.json()) as { accessToken: string }).accessToken;
  return { accountId: account.id, clientId: client.clientId, clientSecret: client.clientSecret, token };
}

/** A CPN account with an API key and one imported payment. */
async function cpnPartner(deskgate: Deskgate) {
  const account = await deskgate.accounts.create('Bench CPN partner');
  await deskgate.accounts.setSupportTickets(account.id, true);
  const key = await deskgate.apiKeys.create(account.id);
  const paymentId = randomUUID();
  const report = await deskgate.payments.importFile(account.id, JSON.stringify({ id: paymentId, status: 'COMPLETED' }), 'jsonl');
  if (report.rejected.length > 0) throw new Error(`payment import failed: ${JSON.stringify(report.rejected)}`);
  return { apiKey: key.apiKey, paymentId };
}

/** Waits until the background work of earlier scenarios is done, so it does not run during the next one. */
async function quiesce(deskgate: Deskgate, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { rows: [row] } = await deskgate.database.pool.query<{ pending: number; deliveries: number }>(
      `SELECT (SELECT count(*) FROM tickets WHERE status = 'PENDING')::int AS pending,
              (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < now() + interval '10 seconds')::int AS deliveries`,
    );
    if (row!.pending === 0 && row!.deliveries === 0) return;
    if (Date.now() > until) {
      problems.push(`background work did not settle within ${timeoutMs} ms (${row!.pending} tickets, ${row!.deliveries} deliveries pending)`);
      return;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** µs per HS256 verification with deskgate's token service, in this process. */
/** deskgate's bearer-token check in this process: a token's first verification (jose, HS256) and a remembered one. */
async function jwtVerifyCost(secret: string, token: string): Promise<{ firstUs: number; rememberedUs: number }> {
  const n = smoke ? 2_000 : 20_000;
  const tokens = createTokenService(deriveKeys(secret).tokenSigning, 36_000);
  const fresh = await Promise.all(Array.from({ length: n }, (_, i) => tokens.issue({ clientId: `bench-${i}`, accountId: 'bench' }).then((t) => t.token)));
  // A service of its own, so none of these tokens is remembered yet.
  const verifier = createTokenService(deriveKeys(secret).tokenSigning, 36_000);
  let start = performance.now();
  for (const t of fresh) await verifier.verify(t);
  const firstUs = ((performance.now() - start) * 1000) / n;
  await verifier.verify(token);
  start = performance.now();
  for (let i = 0; i < n; i += 1) await verifier.verify(token);
  return { firstUs, rememberedUs: ((performance.now() - start) * 1000) / n };
}

try {
  await main();
} catch (error) {
  problems.push(`bench failed: ${(error as Error).stack ?? String(error)}`);
  log(`bench failed: ${(error as Error).stack ?? String(error)}`);
}
if (problems.length > 0) {
  log(`${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
  process.exitCode = 1;
}
