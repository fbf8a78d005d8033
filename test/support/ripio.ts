import type { Deskgate } from '../../src/app.js';
import type { TestApp } from './app.js';
import { api } from './http.js';

export { api };

export interface Partner {
  accountId: string;
  clientId: string;
  clientSecret: string;
  token: string;
}

export async function createPartner(app: TestApp, options: { enabled?: boolean; name?: string } = {}): Promise<Partner> {
  const { deskgate } = app;
  const account = await deskgate.accounts.create(options.name ?? 'Partner');
  if (options.enabled !== false) await deskgate.accounts.setSupportTickets(account.id, true);
  const client = await deskgate.accounts.createOAuthClient(account.id, 'test');
  const token = await requestToken(app, client.clientId, client.clientSecret);
  return { accountId: account.id, clientId: client.clientId, clientSecret: client.clientSecret, token };
}

/**
 * A Ripio partner's credentials and one customer, made through deskgate's services as the operator
 * would (no HTTP server needed: for tests that run deskgate as a child process).
 */
export async function seedPartner(deskgate: Deskgate, customerEmail: string): Promise<{ clientId: string; clientSecret: string; customerId: string }> {
  const account = await deskgate.accounts.create('Partner');
  await deskgate.accounts.setSupportTickets(account.id, true);
  const client = await deskgate.accounts.createOAuthClient(account.id);
  const customer = await deskgate.customers.create(account.id, { email: customerEmail, type: 'INDIVIDUAL' });
  return { clientId: client.clientId, clientSecret: client.clientSecret, customerId: customer.id };
}

export async function requestToken(app: Pick<TestApp, 'url'>, clientId: string, clientSecret: string): Promise<string> {
  const res = await api(app, 'POST', '/oauth2/token/', {
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    form: { grant_type: 'client_credentials' },
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

export async function createCustomer(app: TestApp, partner: Partner, email: string | null = 'customer@example.com'): Promise<string> {
  const res = await api(app, 'POST', '/api/v1/customers/', { token: partner.token, json: { email, type: 'INDIVIDUAL' } });
  if (res.status !== 201) throw new Error(`customer create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.customerId;
}

export interface FilePart {
  name: string;
  bytes: Buffer;
  type?: string;
}

/** The create-ticket multipart form, fields in the order given. */
export function ticketForm(fields: Record<string, string | undefined>, files: FilePart[] = []): FormData {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) if (value !== undefined) form.append(name, value);
  for (const file of files) form.append('files', new Blob([file.bytes], { type: file.type ?? 'application/octet-stream' }), file.name);
  return form;
}

export function createTicket(app: Pick<TestApp, 'url'>, partner: Pick<Partner, 'token'>, form: FormData, headers: Record<string, string> = {}) {
  return api(app, 'POST', '/api/v1/supportTickets/', { token: partner.token, body: form, headers });
}
