import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';

/**
 * Signing of Circle-dialect notifications (SPEC §3): ECDSA P-256 / SHA-256 over
 * the raw body, published as `X-Circle-Signature` (base64 DER) with the
 * `X-Circle-Key-Id` under which partners fetch the public key.
 */

export interface CircleSigningKey {
  keyId: string;
  /** SPKI DER, base64: what `GET /v2/cpn/notifications/publicKey/{keyId}` serves. */
  publicKeyDerBase64: string;
  /** PKCS#8 PEM; seal it before storing. */
  privateKeyPem: string;
}

export function generateCircleSigningKey(): CircleSigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ec', {
    namedCurve: 'prime256v1',
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { keyId: randomUUID(), publicKeyDerBase64: publicKey.toString('base64'), privateKeyPem: privateKey };
}

export function signCircleDelivery(privateKeyPem: string, keyId: string, body: string): Record<string, string> {
  // dsaEncoding 'der' is Node's default for EC keys; stated because Circle's verifiers expect DER, not raw r||s.
  const signature = sign('sha256', Buffer.from(body, 'utf8'), { key: privateKeyPem, dsaEncoding: 'der' });
  return { 'X-Circle-Signature': signature.toString('base64'), 'X-Circle-Key-Id': keyId };
}
