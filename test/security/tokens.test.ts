import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createTokenService } from '../../src/security/tokens.js';

const claims = { clientId: 'dgc_client', accountId: '7f1c1d56-4e8f-4c43-9d1e-0e6b3c0f9a11' };

function clockAt(ms: number) {
  const clock = { ms, now: () => clock.ms };
  return clock;
}

test('a token verifies until it expires, also once it has been verified before (remembered)', async () => {
  const clock = clockAt(Date.parse('2026-11-22T10:00:00Z'));
  const tokens = createTokenService(randomBytes(32), 60, clock.now);
  const { token, expiresIn } = await tokens.issue(claims);
  assert.equal(expiresIn, 60);
  assert.deepEqual(await tokens.verify(token), claims);
  clock.ms += 59_999;
  assert.deepEqual(await tokens.verify(token), claims);
  clock.ms += 1;
  assert.equal(await tokens.verify(token), null, 'expired, though verified before');
  assert.equal(await tokens.verify(token), null);
});

test('a token first presented after its expiry is refused', async () => {
  const clock = clockAt(Date.parse('2026-11-22T10:00:00Z'));
  const tokens = createTokenService(randomBytes(32), 60, clock.now);
  const { token } = await tokens.issue(claims);
  clock.ms += 61_000;
  assert.equal(await tokens.verify(token), null);
});

test('a remembered token does not vouch for a tampered copy or one signed with another key', async () => {
  const key = randomBytes(32);
  const tokens = createTokenService(key, 600);
  const { token } = await tokens.issue(claims);
  assert.deepEqual(await tokens.verify(token), claims);

  const [header, payload, signature] = token.split('.') as [string, string, string];
  const otherAccount = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), acct: 'someone-else' })).toString('base64url');
  assert.equal(await tokens.verify(`${header}.${otherAccount}.${signature}`), null);
  const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
  assert.equal(await tokens.verify(`${header}.${payload}.${flipped}`), null);

  const forged = await createTokenService(randomBytes(32), 600).issue(claims);
  assert.equal(await tokens.verify(forged.token), null);
  assert.equal(await tokens.verify('not-a-jwt'), null);
});
