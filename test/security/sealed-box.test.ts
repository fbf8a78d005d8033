import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { openSecret, sealSecret, SealedBoxError } from '../../src/security/sealed-box.js';

const key = randomBytes(32);
const privateKeyPem = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n';

/** Replaces part `index` of a sealed string (0 = version, 1 = iv, 2 = tag, 3 = ciphertext). */
function withPart(sealed: string, index: number, replace: (part: string) => string): string {
  const parts = sealed.split('.');
  parts[index] = replace(parts[index] ?? '');
  return parts.join('.');
}

function flipFirstByte(part: string): string {
  const bytes = Buffer.from(part, 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 0x01;
  return bytes.toString('base64url');
}

test('sealSecret/openSecret round-trip text, including empty and non-ASCII', () => {
  for (const plaintext of [privateKeyPem, 'whsec_abc', '', 'contraseña ✓ 秘密']) {
    assert.equal(openSecret(sealSecret(plaintext, key), key), plaintext);
  }
});

test('sealed form is v1.<iv>.<tag>.<ciphertext> in base64url, with a fresh IV each time', () => {
  const sealed = sealSecret('whsec_abc', key);
  assert.match(sealed, /^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]+$/);
  assert.ok(!sealed.includes('whsec_abc'));
  assert.notEqual(sealSecret('whsec_abc', key), sealed);
});

test('opening with another key fails with a clear error', () => {
  const sealed = sealSecret('whsec_abc', key);
  assert.throws(() => openSecret(sealed, randomBytes(32)), (err: unknown) => err instanceof SealedBoxError && /tampered with or sealed under another key/.test(err.message));
});

test('any tampering with iv, tag or ciphertext is detected', () => {
  const sealed = sealSecret('whsec_abc', key);
  for (const index of [1, 2, 3]) {
    assert.throws(() => openSecret(withPart(sealed, index, flipFirstByte), key), SealedBoxError, `part ${index}`);
  }
});

test('malformed sealed strings are rejected before decryption', () => {
  const sealed = sealSecret('whsec_abc', key);
  assert.throws(() => openSecret(withPart(sealed, 0, () => 'v2'), key), /format/);
  assert.throws(() => openSecret(sealed.split('.').slice(0, 3).join('.'), key), /format/);
  assert.throws(() => openSecret('whsec_abc', key), /format/);
  assert.throws(() => openSecret(withPart(sealed, 2, (tag) => tag.slice(0, 8)), key), /authentication tag/);
  assert.throws(() => openSecret(withPart(sealed, 3, (ct) => `${ct}+`), key), /base64url/);
});

test('keys must be exactly 32 bytes', () => {
  assert.throws(() => sealSecret('x', randomBytes(16)), /32 bytes/);
  assert.throws(() => openSecret(sealSecret('x', key), Buffer.alloc(0)), /32 bytes/);
});
