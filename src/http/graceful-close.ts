import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * Stops listening at once (new connections are refused; requests arriving on
 * open keep-alive connections get 503) and waits for in-flight requests,
 * uploads included, to finish. Connections still busy after `timeoutMs` are
 * cut: their partners see an error and retry with their idempotency key.
 */
export async function closeGracefully(server: FastifyInstance, timeoutMs: number, log: Logger): Promise<void> {
  const deadline = setTimeout(() => {
    log.warn({ timeoutMs }, 'shutdown deadline passed; cutting the remaining connections');
    server.server.closeAllConnections();
  }, timeoutMs);
  try {
    await server.close();
  } finally {
    clearTimeout(deadline);
  }
}
