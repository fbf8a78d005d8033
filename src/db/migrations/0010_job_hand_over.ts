/**
 * The outbox hand-over (see db/queries/jobs.ts) as a function: called as a
 * prepared statement, its statements are planned once per connection rather
 * than on every hand-over (a multi-statement query cannot be prepared), and
 * it still runs as one transaction in one round trip.
 *
 * Dispatchers take turns (an advisory lock), so two enqueues of one job key
 * reach graphile-worker in the order they were written and the newer one
 * wins. The function is VOLATILE: under READ COMMITTED the DELETE takes its
 * snapshot after the lock is granted and sees every row committed by then.
 *
 * Plain rows (no key, run_at or max_attempts) of a task named in
 * `batch_sizes` ({"task": size}) become graphile-worker batch jobs of up to
 * that many entries, whose payload is the array of their payloads in outbox
 * order. Returns how many outbox rows were moved.
 */
export const sql = /* sql */ `
CREATE FUNCTION deskgate_hand_over_jobs(max_rows integer, batch_sizes json) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  moved integer;
  added integer;
BEGIN
  PERFORM pg_advisory_xact_lock(7482331902);
  WITH batch AS (
    DELETE FROM job_outbox
    WHERE id IN (SELECT id FROM job_outbox ORDER BY id LIMIT max_rows)
    RETURNING *
  ), newest AS (
    -- add_jobs may not touch one job key twice in a batch: keep each key's newest row.
    SELECT DISTINCT ON (coalesce(job_key, 'id:' || id)) *
    FROM batch
    ORDER BY coalesce(job_key, 'id:' || id), id DESC
  ), sized AS (
    SELECT newest.*, s.size AS batch_size
    FROM newest
         LEFT JOIN (SELECT key AS task, value::integer AS size FROM json_each_text(batch_sizes)) AS s
           ON s.task = newest.task AND s.size > 1 AND newest.job_key IS NULL AND newest.run_at IS NULL AND newest.max_attempts IS NULL
  ), chunked AS (
    SELECT sized.*, (row_number() OVER (PARTITION BY task, batch_size ORDER BY id) - 1) / batch_size AS chunk
    FROM sized
  ), jobs AS (
    SELECT min(id) AS id, ROW(task, json_agg(payload ORDER BY id), NULL, NULL, NULL, NULL, NULL, NULL)::graphile_worker.job_spec AS spec
    FROM chunked WHERE batch_size IS NOT NULL GROUP BY task, chunk
    UNION ALL
    SELECT id, ROW(task, payload, NULL, run_at, max_attempts, job_key, NULL, NULL)::graphile_worker.job_spec
    FROM chunked WHERE batch_size IS NULL
  ), specs AS (
    SELECT array_agg(spec ORDER BY id) AS specs FROM jobs
  )
  SELECT (SELECT count(*) FROM batch), (SELECT count(*) FROM specs, graphile_worker.add_jobs(specs.specs) WHERE specs.specs IS NOT NULL)
  INTO moved, added;
  RETURN moved;
END
$$;
`;
