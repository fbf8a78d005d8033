import { createHmac, randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/**
 * Signing of Ripio-dialect webhook deliveries (SPEC §2 "Webhook events"):
 * Ripio's `X-Wh-Signature-256` plus the Standard Webhooks headers.
 */

const SECRET_PREFIX = 'whsec_';

/** `whsec_` + base64 of 32 random bytes: the form Standard Webhooks libraries accept as-is. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

export interface RipioDeliveryToSign {
  /** Active secrets, newest first; during a rotation both the new and the old one. */
  secrets: string[];
  /** Stable across retries of the same event, so receivers can de-duplicate. */
  messageId: string;
  timestamp: Date;
  /** The exact bytes that will be sent. */
  body: string;
}

export function signRipioDelivery(input: RipioDeliveryToSign): Record<string, string> {
  if (input.secrets.length === 0) throw new Error('signRipioDelivery needs at least one secret');

  // One signature per active secret, newest first, in both headers, so a partner holding either secret during a
  // rotation verifies every delivery. Outside a rotation X-Wh-Signature-256 is Ripio's single `sha256=<hex>`;
  // during one it is `sha256=<new>,sha256=<old>`. The HMAC key is the secret string itself (UTF-8), which is what
  // partners paste into their HMAC call.
  const ripioSignatures = input.secrets.map((secret) => `sha256=${createHmac('sha256', Buffer.from(secret, 'utf8')).update(input.body, 'utf8').digest('hex')}`);
  const standardSignatures = input.secrets.map((secret) => new Webhook(secret).sign(input.messageId, input.timestamp, input.body));

  return {
    'X-Wh-Signature-256': ripioSignatures.join(','),
    'webhook-id': input.messageId,
    'webhook-timestamp': String(Math.floor(input.timestamp.getTime() / 1000)),
    'webhook-signature': standardSignatures.join(' '),
  };
}
