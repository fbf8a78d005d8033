import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { generateSecret, hashSecret, rememberingSecretMatcher } from '../../src/security/secret-hash.js';

test('a remembered match never lets another secret through, and a row loaded again is checked against its own hash', () => {
  const key = randomBytes(32);
  const matches = rememberingSecretMatcher(key);
  const secret = generateSecret();
  const row = { secret_hash: hashSecret(key, secret) };
  assert.equal(matches(secret, row), true);
  assert.equal(matches(secret, row), true, 'remembered');
  const sameLength = generateSecret();
  assert.equal(matches(sameLength, row), false);
  assert.equal(matches(`${secret}x`, row), false);
  assert.equal(matches('', row), false);
  assert.equal(matches(secret, row), true, 'a refused attempt does not forget the right secret');

  // The key was rotated: the reloaded row is a new object with a new hash.
  const rotated = generateSecret();
  const reloaded = { secret_hash: hashSecret(key, rotated) };
  assert.equal(matches(secret, reloaded), false);
  assert.equal(matches(rotated, reloaded), true);
  assert.equal(rememberingSecretMatcher(randomBytes(32))(secret, row), false, 'another hashing key');
});
