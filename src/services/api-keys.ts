import type { Kysely } from 'kysely';
import { apiKeyQueries } from '../db/queries/api-keys.js';
import type { ApiKeyEnvironment, Database } from '../db/schema.js';
import { AppError } from '../domain/errors.js';
import { generateId, generateSecret, hashSecret, rememberingSecretMatcher } from '../security/secret-hash.js';
import { OperatorError, type AccountService } from './accounts.js';
import type { Principal } from './auth.js';
import type { CredentialCache } from './credential-cache.js';

const PREFIXES: Record<ApiKeyEnvironment, string> = { TEST: 'TEST_API_KEY', LIVE: 'LIVE_API_KEY' };
const KEY_ID = /^[0-9a-f]{32}$/;

export interface PresentedApiKey {
  prefix: string;
  id: string;
  secret: string;
}

/** `PREFIX:ID:SECRET` split into its parts; null when it does not have three non-empty parts. */
export function parseApiKey(raw: string): PresentedApiKey | null {
  const parts = raw.split(':');
  if (parts.length !== 3 || parts.some((p) => p === '')) return null;
  const [prefix, id, secret] = parts as [string, string, string];
  return { prefix, id, secret };
}

/** Circle-style API keys (CPN dialect credentials): issued and revoked by the operator, checked per request. */
export function createApiKeyService(deps: { db: Kysely<Database>; secretHashingKey: Buffer; accounts: AccountService; credentials: CredentialCache }) {
  const keys = apiKeyQueries(deps.db);
  const secretMatches = rememberingSecretMatcher(deps.secretHashingKey);
  return {
    /** The full key is returned here once; only a keyed hash of its secret is stored. */
    async create(accountId: string, options: { live?: boolean; name?: string } = {}) {
      await deps.accounts.get(accountId);
      const environment: ApiKeyEnvironment = options.live ? 'LIVE' : 'TEST';
      const id = generateId('', 16);
      const secret = generateSecret();
      const row = await keys.insert({ id, account_id: accountId, environment, name: options.name ?? '', secret_hash: hashSecret(deps.secretHashingKey, secret) });
      return { ...row, apiKey: `${PREFIXES[environment]}:${id}:${secret}` };
    },
    list: (accountId?: string) => keys.list(accountId),
    async revoke(id: string) {
      const revoked = await keys.revoke(id);
      deps.credentials.invalidate();
      if (!revoked) throw new OperatorError(`No active API key with id ${id}.`, 'not_found');
    },
    /**
     * A presented key → the calling account. Fast on purpose (a primary-key
     * lookup and an HMAC, no KDF: the secret has 256 bits of entropy; both
     * skipped while the key is cached and its secret already matched), and the
     * secret is compared in constant time. A key presented with the other
     * environment's prefix is not valid.
     */
    async authenticate(presented: PresentedApiKey): Promise<Principal> {
      const key = KEY_ID.test(presented.id) ? await deps.credentials.get(`api_key:${presented.id}`, () => keys.findActive(presented.id)) : undefined;
      if (!key || PREFIXES[key.environment] !== presented.prefix || !secretMatches(presented.secret, key)) {
        throw new AppError('authentication_failed');
      }
      return { accountId: key.account_id, supportTicketsEnabled: key.support_tickets_enabled };
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
