import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { customerQueries } from '../db/queries/customers.js';
import type { Customer, Database } from '../db/schema.js';
import { AppError } from '../domain/errors.js';
import { isUuid } from '../domain/tickets.js';

export function createCustomerService(deps: { db: Kysely<Database> }) {
  const customers = customerQueries(deps.db);
  return {
    create(accountId: string, input: { email: string | null; type: Customer['type'] }) {
      return customers.insert({ id: randomUUID(), account_id: accountId, email: input.email, type: input.type });
    },
    async get(accountId: string, id: string) {
      const customer = isUuid(id) ? await customers.find(accountId, id) : undefined;
      if (!customer) throw new AppError('customer_not_found', 'Customer not found.');
      return customer;
    },
    async updateEmail(accountId: string, id: string, email: string | null) {
      const customer = isUuid(id) ? await customers.updateEmail(accountId, id, email) : undefined;
      if (!customer) throw new AppError('customer_not_found', 'Customer not found.');
      return customer;
    },
    list(accountId: string, limit: number, offset: number) {
      return customers.listForAccount(accountId, limit, offset);
    },
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;
