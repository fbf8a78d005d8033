import { randomUUID, webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors } from 'jose';

const ISSUER = 'deskgate';
const AUDIENCE = 'deskgate:ripio';

export interface TokenClaims {
  clientId: string;
  accountId: string;
}

export interface TokenService {
  issue(claims: TokenClaims): Promise<{ token: string; expiresIn: number }>;
  /** Null for any bad token: forged, expired, wrong audience, malformed. */
  verify(token: string): Promise<TokenClaims | null>;
}

/** Verified tokens remembered at most (oldest forgotten first); a partner reuses one token for hours. */
const VERIFIED_TOKENS_KEPT = 10_000;

export function createTokenService(key: Buffer, ttlSeconds: number, now: () => number = Date.now): TokenService {
  // Imported once: handing jose the raw bytes makes it import a WebCrypto key on every sign and verify,
  // which was most of the cost of verifying a bearer token (see docs/benchmarks.md).
  let cryptoKey: Promise<webcrypto.CryptoKey> | null = null;
  const signingKey = () => (cryptoKey ??= webcrypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']));
  const verified = new Map<string, { claims: TokenClaims; expiresAtMs: number }>();
  return {
    async issue({ clientId, accountId }) {
      const issuedAt = Math.floor(now() / 1000);
      const token = await new SignJWT({ acct: accountId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(clientId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(issuedAt)
        .setJti(randomUUID())
        .setExpirationTime(issuedAt + ttlSeconds)
        .sign(await signingKey());
      return { token, expiresIn: ttlSeconds };
    },
    async verify(token) {
      // A token's signature and claims never change, only whether it has expired: each distinct token is
      // verified once, then only its expiry is checked (HMAC verification through WebCrypto is ~100 µs).
      const known = verified.get(token);
      if (known) {
        if (known.expiresAtMs > now()) return known.claims;
        verified.delete(token);
        return null;
      }
      try {
        const { payload } = await jwtVerify(token, await signingKey(), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], currentDate: new Date(now()) });
        if (typeof payload.sub !== 'string' || typeof payload.acct !== 'string' || typeof payload.exp !== 'number') return null;
        const claims = { clientId: payload.sub, accountId: payload.acct };
        if (verified.size >= VERIFIED_TOKENS_KEPT) verified.delete(verified.keys().next().value!);
        verified.set(token, { claims, expiresAtMs: payload.exp * 1000 });
        return claims;
      } catch (error) {
        if (error instanceof errors.JOSEError || error instanceof TypeError) return null;
        throw error;
      }
    },
  };
}
