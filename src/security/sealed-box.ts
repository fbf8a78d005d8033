import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Authenticated encryption for secrets kept at rest (webhook signing secrets,
 * Circle private keys): AES-256-GCM, sealed as `v1.<iv>.<tag>.<ciphertext>`
 * (each part base64url). The version prefix lets the format change later
 * without guessing what an old value is.
 */

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]*$/;
// Binding the version as associated data stops a v1 ciphertext from being reinterpreted under a future format.
const ASSOCIATED_DATA = Buffer.from(`deskgate-sealed-box:${VERSION}`);

export class SealedBoxError extends Error {
  override readonly name = 'SealedBoxError';
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new SealedBoxError(`sealing key must be ${KEY_BYTES} bytes, got ${key.length}`);
}

export function sealSecret(plaintext: string, key: Buffer): string {
  assertKey(key);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(ASSOCIATED_DATA);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const encoded = [iv, cipher.getAuthTag(), ciphertext].map((part) => part.toString('base64url'));
  return [VERSION, ...encoded].join('.');
}

export function openSecret(sealed: string, key: Buffer): string {
  assertKey(key);
  const parts = sealed.split('.');
  const [version, ivText, tagText, ciphertextText] = parts;
  if (parts.length !== 4 || version !== VERSION || ivText === undefined || tagText === undefined || ciphertextText === undefined) {
    throw new SealedBoxError(`sealed secret is not in the ${VERSION}.<iv>.<tag>.<ciphertext> format`);
  }
  if (![ivText, tagText, ciphertextText].every((part) => BASE64URL.test(part))) {
    throw new SealedBoxError('sealed secret contains characters outside base64url');
  }
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  // A short tag would be accepted by GCM and weaken authentication; insist on the full length.
  if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
    throw new SealedBoxError('sealed secret has a malformed IV or authentication tag');
  }
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(ASSOCIATED_DATA);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SealedBoxError('sealed secret failed authentication: it was tampered with or sealed under another key');
  }
}
