import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';

export function rateLimitQueries(db: Kysely<Database>) {
  return {
    /**
     * Counts one hit in the bucket's current one-minute window (on the
     * database's clock, so every process agrees) and returns the count so far
     * and the seconds until the window ends.
     */
    async hit(bucket: string): Promise<{ hits: number; secondsLeft: number }> {
      const { rows } = await sql<{ hits: number; seconds_left: number }>`
        INSERT INTO rate_limit_counters AS c (bucket, window_start, hits)
        VALUES (${bucket}, date_trunc('minute', now()), 1)
        ON CONFLICT (bucket) DO UPDATE SET
          hits = CASE WHEN c.window_start = EXCLUDED.window_start THEN c.hits + 1 ELSE 1 END,
          window_start = EXCLUDED.window_start
        RETURNING hits, ceil(extract(epoch FROM (window_start + interval '1 minute' - now())))::integer AS seconds_left`.execute(db);
      const row = rows[0]!;
      return { hits: row.hits, secondsLeft: Math.max(1, row.seconds_left) };
    },
    /** Buckets idle since before the previous window hold nothing worth keeping. */
    async deleteStale(): Promise<void> {
      await sql`DELETE FROM rate_limit_counters WHERE window_start < date_trunc('minute', now()) - interval '1 minute'`.execute(db);
    },
  };
}
