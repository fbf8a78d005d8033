import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../observability/metrics.js';

/**
 * Counts and times every answered request by its route pattern
 * (`/api/v1/supportTickets/:ticketId/`), never the raw URL, so ids and
 * scanners' junk paths cannot blow up the number of series.
 */
export function recordRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequest({ route, method: request.method, status: reply.statusCode }, reply.elapsedTime / 1000);
    done();
  });
}
