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
