import type { Kysely } from 'kysely';
import { oauthClientQueries } from '../db/queries/accounts.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../domain/errors.js';
import { secretMatches } from '../security/secret-hash.js';
import type { TokenService } from '../security/tokens.js';
import type { CredentialCache } from './credential-cache.js';

export interface Principal {
  accountId: string;
  supportTicketsEnabled: boolean;
}

/** OAuth2 client credentials → bearer tokens, and bearer tokens → the calling account. */
export function createAuthService(deps: { db: Kysely<Database>; secretHashingKey: Buffer; tokens: TokenService; credentials: CredentialCache }) {
  const clients = oauthClientQueries(deps.db);
  const activeClient = (clientId: string) => deps.credentials.get(`oauth_client:${clientId}`, () => clients.findActive(clientId));
  return {
    async exchangeClientCredentials(clientId: string, clientSecret: string) {
      const client = await activeClient(clientId);
      if (!client || !secretMatches(deps.secretHashingKey, clientSecret, client.secret_hash)) {
        throw new AppError('authentication_failed', 'Invalid client credentials.');
      }
      return deps.tokens.issue({ clientId, accountId: client.account_id });
    },
    /** A revoked client's tokens stop working at once, and the feature gate is current (see CredentialCache). */
    async authenticateBearer(token: string): Promise<Principal> {
      const claims = await deps.tokens.verify(token);
      const client = claims ? await activeClient(claims.clientId) : undefined;
      if (!claims || !client || client.account_id !== claims.accountId) {
        throw new AppError('authentication_failed', 'Incorrect authentication credentials.');
      }
      return { accountId: client.account_id, supportTicketsEnabled: client.support_tickets_enabled };
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
