import autocannon from 'autocannon';
import { cpuCost, cpuSnapshot, type CpuCost } from './cpu.js';

export interface LoadResult {
  label: string;
  /** Mean requests per second over the measured run. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
  statusCodes: Record<string, number>;
  /** Where the CPU went per request (measured run plus its settling), when the server's pid was given. */
  cpu?: CpuCost;
}

export interface LoadOptions {
  label: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Builds each request's body (e.g. a fresh idempotency key per request). */
  makeBody?: () => string;
  connections: number;
  durationSec: number;
  warmupSec: number;
  /** The server's pid, to account its CPU (and PostgreSQL's, and this process's) per request. */
  serverPid?: number;
}

function run(options: LoadOptions, durationSec: number): Promise<autocannon.Result> {
  const { makeBody } = options;
  return autocannon({
    url: options.url,
    method: options.method ?? 'GET',
    headers: options.headers,
    // autocannon's types say string; it sends Buffers as they are.
    body: options.body as string | undefined,
    connections: options.connections,
    duration: durationSec,
    timeout: 30,
    requests: makeBody ? [{ setupRequest: (request) => ({ ...request, body: makeBody() }) }] : undefined,
  });
}

/**
 * A warm-up run (discarded), then the measured run, both from this process
 * over loopback. `settle` runs after each (e.g. until background work is
 * done), so the measured run does not inherit the warm-up's backlog and its
 * CPU account includes the work it left behind.
 */
export async function load(options: LoadOptions, settle: () => Promise<void> = async () => {}): Promise<LoadResult> {
  if (options.warmupSec > 0) {
    await run(options, options.warmupSec);
    await settle();
  }
  const before = options.serverPid === undefined ? null : cpuSnapshot(options.serverPid);
  const result = await run(options, options.durationSec);
  const ran = before && cpuSnapshot(options.serverPid!);
  await settle();
  const cpu = before && ran && cpuCost(before, ran, cpuSnapshot(options.serverPid!), result.requests.total);
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count ?? 0;
  return {
    label: options.label,
    rps: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes,
    cpu: cpu ?? undefined,
  };
}

/** A scenario "errors" when any request failed at the transport level or answered other than 2xx. */
export function loadProblems(result: LoadResult): string[] {
  const problems: string[] = [];
  if (result.total === 0) problems.push(`${result.label}: no request completed`);
  if (result.errors > 0) problems.push(`${result.label}: ${result.errors} connection errors/timeouts`);
  if (result.non2xx > 0) problems.push(`${result.label}: ${result.non2xx} non-2xx answers (${JSON.stringify(result.statusCodes)})`);
  return problems;
}

export interface PairedResult {
  deskgate: LoadResult;
  baseline: LoadResult;
  /** Median over the rounds of deskgate rps / baseline rps (each round measures both, minutes apart at most). */
  ratio: number;
  roundRatios: number[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

function medianCpu(costs: CpuCost[]): CpuCost {
  return {
    serverUs: median(costs.map((c) => c.serverUs)),
    postgresUs: median(costs.map((c) => c.postgresUs)),
    benchUs: median(costs.map((c) => c.benchUs)),
    machineBusy: median(costs.map((c) => c.machineBusy)),
  };
}

/** Per-side figures over several rounds: medians of rps and latency, sums of counts. */
function combine(results: LoadResult[]): LoadResult {
  const statusCodes: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + n;
  return {
    label: results[0]!.label,
    rps: median(results.map((r) => r.rps)),
    p50Ms: median(results.map((r) => r.p50Ms)),
    p99Ms: median(results.map((r) => r.p99Ms)),
    total: results.reduce((n, r) => n + r.total, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    statusCodes,
    cpu: results.every((r) => r.cpu) ? medianCpu(results.map((r) => r.cpu!)) : undefined,
  };
}

/**
 * deskgate and its baseline measured in alternating rounds (d b, b d, d b, …),
 * so drift on a shared machine hits both sides alike; `settle` runs after each
 * deskgate round (e.g. until its background work is done, so none of it
 * overlaps the baseline's measurement).
 */
export async function loadPair(deskgate: LoadOptions, baseline: LoadOptions, rounds: number, settle: () => Promise<void> = async () => {}): Promise<PairedResult> {
  const d: LoadResult[] = [];
  const b: LoadResult[] = [];
  const runDeskgate = async () => void d.push(await load(deskgate, settle));
  const runBaseline = async () => void b.push(await load(baseline));
  for (let round = 0; round < rounds; round += 1) {
    if (round % 2 === 0) {
      await runDeskgate();
      await runBaseline();
    } else {
      await runBaseline();
      await runDeskgate();
    }
  }
  const roundRatios = d.map((result, i) => result.rps / b[i]!.rps);
  return { deskgate: combine(d), baseline: combine(b), ratio: median(roundRatios), roundRatios };
}
