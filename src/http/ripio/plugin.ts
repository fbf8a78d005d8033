import type { FastifyInstance } from 'fastify';
import multipart from '@fastify/multipart';
import type { CustomerService } from '../../services/customers.js';
import { customerRoutes } from './customer-routes.js';
import { ripioErrorHandler } from './errors.js';
import { ErrorResponse } from './schemas.js';
import { ticketRoutes, type TicketRouteDeps } from './ticket-routes.js';
import { tokenRoutes } from './token-routes.js';
import { webhookRoutes, type WebhookRouteDeps } from './webhook-routes.js';

export type RipioDeps = TicketRouteDeps & WebhookRouteDeps & { customers: CustomerService };

/** The Ripio Ramp dialect: `/oauth2/token/` and `/api/v1/...`, errors as `{code, type, detail, status}`. */
export async function ripioDialect(app: FastifyInstance, deps: RipioDeps) {
  app.setErrorHandler(ripioErrorHandler);
  app.addSchema(ErrorResponse);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  await app.register(multipart, { throwFileSizeLimit: false });
  await app.register(tokenRoutes, { auth: deps.auth, limits: deps.limits });
  await app.register(customerRoutes, { auth: deps.auth, customers: deps.customers, limits: deps.limits });
  await app.register(ticketRoutes, deps);
  await app.register(webhookRoutes, deps);
}
