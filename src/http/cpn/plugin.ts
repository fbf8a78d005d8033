import type { FastifyInstance } from 'fastify';
import { cpnErrorHandler } from './errors.js';
import { CpnError } from './schemas.js';
import { cpnTicketRoutes, type CpnRouteDeps } from './ticket-routes.js';

/** The Circle CPN dialect: `/v1/cpn/...` with API keys, errors as Circle's `{code, message, errors?}`. */
export async function cpnDialect(app: FastifyInstance, deps: CpnRouteDeps) {
  app.setErrorHandler(cpnErrorHandler);
  app.addSchema(CpnError);
  await app.register(cpnTicketRoutes, deps);
}
