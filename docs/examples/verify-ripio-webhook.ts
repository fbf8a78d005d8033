// Verify a deskgate (Ripio-format) webhook. Node 20+, `npm install standardwebhooks`.
//
// Pass the raw request body exactly as received (a Buffer or string, before any
// JSON parsing), the request headers, and the endpoint's signing secret
// (`whsec_...`, shown once when the endpoint was registered).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name);
  const value = key === undefined ? undefined : headers[key];
  return Array.isArray(value) ? value[0] : value;
}

export function verifyRipioWebhook(rawBody: string | Buffer, headers: Headers, secret: string): boolean {
  // 1. X-Wh-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the secret string>.
  //    During a secret rotation it lists one value per active secret: sha256=<new>,sha256=<old>.
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`, 'utf8');
  const listed = (header(headers, 'x-wh-signature-256') ?? '').split(',').map((value) => Buffer.from(value.trim(), 'utf8'));
  // timingSafeEqual needs equal lengths; the length of a signature is not secret.
  if (!listed.some((received) => received.length === expected.length && timingSafeEqual(received, expected))) return false;

  // 2. Standard Webhooks: webhook-id, webhook-timestamp (rejected when more than
  //    5 minutes off, against replays) and webhook-signature.
  try {
    new Webhook(secret).verify(rawBody, {
      'webhook-id': header(headers, 'webhook-id') ?? '',
      'webhook-timestamp': header(headers, 'webhook-timestamp') ?? '',
      'webhook-signature': header(headers, 'webhook-signature') ?? '',
    }, { jsonParse: false });
    return true;
  } catch (err) {
    if (err instanceof WebhookVerificationError) return false;
    throw err; // e.g. a malformed secret: a configuration error, not a bad request
  }
}
