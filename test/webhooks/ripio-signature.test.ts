import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { generateWebhookSecret, signRipioDelivery } from '../../src/webhooks/ripio-signature.js';
import { verifyRipioWebhook } from '../../docs/examples/verify-ripio-webhook.js';

const body = JSON.stringify({
  eventType: 'SUPPORT_TICKET.CREATED',
  issueDatetime: '2025-01-02T03:04:05.678Z',
  supportTicket: { ticketId: 't-1', status: 'CREATED', issueKey: 'SUP-1', summary: 'Cobro duplicado — ñandú' },
});

/** Headers as a Node receiver sees them: names lower-cased. */
function asReceived(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

test('generateWebhookSecret: whsec_ + base64 of 32 random bytes, different every time', () => {
  const secret = generateWebhookSecret();
  assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  assert.equal(Buffer.from(secret.slice('whsec_'.length), 'base64').length, 32);
  assert.notEqual(generateWebhookSecret(), secret);
});

test('signRipioDelivery: X-Wh-Signature-256 is the hex HMAC of the raw body keyed with the secret string', () => {
  const secret = generateWebhookSecret();
  const headers = signRipioDelivery({ secrets: [secret], messageId: 'msg_1', timestamp: new Date(), body });
  const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex');
  assert.equal(headers['X-Wh-Signature-256'], `sha256=${expected}`);
});

test('signRipioDelivery: Standard Webhooks headers verify with the standardwebhooks library', () => {
  const secret = generateWebhookSecret();
  const timestamp = new Date('2025-06-01T12:00:00.999Z');
  const headers = signRipioDelivery({ secrets: [secret], messageId: 'msg_2', timestamp, body });
  assert.equal(headers['webhook-id'], 'msg_2');
  assert.equal(headers['webhook-timestamp'], String(Math.floor(timestamp.getTime() / 1000)));
  assert.match(headers['webhook-signature'] ?? '', /^v1,[A-Za-z0-9+/]+=*$/);

  const now = signRipioDelivery({ secrets: [secret], messageId: 'msg_2', timestamp: new Date(), body });
  assert.deepEqual(new Webhook(secret).verify(body, now), JSON.parse(body));
});

test('the partner snippet accepts a genuine delivery, with headers in any letter case', () => {
  const secret = generateWebhookSecret();
  const headers = signRipioDelivery({ secrets: [secret], messageId: 'msg_3', timestamp: new Date(), body });
  assert.equal(verifyRipioWebhook(body, asReceived(headers), secret), true);
  assert.equal(verifyRipioWebhook(Buffer.from(body), headers, secret), true);
});

test('a tampered body, a wrong secret or a missing header fails verification', () => {
  const secret = generateWebhookSecret();
  const headers = signRipioDelivery({ secrets: [secret], messageId: 'msg_4', timestamp: new Date(), body });
  const tampered = body.replace('SUP-1', 'SUP-2');

  assert.equal(verifyRipioWebhook(tampered, asReceived(headers), secret), false);
  assert.throws(() => new Webhook(secret).verify(tampered, headers), /No matching signature/);
  assert.equal(verifyRipioWebhook(body, asReceived(headers), generateWebhookSecret()), false);
  for (const missing of ['x-wh-signature-256', 'webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const { [missing]: _dropped, ...rest } = asReceived(headers);
    assert.equal(verifyRipioWebhook(body, rest, secret), false, `without ${missing}`);
  }
});

test('the partner snippet rejects a replay outside the 5 minute tolerance even though the HMAC matches', () => {
  const secret = generateWebhookSecret();
  const tenMinutesAgo = new Date(Date.now() - 10 * 60 * 1000);
  const headers = signRipioDelivery({ secrets: [secret], messageId: 'msg_5', timestamp: tenMinutesAgo, body });
  assert.equal(verifyRipioWebhook(body, asReceived(headers), secret), false);

  const fourMinutesAgo = new Date(Date.now() - 4 * 60 * 1000);
  const recent = signRipioDelivery({ secrets: [secret], messageId: 'msg_5', timestamp: fourMinutesAgo, body });
  assert.equal(verifyRipioWebhook(body, asReceived(recent), secret), true);
});

test('rotation: both signature headers carry one signature per active secret and both verify', () => {
  const newSecret = generateWebhookSecret();
  const oldSecret = generateWebhookSecret();
  const headers = signRipioDelivery({ secrets: [newSecret, oldSecret], messageId: 'msg_6', timestamp: new Date(), body });

  assert.equal(headers['webhook-signature']?.split(' ').length, 2);
  assert.doesNotThrow(() => new Webhook(newSecret).verify(body, headers));
  assert.doesNotThrow(() => new Webhook(oldSecret).verify(body, headers));
  assert.throws(() => new Webhook(generateWebhookSecret()).verify(body, headers), /No matching signature/);

  // X-Wh-Signature-256 lists one signature per active secret too, newest first, and the snippet accepts either.
  const hmac = (secret: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  assert.equal(headers['X-Wh-Signature-256'], `${hmac(newSecret)},${hmac(oldSecret)}`);
  assert.equal(verifyRipioWebhook(body, asReceived(headers), newSecret), true);
  assert.equal(verifyRipioWebhook(body, asReceived(headers), oldSecret), true);
  assert.equal(verifyRipioWebhook(body, asReceived(headers), generateWebhookSecret()), false);
});

test('signRipioDelivery refuses to sign without a secret', () => {
  assert.throws(() => signRipioDelivery({ secrets: [], messageId: 'm', timestamp: new Date(), body }), /at least one secret/);
});
