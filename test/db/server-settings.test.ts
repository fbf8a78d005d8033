import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import pino from 'pino';
import { warnAboutServerSettings } from '../../src/db/server-settings.js';
import { createTestDatabase } from '../support/database.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
before(async () => {
  database = await createTestDatabase();
  pool = new pg.Pool({ connectionString: database.url, max: 1 });
});
after(async () => {
  await pool.end();
  await database.drop();
});

// The suite runs on two servers: the machine's (autovacuum off here) and an embedded one (PostgreSQL's default, on).
test('a server without autovacuum is warned about, naming the job tables; one with it is not', async () => {
  const { rows } = await pool.query<{ autovacuum: string }>('SHOW autovacuum');
  const logged: string[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line).msg) });
  const warnings = await warnAboutServerSettings(pool, log);
  if (rows[0]!.autovacuum === 'on') {
    assert.deepEqual(warnings, []);
  } else {
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /autovacuum is off.*job_outbox and graphile_worker\._private_jobs/);
  }
  assert.deepEqual(logged, warnings);
});
