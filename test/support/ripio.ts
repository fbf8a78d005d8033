import type { TestApp } from './app.js';
import { api } from './http.js';

export { api };

/** Any running deskgate API: a test app, or a deskgate child process. */
export type ApiTarget = Pick<TestApp, 'url'>;

export interface Partner {
  accountId: string;
  clientId: string;
  clientSecret: string;
  token: string;
}

/** Creates an account (support tickets enabled unless told otherwise) with an OAuth client and a token. */
export async function createPartner(app: TestApp, options: { enabled?: boolean; name?: string } = {}): Promise<Partner> {
  const { deskgate } = app;
  const account = await deskgate.accounts.create(options.name ?? 'Partner');
  if (options.enabled !== false) await deskgate.accounts.setSupportTickets(account.id, true);
  const client = await deskgate.accounts.createOAuthClient(account.id, 'test');
  const token = await requestToken(app, client.clientId, client.clientSecret);
  return { accountId: account.id, clientId: client.clientId, clientSecret: client.clientSecret, token };
}

export async function requestToken(app: ApiTarget, clientId: string, clientSecret: string): Promise<string> {
  const res = await api(app, 'POST', '/oauth2/token/', {
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}` },
    form: { grant_type: 'client_credentials' },
  });
  if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.accessToken;
}

export async function createCustomer(app: ApiTarget, partner: Partner, email: string | null = 'customer@example.com'): Promise<string> {
  const res = await api(app, 'POST', '/api/v1/customers/', { token: partner.token, json: { email, type: 'INDIVIDUAL' } });
  if (res.status !== 201) throw new Error(`customer create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.customerId;
}

/** A partner with support tickets enabled and one customer: what most ticket tests start from. */
export async function partnerWithCustomer(app: TestApp): Promise<{ partner: Partner; customerId: string }> {
  const partner = await createPartner(app);
  return { partner, customerId: await createCustomer(app, partner) };
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

export function createTicket(app: ApiTarget, partner: Pick<Partner, 'token'>, form: FormData, headers: Record<string, string> = {}) {
  return api(app, 'POST', '/api/v1/supportTickets/', { token: partner.token, body: form, headers });
}
