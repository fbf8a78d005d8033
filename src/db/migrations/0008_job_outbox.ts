/**
 * Jobs are written here inside the transaction of the data they concern and
 * handed to graphile-worker in batches right after commit. graphile-worker's
 * own add_job issues NOTIFY, and PostgreSQL lets only one notifying
 * transaction commit at a time: enqueuing through it serialised every
 * ticket-creating commit.
 */
export const sql = /* sql */ `
CREATE TABLE job_outbox (
  id bigserial PRIMARY KEY,
  task text NOT NULL,
  payload json NOT NULL,
  -- graphile-worker job_key (mode 'replace'): the newest row for a key wins.
  job_key text,
  run_at timestamptz,
  max_attempts integer,
  created_at timestamptz NOT NULL DEFAULT now()
);
`;
