import FindMyWay, { type HTTPVersion } from 'find-my-way';
import type { FastifyInstance } from 'fastify';

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * Which methods exist for a concrete path, so an unknown method on a known path
 * answers 405 with an Allow header instead of 404.
 */
export function routeIndex(app: FastifyInstance) {
  const router = FindMyWay<HTTPVersion.V1>({ ignoreTrailingSlash: true });
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if ((METHODS as readonly string[]).includes(method) && !router.hasRoute(method as (typeof METHODS)[number], route.url)) {
        router.on(method as (typeof METHODS)[number], route.url, () => undefined);
      }
    }
  });
  return {
    allowedMethods(url: string): string[] {
      const path = url.split('?')[0]!;
      return METHODS.filter((m) => router.find(m, path) !== null);
    },
  };
}
