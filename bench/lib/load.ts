import autocannon from 'autocannon';

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

/** A warm-up run (discarded), then the measured run, both from this process over loopback. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  if (options.warmupSec > 0) await run(options, options.warmupSec);
  const result = await run(options, options.durationSec);
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
