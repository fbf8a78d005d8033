import type { Kysely } from 'kysely';
import { adminKeyQueries } from '../db/queries/admin-keys.js';
import type { Database } from '../db/schema.js';
import { AppError } from '../domain/errors.js';
import { generateId, generateSecret, hashSecret, secretMatches } from '../security/secret-hash.js';
import { OperatorError } from './accounts.js';

const ADMIN_KEY = /^dga_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

/** Operator keys for the admin API (`dga_<id>_<secret>`): stored as a keyed hash, like OAuth client secrets. */
export function createAdminKeyService(deps: { db: Kysely<Database>; secretHashingKey: Buffer }) {
  const keys = adminKeyQueries(deps.db);
  return {
    /** The key is returned here once. */
    async create(name = '') {
      const id = generateId('', 12);
      const secret = generateSecret();
      const row = await keys.insert({ id, name, secret_hash: hashSecret(deps.secretHashingKey, secret) });
      return { id: row.id, name: row.name, createdAt: row.created_at.toISOString(), adminKey: `dga_${id}_${secret}` };
    },
    async list() {
      return (await keys.list()).map((k) => ({ id: k.id, name: k.name, createdAt: k.created_at.toISOString(), revokedAt: k.revoked_at?.toISOString() ?? null }));
    },
    async revoke(id: string) {
      if (!(await keys.revoke(id))) throw new OperatorError(`No active admin key with id ${id}.`, 'not_found');
    },
    /** Partner credentials (JWTs, CPN keys) never have this shape, so they never pass. */
    async authenticate(presented: string): Promise<{ adminKeyId: string }> {
      const match = ADMIN_KEY.exec(presented);
      const key = match ? await keys.findActive(match[1]!) : undefined;
      if (!match || !key || !secretMatches(deps.secretHashingKey, match[2]!, key.secret_hash)) throw new AppError('authentication_failed');
      return { adminKeyId: key.id };
    },
  };
}

export type AdminKeyService = ReturnType<typeof createAdminKeyService>;
