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
  const [newestSecret] = input.secrets;
  if (newestSecret === undefined) throw new Error('signRipioDelivery needs at least one secret');

  // Ripio's header has room for one signature only, so it always uses the newest secret; the key is the
  // secret string itself (UTF-8), which is what partners paste into their HMAC call.
  const hmacHex = createHmac('sha256', Buffer.from(newestSecret, 'utf8')).update(input.body, 'utf8').digest('hex');
  // Standard Webhooks allows one signature per active secret, which is what makes rotation seamless.
  const standardSignatures = input.secrets.map((secret) => new Webhook(secret).sign(input.messageId, input.timestamp, input.body));

  return {
    'X-Wh-Signature-256': `sha256=${hmacHex}`,
    'webhook-id': input.messageId,
    'webhook-timestamp': String(Math.floor(input.timestamp.getTime() / 1000)),
    'webhook-signature': standardSignatures.join(' '),
  };
}
