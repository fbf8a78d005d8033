// Verify a deskgate (Circle CPN-format) notification. Node 20+, no dependencies.
//
// Pass the raw request body exactly as received (before any JSON parsing), the
// X-Circle-Signature header, and the public key for the X-Circle-Key-Id header,
// fetched once from GET /v2/cpn/notifications/publicKey/{keyId} (`data.publicKey`)
// and cached by key id.
import { createPublicKey, verify } from 'node:crypto';

export function verifyCircleWebhook(rawBody: string | Buffer, signatureB64: string, publicKeyDerB64: string): boolean {
  // ECDSA P-256 public key, base64 of its SPKI DER encoding.
  const publicKey = createPublicKey({ key: Buffer.from(publicKeyDerB64, 'base64'), format: 'der', type: 'spki' });
  try {
    // The signature is DER-encoded ECDSA over SHA-256 of the raw body.
    return verify('sha256', Buffer.from(rawBody), publicKey, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false; // a malformed signature is simply not a valid one
  }
}
