import { OperatorError } from '../services/accounts.js';
import type { OperatorService } from '../services/operator.js';
import { PAYMENT_FILE_MEDIA_TYPES } from '../http/admin/payment-routes.js';
import { ADMIN_PREFIX } from '../http/admin/plugin.js';

const TIMEOUT_MS = 60_000;

/** Operator actions on a remote deskgate, through its admin API: same calls, same answers as against the database. */
export function remoteOperator(baseUrl: string, adminKey: string): OperatorService {
  // Kept as a prefix, so a deskgate behind a path (https://host/deskgate) works too.
  const root = baseUrl.replace(/\/+$/, '') + ADMIN_PREFIX;
  const at = (...segments: string[]) => segments.map(encodeURIComponent).join('/');

  async function call<T>(method: string, path: string, body?: { json: unknown } | { text: string; mediaType: string }): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${adminKey}` };
    let payload: string | undefined;
    if (body && 'json' in body) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body.json);
    } else if (body) {
      headers['content-type'] = body.mediaType;
      payload = body.text;
    }
    const url = `${root}/${path}`;
    const response = await fetch(url, { method, headers, body: payload, signal: AbortSignal.timeout(TIMEOUT_MS) }).catch((error: Error) => {
      throw new OperatorError(`Cannot reach ${url}: ${error.message}`);
    });
    const text = await response.text();
    if (response.ok) return (text ? JSON.parse(text) : undefined) as T;
    let message = `HTTP ${response.status}`;
    try {
      message = (JSON.parse(text) as { error: { message: string } }).error.message;
    } catch {
      // not the admin API's error body (a proxy's page?): keep the status
    }
    throw new OperatorError(message, response.status === 404 ? 'not_found' : 'invalid');
  }

  const query = (params: Record<string, string | number | undefined>) => {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries(params)) if (value !== undefined) search.set(name, String(value));
    return search.size > 0 ? `?${search}` : '';
  };

  return {
    createAccount: (name, supportTicketsEnabled = false) => call('POST', 'accounts', { json: { name, supportTicketsEnabled } }),
    listAccounts: async () => (await call<{ accounts: Awaited<ReturnType<OperatorService['listAccounts']>> }>('GET', 'accounts')).accounts,
    getAccount: (accountId) => call('GET', at('accounts', accountId)),
    setSupportTickets: (accountId, enabled) => call('PATCH', at('accounts', accountId), { json: { supportTicketsEnabled: enabled } }),

    createOAuthClient: (accountId, name = '') => call('POST', `${at('accounts', accountId)}/oauth-clients`, { json: { name } }),
    listOAuthClients: async (accountId) =>
      (await call<{ oauthClients: Awaited<ReturnType<OperatorService['listOAuthClients']>> }>('GET', `${at('accounts', accountId)}/oauth-clients`)).oauthClients,
    revokeOAuthClient: (clientId) => call('DELETE', at('oauth-clients', clientId)),

    createApiKey: (accountId, options) => call('POST', `${at('accounts', accountId)}/api-keys`, { json: options }),
    listApiKeys: async (accountId) => (await call<{ apiKeys: Awaited<ReturnType<OperatorService['listApiKeys']>> }>('GET', `api-keys${query({ accountId })}`)).apiKeys,
    revokeApiKey: (keyId) => call('DELETE', at('api-keys', keyId)),

    listCustomers: async (accountId, limit, offset) =>
      (await call<{ customers: Awaited<ReturnType<OperatorService['listCustomers']>> }>('GET', `${at('accounts', accountId)}/customers${query({ limit, offset })}`)).customers,
    getCustomer: (accountId, customerId) => call('GET', at('accounts', accountId, 'customers', customerId)),

    importPayments: (accountId, content, format) => call('POST', `${at('accounts', accountId)}/payments/import`, { text: content, mediaType: PAYMENT_FILE_MEDIA_TYPES[format] }),

    listTickets: (accountId, filter, limit, offset) => call('GET', `${at('accounts', accountId)}/tickets${query({ ...filter, limit, offset })}`),
    showTicket: (ticketId) => call('GET', at('tickets', ticketId)),

    checkDesk: () => call('GET', 'desk/check'),
  };
}
