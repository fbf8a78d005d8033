/** Request budgets shared by every deskgate process on this database. */
export const sql = /* sql */ `
-- One fixed one-minute window per bucket ("account:<id>", "token-ip:<ip>", ...):
-- a request upserts its bucket's row, restarting the count when the window moved on.
CREATE TABLE rate_limit_counters (
  bucket text PRIMARY KEY,
  window_start timestamptz NOT NULL,
  hits integer NOT NULL
);
CREATE INDEX rate_limit_counters_window ON rate_limit_counters (window_start);
`;
