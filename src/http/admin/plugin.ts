import type { FastifyInstance } from 'fastify';
import type { AdminKeyService } from '../../services/admin-keys.js';
import type { OperatorService } from '../../services/operator.js';
import { accountRoutes } from './account-routes.js';
import { adminKeyAuth } from './auth.js';
import { credentialRoutes } from './credential-routes.js';
import { adminErrorHandler } from './errors.js';
import { paymentRoutes } from './payment-routes.js';
import { AdminError } from './schemas.js';
import { ticketRoutes } from './ticket-routes.js';

export const ADMIN_PREFIX = '/admin/v1';

export interface AdminDeps {
  adminKeys: AdminKeyService;
  operator: OperatorService;
}

/** One group of admin routes, registered under /admin/v1 behind operator-key authentication. */
export type AdminRouteModule = (app: FastifyInstance, deps: AdminDeps) => Promise<void>;

/**
 * The admin API is composed of these modules: a feature adds its module here
 * (and what it needs to AdminDeps), e.g. webhook endpoints, deliveries, replay.
 */
export const ADMIN_ROUTE_MODULES: AdminRouteModule[] = [accountRoutes, credentialRoutes, paymentRoutes, ticketRoutes];

/** The operator API (`/admin/v1/...`): operator keys only, errors as `{error: {code, message}}`. */
export async function adminApi(app: FastifyInstance, deps: AdminDeps) {
  app.setErrorHandler(adminErrorHandler);
  app.addSchema(AdminError);
  app.addHook('onRequest', adminKeyAuth(deps.adminKeys));
  for (const routes of ADMIN_ROUTE_MODULES) await app.register(routes, deps);
}
