import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type DeskCallOutcome = 'success' | 'transient_error' | 'permanent_error';

const SECOND_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
// Registration runs from seconds (desk up) to the 24 h deadline (desk down).
const REGISTRATION_BUCKETS = [1, 5, 15, 60, 300, 900, 3_600, 4 * 3_600, 24 * 3_600];

/**
 * deskgate's Prometheus instruments, one registry per deskgate instance (tests
 * run several in one process). Services get this object injected and call
 * the narrow methods below; `/metrics` serialises `registry`.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];

  const httpRequests = new Counter({
    name: 'deskgate_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers,
  });
  const httpDuration = new Histogram({
    name: 'deskgate_http_request_duration_seconds',
    help: 'HTTP request latency (first byte received to response sent), by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: SECOND_BUCKETS,
    registers,
  });
  const registration = new Histogram({
    name: 'deskgate_ticket_registration_seconds',
    help: 'Time from ticket creation until it settled, by final status (CREATED or FAILED).',
    labelNames: ['status'] as const,
    buckets: REGISTRATION_BUCKETS,
    registers,
  });
  const deskCalls = new Histogram({
    name: 'deskgate_desk_call_duration_seconds',
    help: 'Help desk registration calls, by desk kind and outcome (success, transient_error, permanent_error).',
    labelNames: ['desk', 'outcome'] as const,
    buckets: SECOND_BUCKETS,
    registers,
  });
  const webhookDeliveries = new Counter({
    name: 'deskgate_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome.',
    labelNames: ['outcome'] as const,
    registers,
  });

  return {
    registry,
    httpRequest(labels: { route: string; method: string; status: number }, seconds: number): void {
      const values = { ...labels, status: String(labels.status) };
      httpRequests.inc(values);
      httpDuration.observe(values, seconds);
    },
    ticketSettled(status: 'CREATED' | 'FAILED', secondsSinceCreation: number): void {
      registration.observe({ status }, secondsSinceCreation);
    },
    deskCall(desk: string, outcome: DeskCallOutcome, seconds: number): void {
      deskCalls.observe({ desk, outcome }, seconds);
    },
    webhookDelivery(outcome: string): void {
      webhookDeliveries.inc({ outcome });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
