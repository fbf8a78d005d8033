/** Accounts, OAuth clients, customers, tickets, attachments, idempotency keys, builtin desk. */
export const sql = /* sql */ `
CREATE TABLE accounts (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  support_tickets_enabled boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oauth_clients (
  client_id text PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id),
  name text NOT NULL DEFAULT '',
  secret_hash bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
CREATE INDEX oauth_clients_account ON oauth_clients (account_id);

CREATE TABLE customers (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id),
  email text,
  type text NOT NULL CHECK (type IN ('INDIVIDUAL', 'BUSINESS')),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_account ON customers (account_id, created_at DESC);

CREATE TABLE tickets (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id),
  dialect text NOT NULL CHECK (dialect IN ('ripio', 'cpn')),
  customer_id uuid REFERENCES customers (id),
  payment_id uuid,
  summary text NOT NULL,
  description text NOT NULL,
  issue_type text,
  requester_email text NOT NULL,
  cc_emails text[] NOT NULL DEFAULT '{}',
  external_ref uuid NOT NULL UNIQUE,
  status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'CREATED', 'FAILED')),
  desk_reference text,
  failure_reason text,
  registration_attempts integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  registered_at timestamptz,
  CHECK ((status = 'CREATED') = (desk_reference IS NOT NULL))
);
CREATE INDEX tickets_account_recent ON tickets (account_id, created_at DESC, id DESC);
CREATE INDEX tickets_customer ON tickets (customer_id) WHERE customer_id IS NOT NULL;
CREATE INDEX tickets_pending ON tickets (created_at) WHERE status = 'PENDING';

CREATE TABLE attachments (
  id uuid PRIMARY KEY,
  ticket_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
  position integer NOT NULL,
  filename text NOT NULL,
  content_type text NOT NULL,
  size_bytes bigint NOT NULL,
  sha256 text NOT NULL,
  storage_key text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  purged_at timestamptz,
  UNIQUE (ticket_id, position)
);

-- One row per (account, operation, key). 'in_flight' rows block concurrent
-- duplicates; 'done' rows replay the stored response.
CREATE TABLE idempotency_keys (
  account_id uuid NOT NULL REFERENCES accounts (id),
  scope text NOT NULL,
  key text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_flight', 'done')),
  fingerprint text,
  response_status integer,
  response_body jsonb,
  ticket_id uuid REFERENCES tickets (id) ON DELETE SET NULL,
  locked_at timestamptz NOT NULL DEFAULT now(),
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (account_id, scope, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- The builtin help desk: one case per ticket, so a retried registration finds
-- the case it already opened.
CREATE SEQUENCE builtin_case_number;
CREATE TABLE builtin_cases (
  ticket_id uuid PRIMARY KEY REFERENCES tickets (id),
  number bigint NOT NULL UNIQUE,
  key text NOT NULL UNIQUE,
  summary text NOT NULL,
  description text NOT NULL,
  requester_email text NOT NULL,
  cc_emails text[] NOT NULL DEFAULT '{}',
  attachments jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Job workers announce themselves here; jobs locked by a worker whose
-- heartbeat stopped (process killed) are unlocked so another worker runs them.
CREATE TABLE worker_heartbeats (
  worker_id text PRIMARY KEY,
  process text NOT NULL,
  heartbeat_at timestamptz NOT NULL DEFAULT now()
);
`;
