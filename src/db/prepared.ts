import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/** Distinct statements a process prepares; past this, queries run unprepared (a bound on every connection's memory). */
export const MAX_PREPARED_STATEMENTS = 256;

// Only plannable, single statements can be prepared; transaction control and DDL are not worth it.
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;
const TRANSACTION_START = /^\s*(begin|start transaction)\b/i;
const TRANSACTION_END = /^\s*(commit|rollback|end)\s*$/i;

/** PostgreSQL refuses a prepared statement whose result columns changed under it (a migration added a column to a `select *`). */
const isStalePlan = (error: unknown) => {
  const { code, message } = error as { code?: string; message?: string };
  return code === '0A000' && /cached plan must not change result type/.test(message ?? '');
};

/**
 * The pool as Kysely sees it, running each query as a named prepared
 * statement: a connection parses and plans a statement once, and PostgreSQL
 * may then reuse a generic plan. On this machine planning cost as much as
 * executing for our short statements.
 *
 * Names come from a hash of the SQL text, so every connection and process
 * agrees on them. A statement whose plan a migration made stale is prepared
 * again under a new name; outside a transaction the query is retried at once,
 * inside one the error stands (the transaction is lost anyway) and the next
 * attempt succeeds.
 */
export function preparingPool(pool: pg.Pool, maxStatements = MAX_PREPARED_STATEMENTS): PostgresPool {
  const names = new Map<string, string>();
  const nameFor = (text: string): string | undefined => {
    let name = names.get(text);
    if (name === undefined && names.size < maxStatements && PREPARABLE.test(text) && !text.includes(';')) {
      name = `dg_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
      names.set(text, name);
    }
    return name;
  };
  const wrapped = new WeakMap<pg.PoolClient, PostgresPoolClient>();

  function wrap(client: pg.PoolClient): PostgresPoolClient {
    let inTransaction = false;
    // Statements re-prepared after their plan went stale, by base name: the generation in use on this connection.
    const generations = new Map<string, number>();
    const run = (text: string, values: unknown[], name: string | undefined) =>
      client.query(name === undefined ? { text, values } : { name, text, values }) as unknown as Promise<PostgresQueryResult<never>>;
    return {
      async query(text: string, parameters: ReadonlyArray<unknown>) {
        if (TRANSACTION_START.test(text)) inTransaction = true;
        else if (TRANSACTION_END.test(text)) inTransaction = false;
        const base = nameFor(text);
        const generation = base === undefined ? 0 : (generations.get(base) ?? 0);
        const name = base === undefined || generation === 0 ? base : `${base}_${generation}`;
        try {
          return await run(text, [...parameters], name);
        } catch (error) {
          if (base === undefined || !isStalePlan(error)) throw error;
          generations.set(base, generation + 1);
          if (inTransaction) throw error;
          return run(text, [...parameters], `${base}_${generation + 1}`);
        }
      },
      release: () => client.release(),
    } as unknown as PostgresPoolClient;
  }

  return {
    async connect() {
      const client = await pool.connect();
      let connection = wrapped.get(client);
      if (!connection) {
        connection = wrap(client);
        wrapped.set(client, connection);
      }
      return connection;
    },
    end: () => pool.end(),
  };
}
