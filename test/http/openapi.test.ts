import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { createCpnPartner, createCpnTicket, importPayment, ticketBody } from '../support/cpn.js';
import { sampleFile } from '../support/files.js';
import { api, type ApiResponse } from '../support/http.js';
import { createCustomer, createPartner, createTicket, ticketForm } from '../support/ripio.js';

const SHARED = path.resolve(import.meta.dirname, '../../../shared');
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

let app: TestApp;
let doc: any;

before(async () => {
  app = await startTestApp();
  const res = await api(app, 'GET', '/openapi.json');
  assert.equal(res.status, 200);
  doc = res.body;
});
after(() => app.close());

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([route, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ route, method, operation })),
  );

/** Every `$ref` value anywhere in a document. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) => (key === '$ref' && typeof v === 'string' ? [v] : refsIn(v)));
  }
  return [];
}

test('/openapi.json is a structurally valid OpenAPI 3.1 document covering both dialects and the admin API', () => {
  assert.equal(doc.openapi, '3.1.0');
  assert.equal(typeof doc.info.title, 'string');
  assert.equal(typeof doc.info.version, 'string');
  for (const route of ['/oauth2/token/', '/api/v1/customers/', '/api/v1/supportTickets/', '/api/v1/supportTickets/{ticketId}/', '/v1/cpn/supportTickets', '/v1/cpn/supportTickets/{id}', '/admin/v1/accounts']) {
    assert.ok(doc.paths[route], `${route} is documented`);
  }
  assert.ok(!Object.keys(doc.paths).some((p) => p.startsWith('/docs') || p === '/openapi.json'), 'the docs themselves are not operations');

  const ids = new Set<string>();
  for (const { route, method, operation } of operations()) {
    const where = `${method.toUpperCase()} ${route}`;
    assert.ok(Object.keys(operation.responses ?? {}).length > 0, `${where} has responses`);
    for (const [status, response] of Object.entries<any>(operation.responses)) {
      assert.match(status, /^([1-5]\d\d|[1-5]XX|default)$/, `${where}: response key ${status}`);
      assert.equal(typeof response.description, 'string', `${where} ${status} has a description`);
    }
    if (operation.operationId) {
      assert.ok(!ids.has(operation.operationId), `operationId ${operation.operationId} is unique`);
      ids.add(operation.operationId);
    }
    for (const requirement of operation.security ?? []) {
      for (const scheme of Object.keys(requirement)) assert.ok(doc.components.securitySchemes[scheme], `${where}: security scheme ${scheme} is defined`);
    }
    for (const parameter of operation.parameters ?? []) {
      assert.ok(['path', 'query', 'header', 'cookie'].includes(parameter.in) && typeof parameter.name === 'string', `${where}: parameter ${JSON.stringify(parameter)}`);
      if (parameter.in === 'path') assert.equal(parameter.required, true, `${where}: path parameter ${parameter.name} is required`);
    }
  }
  for (const ref of refsIn(doc)) {
    assert.match(ref, /^#\/components\/schemas\/[^/]+$/);
    assert.ok(doc.components.schemas[ref.split('/').pop()!], `${ref} resolves`);
  }
});

test('security schemes: Ripio bearer JWT and client Basic, CPN PREFIX:ID:SECRET keys, admin keys; each dialect errors in its own schema', () => {
  const schemes = doc.components.securitySchemes;
  assert.deepEqual(schemes.BearerToken, { ...schemes.BearerToken, type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  assert.deepEqual(schemes.ClientBasic, { ...schemes.ClientBasic, type: 'http', scheme: 'basic' });
  assert.deepEqual(schemes.BearerAuth, { ...schemes.BearerAuth, type: 'http', scheme: 'bearer', bearerFormat: 'PREFIX:ID:SECRET' });
  assert.equal(schemes.AdminKey.scheme, 'bearer');

  const ripioCreate = doc.paths['/api/v1/supportTickets/'].post;
  assert.deepEqual(ripioCreate.security, [{ BearerToken: [] }]);
  assert.deepEqual(ripioCreate.responses['401'].content['application/json'].schema, { $ref: '#/components/schemas/RipioErrorResponse' });
  assert.deepEqual(ripioCreate.responses['429'].content['application/json'].schema, { $ref: '#/components/schemas/RipioErrorResponse' });
  const cpnCreate = doc.paths['/v1/cpn/supportTickets'].post;
  assert.deepEqual(cpnCreate.security, [{ BearerAuth: [] }]);
  assert.deepEqual(cpnCreate.responses['409'].content['application/json'].schema, { $ref: '#/components/schemas/CpnError' });
  assert.deepEqual(doc.paths['/admin/v1/accounts'].get.responses['401'].content['application/json'].schema, { $ref: '#/components/schemas/AdminError' });
  assert.deepEqual(doc.paths['/oauth2/token/'].post.security, [{ ClientBasic: [] }, {}]);
});

test('the hand-parsed multipart body of ticket creation is documented; extensions are marked, published operations are not', () => {
  const body = doc.paths['/api/v1/supportTickets/'].post.requestBody;
  const schema = body.content['multipart/form-data'].schema;
  assert.deepEqual(schema.required, ['customerId', 'summary', 'description']);
  assert.deepEqual(schema.properties.files, { type: 'array', maxItems: 5, items: { type: 'string', format: 'binary' } });
  assert.equal(schema.properties.summary.maxLength, 240);

  const extension = (route: string, method: string) => doc.paths[route][method]['x-deskgate-extension'] === true;
  assert.equal(extension('/api/v1/supportTickets/', 'get'), true);
  assert.equal(extension('/v1/cpn/supportTickets', 'get'), true);
  assert.equal(extension('/v1/cpn/supportTickets/{id}', 'get'), true);
  assert.equal(extension('/api/v1/supportTickets/', 'post'), false);
  assert.equal(extension('/api/v1/supportTickets/{ticketId}/', 'get'), false);
  assert.equal(extension('/v1/cpn/supportTickets', 'post'), false);
});

test('the docs UI is served at /docs with its own assets (no CDN)', async () => {
  const page = await fetch(`${app.url}/docs/`);
  assert.equal(page.status, 200);
  const html = await page.text();
  assert.doesNotMatch(html, /(src|href)="https?:\/\//);
  const assets = [...html.matchAll(/(?:src|href)="\.\/(static\/[^"]+)"/g)].map((m) => m[1]!);
  assert.ok(assets.length > 0);
  for (const asset of assets) assert.equal((await fetch(`${app.url}/docs/${asset}`)).status, 200, asset);
  const initializer = await (await fetch(`${app.url}/docs/static/swagger-initializer.js`)).text();
  assert.match(initializer, /validatorUrl: null/, 'no badge from the online validator');
});

/* The seeds' own OpenAPI fragments validate real responses. */

