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

export function createTokenService(key: Buffer, ttlSeconds: number): TokenService {
  // Imported once: handing jose the raw bytes makes it import a WebCrypto key on every sign and verify,
  // which was most of the cost of verifying a bearer token (see docs/benchmarks.md).
  let cryptoKey: Promise<webcrypto.CryptoKey> | null = null;
  const signingKey = () => (cryptoKey ??= webcrypto.subtle.importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']));
  return {
    async issue({ clientId, accountId }) {
      const token = await new SignJWT({ acct: accountId })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(clientId)
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setJti(randomUUID())
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(await signingKey());
      return { token, expiresIn: ttlSeconds };
    },
    async verify(token) {
      try {
        const { payload } = await jwtVerify(token, await signingKey(), { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
        if (typeof payload.sub !== 'string' || typeof payload.acct !== 'string') return null;
        return { clientId: payload.sub, accountId: payload.acct };
      } catch (error) {
        if (error instanceof errors.JOSEError || error instanceof TypeError) return null;
        throw error;
      }
    },
  };
}
