/** Operator keys for the admin HTTP API, separate from every partner credential. */
export const sql = /* sql */ `
-- Keys are dga_<ID>_<SECRET>; only a keyed hash of SECRET is stored.
CREATE TABLE admin_keys (
  id text PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  secret_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
`;
