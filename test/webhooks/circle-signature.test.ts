import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import { generateCircleSigningKey, signCircleDelivery } from '../../src/webhooks/circle-signature.js';
import { verifyCircleWebhook } from '../../docs/examples/verify-circle-webhook.js';

const body = JSON.stringify({
  subscriptionId: '8a1c3c7e-0000-4000-8000-000000000001',
  notificationId: '8a1c3c7e-0000-4000-8000-000000000002',
  notificationType: 'cpn.supportTicket.created',
  notification: { id: 't-1', status: 'CREATED', description: 'Pago no recibido — ¿estado?' },
  timestamp: '2025-01-02T03:04:05.678Z',
  version: 2,
});

test('generateCircleSigningKey: uuid v4 key id, P-256 SPKI DER public key, PKCS#8 PEM private key', () => {
  const key = generateCircleSigningKey();
  assert.match(key.keyId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const publicKey = createPublicKey({ key: Buffer.from(key.publicKeyDerBase64, 'base64'), format: 'der', type: 'spki' });
  assert.equal(publicKey.asymmetricKeyType, 'ec');
  assert.equal(publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.match(key.privateKeyPem, /^-----BEGIN PRIVATE KEY-----\n/);
  assert.notEqual(generateCircleSigningKey().keyId, key.keyId);
});

test('signCircleDelivery: a DER ECDSA signature that the partner snippet verifies, plus the key id', () => {
  const key = generateCircleSigningKey();
  const headers = signCircleDelivery(key.privateKeyPem, key.keyId, body);
  assert.equal(headers['X-Circle-Key-Id'], key.keyId);
  const signature = headers['X-Circle-Signature'] ?? '';
  assert.equal(Buffer.from(signature, 'base64')[0], 0x30, 'DER SEQUENCE, not raw r||s');
  assert.equal(verifyCircleWebhook(body, signature, key.publicKeyDerBase64), true);
  assert.equal(verifyCircleWebhook(Buffer.from(body), signature, key.publicKeyDerBase64), true);
});

test('a tampered body, another key or a garbage signature fails verification', () => {
  const key = generateCircleSigningKey();
  const signature = signCircleDelivery(key.privateKeyPem, key.keyId, body)['X-Circle-Signature'] ?? '';
  assert.equal(verifyCircleWebhook(body.replace('t-1', 't-2'), signature, key.publicKeyDerBase64), false);
  assert.equal(verifyCircleWebhook(body, signature, generateCircleSigningKey().publicKeyDerBase64), false);
  assert.equal(verifyCircleWebhook(body, Buffer.from('not a signature').toString('base64'), key.publicKeyDerBase64), false);
});
