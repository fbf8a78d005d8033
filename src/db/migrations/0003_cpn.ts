/** Circle CPN dialect: API keys, the payments tickets refer to, and per-payment ticket lookups. */
export const sql = /* sql */ `
-- Keys are PREFIX:ID:SECRET; the ID is the primary key (one indexed lookup per
-- request) and only a keyed hash of the SECRET is stored.
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id),
  environment text NOT NULL CHECK (environment IN ('TEST', 'LIVE')),
  name text NOT NULL DEFAULT '',
  secret_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX api_keys_account ON api_keys (account_id);

-- Payments as the operator registers them; keyed per account so one account's
-- import can never touch (or reveal) another's payment with the same id.
CREATE TABLE payments (
  account_id uuid NOT NULL REFERENCES accounts (id),
  id uuid NOT NULL,
  status text,
  amount numeric,
  currency text,
  create_date timestamptz,
  imported_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, id)
);

CREATE INDEX tickets_account_payment ON tickets (account_id, payment_id, created_at DESC, id DESC) WHERE payment_id IS NOT NULL;
`;
