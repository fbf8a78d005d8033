/** Webhook endpoints (both dialects), the events of the outbox, one delivery per (event, endpoint), every attempt. */
export const sql = /* sql */ `
-- A partner's receiving URL. Ripio endpoints sign with their own secret (sealed
-- at rest); during a rotation the previous secret keeps signing until it expires.
-- CPN subscriptions sign with the service's ECDSA key and carry no secret.
CREATE TABLE webhook_endpoints (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id),
  dialect text NOT NULL CHECK (dialect IN ('ripio', 'cpn')),
  url text NOT NULL,
  event_types text[] NOT NULL,
  enabled boolean NOT NULL DEFAULT true,
  disabled_reason text,
  sealed_secret text,
  sealed_previous_secret text,
  previous_secret_expires_at timestamptz,
  -- First failed attempt since the last success: the endpoint is disabled once this is old enough.
  failing_since timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (dialect <> 'ripio' OR sealed_secret IS NOT NULL),
  CHECK ((sealed_previous_secret IS NULL) = (previous_secret_expires_at IS NULL))
);
CREATE INDEX webhook_endpoints_account ON webhook_endpoints (account_id, created_at, id);

-- The outbox: written in the transaction that settles a ticket (or by a test send).
CREATE TABLE webhook_events (
  id uuid PRIMARY KEY,
  account_id uuid NOT NULL REFERENCES accounts (id),
  kind text NOT NULL CHECK (kind IN ('ticket.created', 'ticket.failed', 'test')),
  ticket_id uuid REFERENCES tickets (id),
  occurred_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_created ON webhook_events (created_at);

-- One event at one endpoint. The body is built once, so every retry and replay
-- sends the same bytes under the same message id.
CREATE TABLE webhook_deliveries (
  id uuid PRIMARY KEY,
  event_id uuid NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
  endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  account_id uuid NOT NULL REFERENCES accounts (id),
  event_type text NOT NULL,
  message_id text NOT NULL,
  body text NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  -- Attempts since the delivery was (re)scheduled: the position in the retry schedule.
  schedule_step integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz,
  last_attempt_at timestamptz,
  delivered_at timestamptz,
  failure_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at DESC, id DESC);
CREATE INDEX webhook_deliveries_created ON webhook_deliveries (created_at);

CREATE TABLE webhook_attempts (
  delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
  number integer NOT NULL,
  attempted_at timestamptz NOT NULL,
  status_code integer,
  latency_ms integer NOT NULL,
  response_excerpt text NOT NULL,
  error text,
  PRIMARY KEY (delivery_id, number)
);
`;
