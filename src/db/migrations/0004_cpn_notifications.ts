/** Circle CPN notifications: subscriptions are webhook endpoints of the 'cpn' dialect, signed with the service's ECDSA keys. */
export const sql = /* sql */ `
-- Circle's Subscription has a name; Ripio endpoints keep ''.
ALTER TABLE webhook_endpoints ADD COLUMN name text NOT NULL DEFAULT '';

-- The keys CPN notifications are signed with, shared by every process on this
-- database. The private key is sealed with the master key's sealing key. A
-- rotation retires the active key (its public half stays published, so
-- notifications signed with it still verify) and adds a new one.
CREATE TABLE notification_signing_keys (
  id uuid PRIMARY KEY,
  algorithm text NOT NULL CHECK (algorithm = 'ECDSA_SHA_256'),
  public_key_der_b64 text NOT NULL,
  private_key_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);
-- At most one active key: two processes creating the first key at once cannot both win.
CREATE UNIQUE INDEX notification_signing_keys_one_active ON notification_signing_keys ((retired_at IS NULL)) WHERE retired_at IS NULL;
`;
