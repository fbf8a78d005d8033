import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** 32 random bytes, URL-safe: high entropy, so a fast keyed hash is enough (no KDF). */
export function generateSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Random identifier with a readable prefix, e.g. `dgc_…` for OAuth client ids. */
export function generateId(prefix: string, bytes = 12): string {
  return `${prefix}${randomBytes(bytes).toString('hex')}`;
}

export function hashSecret(key: Buffer, secret: string): Buffer {
  return createHmac('sha256', key).update(secret, 'utf8').digest();
}

/** Constant-time check of a presented secret against its stored keyed hash. */
export function secretMatches(key: Buffer, presented: string, storedHash: Buffer): boolean {
  const candidate = hashSecret(key, presented);
  return candidate.length === storedHash.length && timingSafeEqual(candidate, storedHash);
}

/**
 * `secretMatches` that remembers, per stored row object, the secret last found
 * to match it: a credential cached in memory is checked with a constant-time
 * comparison instead of an HMAC per request. A row loaded again (the cache was
 * emptied or bypassed) is a new object and is checked afresh.
 */
export function rememberingSecretMatcher(key: Buffer): (presented: string, row: { secret_hash: Buffer }) => boolean {
  const matched = new WeakMap<object, Buffer>();
  return (presented, row) => {
    const candidate = Buffer.from(presented, 'utf8');
    const known = matched.get(row);
    if (known && known.length === candidate.length && timingSafeEqual(known, candidate)) return true;
    if (!secretMatches(key, presented, row.secret_hash)) return false;
    matched.set(row, candidate);
    return true;
  };
}
