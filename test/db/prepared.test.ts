import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { preparingPool } from '../../src/db/prepared.js';
import { createTestDatabase } from '../support/database.js';

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let outsider: pg.Client;

before(async () => {
  database = await createTestDatabase();
  outsider = new pg.Client({ connectionString: database.url });
  await outsider.connect();
  // One connection, so every query of a test sees the statements the others prepared.
  pool = new pg.Pool({ connectionString: database.url, max: 1 });
});
after(async () => {
  await pool.end().catch(() => undefined);
  await outsider.end();
  await database.drop();
});

// Kysely over the preparing pool, without ending the shared pool on destroy.
const kysely = (maxStatements?: number) => new Kysely<any>({ dialect: new PostgresDialect({ pool: preparingPool({ connect: () => pool.connect(), end: async () => {} } as unknown as pg.Pool, maxStatements) }) });
const prepared = async (db: Kysely<any>) =>
  (await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(db)).rows.map((r) => r.statement);

test('queries run as prepared statements, planned once per connection; transaction control and multi-statement text are not prepared', async () => {
  const db = kysely();
  await sql`CREATE TABLE plain (id int PRIMARY KEY, label text)`.execute(db);
  await db.insertInto('plain').values({ id: 1, label: 'one' }).execute();
  for (let i = 0; i < 3; i += 1) assert.equal((await db.selectFrom('plain').selectAll().where('id', '=', 1).executeTakeFirst())?.label, 'one');
  await db.transaction().execute((trx) => trx.updateTable('plain').set({ label: 'uno' }).where('id', '=', 1).execute());
  const statements = await prepared(db);
  assert.equal(statements.filter((s) => s.startsWith('select * from "plain"')).length, 1, 'the select is prepared once');
  assert.ok(statements.some((s) => s.startsWith('update "plain"')));
  assert.ok(statements.every((s) => !/^(begin|commit|create)/i.test(s)), `not prepared: ${statements.join(' | ')}`);
});

test('at most maxStatements distinct statements are prepared; the rest still run', async () => {
  const db = kysely(2);
  await sql`DEALLOCATE ALL`.execute(db);
  const values = [];
  for (let n = 1; n <= 4; n += 1) values.push((await sql<{ n: number }>`SELECT ${sql.lit(n)}::int AS n`.execute(db)).rows[0]!.n);
  assert.deepEqual(values, [1, 2, 3, 4]);
  const statements = await prepared(db);
  assert.deepEqual(statements.filter((s) => /^SELECT \d::int/.test(s)).length, 2);
});

test('a statement whose result columns a migration changed is prepared again: retried at once outside a transaction, by the next transaction inside one', async () => {
  const db = kysely();
  await outsider.query('CREATE TABLE evolving (id int PRIMARY KEY)');
  await outsider.query('INSERT INTO evolving VALUES (1)');
  const read = (on: Kysely<any>) => on.selectFrom('evolving').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  assert.deepEqual(await read(db), { id: 1 });

  // Another process migrates while this one runs.
  await outsider.query("ALTER TABLE evolving ADD COLUMN note text NOT NULL DEFAULT 'added'");
  assert.deepEqual(await read(db), { id: 1, note: 'added' });

  await outsider.query('ALTER TABLE evolving ADD COLUMN more int NOT NULL DEFAULT 2');
  await assert.rejects(db.transaction().execute((trx) => read(trx)), /cached plan must not change result type/);
  assert.deepEqual(await db.transaction().execute((trx) => read(trx)), { id: 1, note: 'added', more: 2 });
});
