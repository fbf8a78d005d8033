import type { FastifyInstance } from 'fastify';
import swagger, { type SwaggerTransform } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';

const DESCRIPTION = `deskgate speaks two published API dialects over one core:

- **Ripio Ramp API** (\`/oauth2/token/\`, \`/api/v1/...\`): OAuth2 client credentials, bearer JWTs, errors as \`ErrorResponse\`.
- **Circle CPN** (\`/v1/cpn/...\`): \`PREFIX:ID:SECRET\` API keys, errors as Circle's \`Error\`.

Operations marked \`x-deskgate-extension: true\` are deskgate's additions to a dialect. The admin API (\`/admin/v1/...\`)
is for operators only, with operator keys.`;

/**
 * A route whose body is parsed by hand (e.g. streamed multipart) has no
 * body schema for Fastify to validate; this transform puts `body` into the
 * route's document only, as `config.swaggerTransform`.
 */
export function documentBody(body: unknown): SwaggerTransform {
  return ({ schema, url }) => ({ schema: { ...schema, body }, url });
}

/**
 * `/openapi.json` (OpenAPI 3.1, generated from the route schemas) and the docs
 * UI at `/docs`, which serves its own assets (no CDN). Register before any
 * route: the document collects routes as they are added.
 */
export async function openApiDocs(app: FastifyInstance) {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'deskgate', version: 'v1', description: DESCRIPTION },
      tags: [
        { name: 'Authentication', description: 'Ripio: OAuth2 client credentials.' },
        { name: 'Customers', description: 'Ripio: the end customers tickets are raised for.' },
        { name: 'Support Tickets', description: 'Ripio: raise and track support tickets.' },
        { name: 'CPN Support Tickets', description: 'Circle CPN: raise and track support tickets about payments.' },
        { name: 'Admin', description: 'Operator API: accounts, credentials, payments, tickets, desk.' },
      ],
      components: {
        securitySchemes: {
          BearerToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description: 'Ripio: access token from `POST /oauth2/token/`, as `Authorization: Bearer <access_token>`.',
          },
          ClientBasic: { type: 'http', scheme: 'basic', description: 'Ripio: OAuth client id and secret (or the form fields client_id/client_secret).' },
          BearerAuth: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'PREFIX:ID:SECRET',
            description: 'Circle CPN: API keys are formatted "PREFIX:ID:SECRET" (PREFIX TEST_API_KEY or LIVE_API_KEY); all three parts are required.',
          },
          AdminKey: { type: 'http', scheme: 'bearer', bearerFormat: 'dga_<ID>_<SECRET>', description: 'Operator key from `deskgate admin-keys create`.' },
        },
      },
    },
    // Shared schemas keep their names (RipioErrorResponse, CpnError) instead of def-0, def-1.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', validatorUrl: false });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
