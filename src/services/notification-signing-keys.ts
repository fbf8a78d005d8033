import type { Kysely } from 'kysely';
import { notificationSigningKeyQueries } from '../db/queries/notification-signing-keys.js';
import type { Database, NotificationSigningKey } from '../db/schema.js';
import { AppError } from '../domain/errors.js';
import { isUuid } from '../domain/tickets.js';
import { openSecret, sealSecret } from '../security/sealed-box.js';
import { generateCircleSigningKey, signCircleDelivery } from '../webhooks/circle-signature.js';

/**
 * The ECDSA keys CPN notifications are signed with. They live in the database
 * (private halves sealed), so every process sharing it signs with the same
 * key, and a rotation by any process applies to all from their next attempt.
 */
export function createNotificationSigningKeyService(deps: { db: Kysely<Database>; sealingKey: Buffer; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  const keys = notificationSigningKeyQueries(deps.db);
  // Opened private keys by key id: a key never changes once created, so this cannot go stale.
  const privateKeys = new Map<string, string>();

  function sealedNewKey() {
    const generated = generateCircleSigningKey();
    return { id: generated.keyId, public_key_der_b64: generated.publicKeyDerBase64, private_key_sealed: sealSecret(generated.privateKeyPem, deps.sealingKey) };
  }

  /** The active key, created on first use. */
  async function active(): Promise<NotificationSigningKey> {
    const existing = await keys.active();
    if (existing) return existing;
    await keys.insertActiveUnlessPresent(sealedNewKey());
    const created = await keys.active();
    if (!created) throw new Error('no active notification signing key after creating one');
    return created;
  }

  function privateKeyOf(key: NotificationSigningKey): string {
    let pem = privateKeys.get(key.id);
    if (pem === undefined) {
      pem = openSecret(key.private_key_sealed, deps.sealingKey);
      privateKeys.set(key.id, pem);
    }
    return pem;
  }

  return {
    active,
    /** `X-Circle-Signature` and `X-Circle-Key-Id` for this body, by the key active now. */
    async sign(body: string): Promise<Record<string, string>> {
      const key = await active();
      return signCircleDelivery(privateKeyOf(key), key.id, body);
    },
    /** Any key ever used, retired ones included: notifications signed before a rotation still verify. */
    async get(id: string): Promise<NotificationSigningKey> {
      const key = isUuid(id) ? await keys.find(id) : undefined;
      if (!key) throw new AppError('not_found', 'Public key not found.');
      return key;
    },
    /** Operator: a new key signs from now on; the old one is retired but stays published. */
    rotate(): Promise<NotificationSigningKey> {
      return deps.db.transaction().execute(async (trx) => {
        const inTransaction = notificationSigningKeyQueries(trx);
        await inTransaction.retireActive(now());
        return inTransaction.insertActive(sealedNewKey());
      });
    },
  };
}

export type NotificationSigningKeyService = ReturnType<typeof createNotificationSigningKeyService>;