/** The ```` ```yaml ```` OpenAPI blocks of a seed page. */
async function seedOpenApi(file: string): Promise<any> {
  const text = await fs.readFile(path.join(SHARED, 'seeds', file), 'utf8');
  const block = /^````yaml[^\n]*\n([\s\S]*?)^````/m.exec(text);
  assert.ok(block, `${file} has an OpenAPI block`);
  return parseYaml(block[1]!);
}

/**
 * A validator for one documented response: `docs` are OpenAPI documents
 * registered under ids, and the schema is the one the document gives for the
 * operation's status (following a `$ref` to components.responses).
 */
function responseValidators(docs: Record<string, any>) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false, logger: false });
  addFormats.default(ajv);
  for (const [id, document] of Object.entries(docs)) ajv.addSchema({ ...document, $id: id });
  const pointer = (parts: string[]) => parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');
  return (id: string, route: string, method: string, status: number) => {
    let at = ['paths', route, method, 'responses', String(status)];
    let response = at.reduce((node, key) => node?.[key], docs[id]);
    assert.ok(response, `${id} documents ${status} for ${method.toUpperCase()} ${route}`);
    if (response.$ref) {
      at = (response.$ref as string).replace(/^#\//, '').split('/');
      response = at.reduce((node, key) => node?.[key], docs[id]);
    }
    const validate = ajv.compile({ $ref: `${id}#/${pointer([...at, 'content', 'application/json', 'schema'])}` });
    return (res: ApiResponse) => {
      assert.equal(res.status, status, JSON.stringify(res.body));
      assert.ok(validate(res.body), `${method.toUpperCase()} ${route} ${status}: ${JSON.stringify(validate.errors)} for ${JSON.stringify(res.body)}`);
    };
  };
}

