import { randomUUID } from 'node:crypto';
import type { TestApp } from './app.js';
import { api, type ApiResponse } from './http.js';

export interface CpnPartner {
  accountId: string;
  apiKey: string;
}

/** An account (support tickets enabled unless told otherwise) with a TEST API key. */
export async function createCpnPartner(app: TestApp, options: { enabled?: boolean } = {}): Promise<CpnPartner> {
  const account = await app.deskgate.accounts.create('CPN partner');
  if (options.enabled !== false) await app.deskgate.accounts.setSupportTickets(account.id, true);
  const key = await app.deskgate.apiKeys.create(account.id);
  return { accountId: account.id, apiKey: key.apiKey };
}

/** Registers a payment for the partner, as the operator's import would; returns its id. */
export async function importPayment(app: TestApp, partner: CpnPartner, id: string = randomUUID()): Promise<string> {
  const report = await app.deskgate.payments.importFile(partner.accountId, JSON.stringify({ id, status: 'COMPLETED' }), 'jsonl');
  if (report.rejected.length > 0) throw new Error(`payment import failed: ${JSON.stringify(report.rejected)}`);
  return id;
}

/** The seed's request body, with a fresh idempotency key. */
export function ticketBody(paymentId: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    paymentId,
    issueType: 'PAYMENT_SETTLEMENT_DELAY',
    description: 'The payment has not settled after two days.',
    email: 'help@ofi.com',
    idempotencyKey: randomUUID(),
    ccEmails: ['ccsupport01@example.com', 'ccsupport02@example.com'],
    ...overrides,
  };
}

export function createCpnTicket(app: TestApp, partner: CpnPartner, body: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> {
  return api(app, 'POST', '/v1/cpn/supportTickets', { token: partner.apiKey, json: body, headers });
}

export function countTickets(app: TestApp): Promise<number> {
  return app.deskgate.database.db
    .selectFrom('tickets')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow()
    .then((row) => Number(row.n));
}
