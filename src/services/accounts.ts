import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { accountQueries, oauthClientQueries } from '../db/queries/accounts.js';
import type { Database } from '../db/schema.js';
import { generateId, generateSecret, hashSecret } from '../security/secret-hash.js';
import type { CredentialCache } from './credential-cache.js';

/** An operator request that cannot be done: about something that does not exist, or invalid as given. */
export class OperatorError extends Error {
  override readonly name = 'OperatorError';
  constructor(
    message: string,
    readonly reason: 'not_found' | 'invalid' = 'invalid',
  ) {
    super(message);
  }
}

/** Operator actions on tenants and their credentials (CLI and admin API). */
export function createAccountService(deps: { db: Kysely<Database>; secretHashingKey: Buffer; credentials: CredentialCache }) {
  const accounts = accountQueries(deps.db);
  const clients = oauthClientQueries(deps.db);

  async function requireAccount(id: string) {
    const account = await accounts.find(id).catch(() => undefined);
    if (!account) throw new OperatorError(`No account with id ${id}.`, 'not_found');
    return account;
  }

  return {
    create(name: string) {
      if (name.trim() === '') throw new OperatorError('An account needs a name.');
      return accounts.insert(randomUUID(), name.trim());
    },
    list: () => accounts.list(),
    get: requireAccount,
    async setSupportTickets(id: string, enabled: boolean) {
      await requireAccount(id);
      const account = (await accounts.setSupportTickets(id, enabled))!;
      deps.credentials.invalidate();
      return account;
    },
    /** The secret is returned here once; only its keyed hash is stored. */
    async createOAuthClient(accountId: string, name = '') {
      await requireAccount(accountId);
      const clientId = generateId('dgc_');
      const clientSecret = generateSecret();
      await clients.insert({ client_id: clientId, account_id: accountId, name, secret_hash: hashSecret(deps.secretHashingKey, clientSecret) });
      return { clientId, clientSecret, accountId, name };
    },
    async listOAuthClients(accountId: string) {
      await requireAccount(accountId);
      return clients.listForAccount(accountId);
    },
    async revokeOAuthClient(clientId: string) {
      const revoked = await clients.revoke(clientId);
      deps.credentials.invalidate();
      if (!revoked) throw new OperatorError(`No active OAuth client with id ${clientId}.`, 'not_found');
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
