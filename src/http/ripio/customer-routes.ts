import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AuthService } from '../../services/auth.js';
import type { CustomerService } from '../../services/customers.js';
import { principalOf } from '../principal.js';
import { throttleAccount, type RequestLimits } from '../throttle.js';
import { bearerAuth } from './auth.js';
import { presentCustomer } from './presenters.js';
import { CreateCustomerBody, CustomerParams, CustomerResponse, UpdateCustomerBody, errorResponses } from './schemas.js';

export async function customerRoutes(app: FastifyInstance, opts: { auth: AuthService; customers: CustomerService; limits: RequestLimits }) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const security = [{ BearerToken: [] }];
  api.addHook('preHandler', bearerAuth(opts.auth));
  api.addHook('preHandler', throttleAccount(opts.limits));

  api.post(
    '/api/v1/customers/',
    { schema: { tags: ['Customers'], summary: 'Create a customer', security, body: CreateCustomerBody, response: { 201: CustomerResponse, ...errorResponses(400, 401, 429) } } },
    async (request, reply) => {
      const customer = await opts.customers.create(principalOf(request).accountId, { email: request.body.email ?? null, type: request.body.type });
      return reply.code(201).send(presentCustomer(customer));
    },
  );

  api.get(
    '/api/v1/customers/:customerId/',
    { schema: { tags: ['Customers'], summary: 'Retrieve a customer', security, params: CustomerParams, response: { 200: CustomerResponse, ...errorResponses(401, 404, 429) } } },
    async (request) => presentCustomer(await opts.customers.get(principalOf(request).accountId, request.params.customerId)),
  );

  api.patch(
    '/api/v1/customers/:customerId/',
    {
      schema: {
        tags: ['Customers'],
        summary: "Update a customer's email",
        security,
        params: CustomerParams,
        body: UpdateCustomerBody,
        response: { 200: CustomerResponse, ...errorResponses(400, 401, 404, 429) },
      },
    },
    async (request) => presentCustomer(await opts.customers.updateEmail(principalOf(request).accountId, request.params.customerId, request.body.email)),
  );
}
