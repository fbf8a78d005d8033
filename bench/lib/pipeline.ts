import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface PipelineResult {
  sent: number;
  accepted: number;
  delivered: number;
  latenciesMs: number[];
  /** Send rate actually achieved (tickets/s). */
  achievedRate: number;
  problems: string[];
}

/** Records when each `SUPPORT_TICKET.CREATED` webhook arrives, by ticket id; always answers 200. */
async function startArrivalReceiver() {
  const arrivals = new Map<string, number>();
  let onArrival: (() => void) | null = null;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      try {
        const event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { eventType?: string; supportTicket?: { ticketId?: string } };
        const id = event.supportTicket?.ticketId;
        if (event.eventType === 'SUPPORT_TICKET.CREATED' && id && !arrivals.has(id)) arrivals.set(id, at);
      } catch {
        // not ours
      }
      res.writeHead(200).end();
      onArrival?.();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    async waitFor(ids: string[], timeoutMs: number) {
      const until = Date.now() + timeoutMs;
      while (ids.some((id) => !arrivals.has(id)) && Date.now() < until) {
        await new Promise<void>((resolve) => {
          onArrival = resolve;
          setTimeout(resolve, 200);
        });
      }
      onArrival = null;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startArrivalReceiver>>;
export { startArrivalReceiver };

/**
 * Creates tickets at a steady rate (fire and forget, one every 1000/rate ms)
 * and measures, per ticket, the time from its 202 to the arrival of its
 * SUPPORT_TICKET.CREATED webhook at `receiver`.
 */
export async function runPipeline(options: {
  receiver: Receiver;
  createTicket: () => Promise<{ status: number; ticketId?: string }>;
  ratePerSec: number;
  durationSec: number;
  drainTimeoutMs: number;
}): Promise<PipelineResult> {
  const accepted = new Map<string, number>();
  const problems: string[] = [];
  const total = Math.round(options.ratePerSec * options.durationSec);
  const interval = 1000 / options.ratePerSec;
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  let statusErrors = 0;
  for (let i = 0; i < total; i += 1) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    inFlight.push(
      options.createTicket().then(
        ({ status, ticketId }) => {
          const at = performance.now();
          if (status === 202 && ticketId) accepted.set(ticketId, at);
          else statusErrors += 1;
        },
        () => void (statusErrors += 1),
      ),
    );
  }
  await Promise.all(inFlight);
  const achievedRate = total / ((performance.now() - start) / 1000);
  if (statusErrors > 0) problems.push(`pipeline: ${statusErrors} of ${total} creates were not accepted with 202`);
  const ids = [...accepted.keys()];
  await options.receiver.waitFor(ids, options.drainTimeoutMs);
  const latenciesMs: number[] = [];
  for (const id of ids) {
    const arrived = options.receiver.arrivals.get(id);
    // A webhook can beat our own reading of the 202 by a hair: that is ~0 ms, not negative.
    if (arrived !== undefined) latenciesMs.push(Math.max(0, arrived - accepted.get(id)!));
  }
  const missing = ids.length - latenciesMs.length;
  if (missing > 0) problems.push(`pipeline: ${missing} of ${ids.length} webhooks did not arrive within ${options.drainTimeoutMs} ms`);
  return { sent: total, accepted: ids.length, delivered: latenciesMs.length, latenciesMs, achievedRate, problems };
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
