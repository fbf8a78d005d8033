import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { adminErrorHandler, adminNotFound } from './admin/errors.js';
import { ADMIN_PREFIX, adminApi, type AdminDeps } from './admin/plugin.js';
import { cpnErrorHandler, cpnNotFound } from './cpn/errors.js';
import { cpnDialect, type CpnDeps } from './cpn/plugin.js';
import { ripioDialect, type RipioDeps } from './ripio/plugin.js';
import { ripioErrorHandler, ripioNotFound } from './ripio/errors.js';
import type { Metrics } from '../observability/metrics.js';
import { AccessLog } from './access-log.js';
import { recordRequestMetrics } from './request-metrics.js';
import { openApiDocs } from './openapi.js';
import { routeIndex } from './route-index.js';

export interface ServerDeps extends RipioDeps, CpnDeps {
  log: Logger;
  metrics: Metrics;
  admin: AdminDeps;
  http: Config['http'];
  /** Readiness: database reachable, migrations current, storage writable. */
  readiness(): Promise<Record<string, boolean>>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's X-Request-Id when it is sane, else a fresh uuid. */
function requestId(raw: FastifyRequest['raw']): string {
  const given = raw.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

const CPN_PATH = /^\/v[12]\/cpn(\/|\?|$)/;
const ADMIN_PATH = new RegExp(`^${ADMIN_PREFIX}(/|\\?|$)`);

/** Errors outside a dialect's own routes (unknown routes, unparsable bodies there) speak the dialect of the path. */
function dialectOf(url: string) {
  if (ADMIN_PATH.test(url)) return { errorHandler: adminErrorHandler, notFound: adminNotFound };
  return CPN_PATH.test(url)
    ? { errorHandler: cpnErrorHandler, notFound: cpnNotFound }
    : { errorHandler: ripioErrorHandler, notFound: ripioNotFound };
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    genReqId: (raw) => requestId(raw as FastifyRequest['raw']),
    logController: new AccessLog(),
    routerOptions: { ignoreTrailingSlash: true },
    bodyLimit: 1024 * 1024,
    // Slow clients (slowloris) cannot hold a connection open forever: their headers, then their
    // whole request, must arrive in time (Node checks every second, not every 30 s, for that).
    connectionTimeout: 0,
    requestTimeout: deps.http.requestTimeoutMs,
    http: { headersTimeout: deps.http.headersTimeoutMs, connectionsCheckingInterval: 1_000 },
    // request.ip (the token endpoint's rate-limit key) is the client's, not the load balancer's, behind that many proxies.
    trustProxy: (_address: string, hop: number) => hop < deps.http.trustProxyHops,
    keepAliveTimeout: 10_000,
    return503OnClosing: true,
    ajv: { customOptions: { allErrors: true, verbose: true } },
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  recordRequestMetrics(app, deps.metrics);

  const routes = routeIndex(app);
  app.setErrorHandler<FastifyError>((error, request, reply) => dialectOf(request.url).errorHandler(error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    const allowed = routes.allowedMethods(request.url);
    if (allowed.length > 0) reply.header('allow', allowed.join(', '));
    const { status, body } = dialectOf(request.url).notFound(allowed, request.method);
    return reply.code(status).send(body);
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const checks = await deps.readiness();
    const ready = Object.values(checks).every(Boolean);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', async (_request, reply) => {
    const { registry } = deps.metrics;
    return reply.type(registry.contentType).send(await registry.metrics());
  });

  await openApiDocs(app);
  await app.register(ripioDialect, deps);
  await app.register(cpnDialect, deps);
  await app.register((admin) => adminApi(admin, deps.admin), { prefix: ADMIN_PREFIX });
  return app;
}
