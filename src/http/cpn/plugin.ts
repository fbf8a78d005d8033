import type { FastifyInstance } from 'fastify';
import { cpnErrorHandler } from './errors.js';
import { cpnNotificationRoutes, type CpnNotificationRouteDeps } from './notification-routes.js';
import { CpnError } from './schemas.js';
import { cpnTicketRoutes, type CpnRouteDeps } from './ticket-routes.js';

export type CpnDeps = CpnRouteDeps & CpnNotificationRouteDeps;

/** The Circle CPN dialect: `/v1/cpn/...` and `/v2/cpn/...` with API keys, errors as Circle's `{code, message, errors?}`. */
export async function cpnDialect(app: FastifyInstance, deps: CpnDeps) {
  app.setErrorHandler(cpnErrorHandler);
  app.addSchema(CpnError);
  await app.register(cpnTicketRoutes, deps);
  await app.register(cpnNotificationRoutes, deps);
}
