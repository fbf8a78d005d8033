import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { AdminDeps } from './plugin.js';
import { Account, AccountList, AccountParams, CreateAccountBody, Customer, CustomerList, CustomerListQuery, CustomerParams, UpdateAccountBody, adminOperation, errorResponses } from './schemas.js';

/** Accounts (tenants), their support-ticket feature gate, and their customers. */
export async function accountRoutes(app: FastifyInstance, { operator }: AdminDeps) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();

  api.post(
    '/accounts',
    { schema: { ...adminOperation('Create an account'), body: CreateAccountBody, response: { 201: Account, ...errorResponses(400, 401) } } },
    async (request, reply) => reply.code(201).send(await operator.createAccount(request.body.name, request.body.supportTicketsEnabled)),
  );
  api.get('/accounts', { schema: { ...adminOperation('List accounts'), response: { 200: AccountList, ...errorResponses(401) } } }, async () => ({
    accounts: await operator.listAccounts(),
  }));
  api.get(
    '/accounts/:accountId',
    { schema: { ...adminOperation('Get an account'), params: AccountParams, response: { 200: Account, ...errorResponses(401, 404) } } },
    async (request) => operator.getAccount(request.params.accountId),
  );
  api.patch(
    '/accounts/:accountId',
    {
      schema: {
        ...adminOperation('Enable or disable support tickets for an account'),
        params: AccountParams,
        body: UpdateAccountBody,
        response: { 200: Account, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => operator.setSupportTickets(request.params.accountId, request.body.supportTicketsEnabled),
  );

  api.get(
    '/accounts/:accountId/customers',
    {
      schema: {
        ...adminOperation("List an account's customers (oldest first)"),
        params: AccountParams,
        querystring: CustomerListQuery,
        response: { 200: CustomerList, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => ({ customers: await operator.listCustomers(request.params.accountId, request.query.limit ?? 100, request.query.offset ?? 0) }),
  );
  api.get(
    '/accounts/:accountId/customers/:customerId',
    { schema: { ...adminOperation('Get a customer'), params: CustomerParams, response: { 200: Customer, ...errorResponses(401, 404) } } },
    async (request) => operator.getCustomer(request.params.accountId, request.params.customerId),
  );
}