test("Ripio responses (202, 200, 400, 401, 403, 404) validate against the seeds' SupportTicketResponse and ErrorResponse", async () => {
  const seeds = { create: await seedOpenApi('000_289cb560fdd63bb8.txt'), retrieve: await seedOpenApi('002_4d250311b39c7512.txt') };
  const expect = responseValidators(seeds);
  const CREATE = '/api/v1/supportTickets/';
  const RETRIEVE = '/api/v1/supportTickets/{ticketId}/';

  const partner = await createPartner(app);
  const customerId = await createCustomer(app, partner);
  const fields = { customerId, summary: 'Payment not received', description: 'The transfer never arrived.' };

  assert.throws(() => expect('create', CREATE, 'post', 202)({ status: 202, headers: new Headers(), body: { status: 'PENDING', issueKey: null } }), /ticketId/, 'the schema has teeth');
  const created = await createTicket(app, partner, ticketForm(fields, [{ name: 'shot.png', bytes: sampleFile('png') }]));
  expect('create', CREATE, 'post', 202)(created);
  const ticketPath = `/api/v1/supportTickets/${created.body.ticketId}/`;
  const registered = await eventually(async () => {
    const res = await api(app, 'GET', ticketPath, { token: partner.token });
    return res.body.status === 'CREATED' && res;
  });
  expect('retrieve', RETRIEVE, 'get', 200)(registered);
  const another = await createTicket(app, partner, ticketForm(fields));
  expect('retrieve', RETRIEVE, 'get', 200)(await api(app, 'GET', `/api/v1/supportTickets/${another.body.ticketId}/`, { token: partner.token }));

  expect('create', CREATE, 'post', 400)(await createTicket(app, partner, ticketForm({ customerId })));
  expect('create', CREATE, 'post', 400)(await createTicket(app, partner, ticketForm({ ...fields, customerId: randomUUID() })));
  expect('create', CREATE, 'post', 400)(await createTicket(app, partner, ticketForm({ ...fields, customerId: await createCustomer(app, partner, null) })));
  expect('create', CREATE, 'post', 401)(await api(app, 'POST', CREATE, { body: ticketForm(fields) }));
  expect('retrieve', RETRIEVE, 'get', 401)(await api(app, 'GET', ticketPath, { token: 'not-a-token' }));
  const disabled = await createPartner(app, { enabled: false });
  expect('create', CREATE, 'post', 403)(await createTicket(app, disabled, ticketForm(fields)));
  expect('retrieve', RETRIEVE, 'get', 403)(await api(app, 'GET', ticketPath, { token: disabled.token }));
  expect('retrieve', RETRIEVE, 'get', 404)(await api(app, 'GET', `/api/v1/supportTickets/${randomUUID()}/`, { token: partner.token }));
  expect('retrieve', RETRIEVE, 'get', 404)(await api(app, 'GET', ticketPath, { token: (await createPartner(app)).token }));
});

test("CPN responses (201, 400, 401, 403, 404, 409) validate against Circle's published schemas", async () => {
  const circle = parseYaml(await fs.readFile(path.join(SHARED, 'reference/circle-cpn-ofi.openapi.yaml'), 'utf8'));
  // Circle's ErrorCode enum omits the HTTP-status codes its own examples use (401, 404, 429):
  // the examples are what Circle answers, so their codes are accepted too.
  const exampleCodes = Object.values<any>(circle.components.responses).map((r) => r.content?.['application/json']?.schema?.example?.code).filter((c) => typeof c === 'number');
  circle.components.schemas.ErrorCode.enum = [...new Set([...circle.components.schemas.ErrorCode.enum, ...exampleCodes])];
  assert.ok(circle.components.schemas.ErrorCode.enum.includes(401) && circle.components.schemas.ErrorCode.enum.includes(404));
  const expect = responseValidators({ circle });
  const ROUTE = '/v1/cpn/supportTickets';

  assert.throws(() => expect('circle', ROUTE, 'post', 409)({ status: 409, headers: new Headers(), body: { code: 409, message: 'Conflict' } }), /enum/, 'the schema has teeth');
  const partner = await createCpnPartner(app);
  const paymentId = await importPayment(app, partner);
  const body = ticketBody(paymentId);
  expect('circle', ROUTE, 'post', 201)(await createCpnTicket(app, partner, body));
  expect('circle', ROUTE, 'post', 409)(await createCpnTicket(app, partner, { ...body, description: 'Another description.' }));
  expect('circle', ROUTE, 'post', 400)(await createCpnTicket(app, partner, { ...ticketBody(paymentId), email: 'not-an-email', issueType: 'NOPE' }));
  expect('circle', ROUTE, 'post', 400)(await api(app, 'POST', ROUTE, { token: partner.apiKey, body: '{"paymentId": ', headers: { 'content-type': 'application/json' } }));
  expect('circle', ROUTE, 'post', 401)(await createCpnTicket(app, { ...partner, apiKey: 'TEST_API_KEY:nope' }, ticketBody(paymentId)));
  expect('circle', ROUTE, 'post', 401)(await createCpnTicket(app, { ...partner, apiKey: `TEST_API_KEY:${'0'.repeat(32)}:secret` }, ticketBody(paymentId)));
  expect('circle', ROUTE, 'post', 403)(await createCpnTicket(app, await createCpnPartner(app, { enabled: false }), ticketBody(paymentId)));
  expect('circle', ROUTE, 'post', 404)(await createCpnTicket(app, partner, ticketBody(randomUUID())));
});
