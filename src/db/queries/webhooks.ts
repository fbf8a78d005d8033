import { CompiledQuery, sql, type Insertable, type Kysely } from 'kysely';
import type { Database, DeliveryStatus, Dialect, JobOutboxTable, WebhookAttempt, WebhookDeliveriesTable, WebhookDelivery, WebhookEndpoint, WebhookEventsTable } from '../schema.js';

/**
 * Whose endpoints a query may see: a partner's, through one dialect's API (the
 * other dialect's endpoints do not exist there), or (operator) any.
 */
export type WebhookScope = { accountId: string; dialect: Dialect } | 'operator';

/** Operator listings: every endpoint, or one account's, of one dialect or both. */
export interface EndpointFilter {
  accountId?: string;
  dialect?: Dialect;
}

export interface DeliveryFilter {
  endpointId: string;
  status?: DeliveryStatus;
  createdFrom?: Date;
  createdUntil?: Date;
}

export interface AttemptRecord {
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  responseExcerpt: string;
  error: string | null;
}

/** An event with one delivery per endpoint and the job of each delivery, as rows ready to insert. */
export interface EventRows {
  event: Insertable<WebhookEventsTable> & { id: string };
  deliveries: (Insertable<WebhookDeliveriesTable> & { id: string })[];
  /** The outbox row of each delivery's job (none when the caller attempts the deliveries itself). */
  jobs: { deliveryId: string; job: Insertable<JobOutboxTable> }[];
}

/** A settlement's event, written by the statement that settles its ticket: deliveries only for endpoints still subscribed by `patterns` then. */
export interface SettlementEvent extends EventRows {
  patterns: string[];
}

export type EndpointChanges = Partial<Pick<WebhookEndpoint, 'name' | 'url' | 'event_types' | 'enabled' | 'disabled_reason' | 'failing_since'>>;

export interface NewEndpoint {
  id: string;
  account_id: string;
  dialect: Dialect;
  name?: string;
  url: string;
  event_types: string[];
  enabled: boolean;
  sealed_secret: string | null;
}

const ENABLED_OF_ACCOUNTS_SQL = 'SELECT * FROM webhook_endpoints WHERE account_id = ANY($1::uuid[]) AND enabled';

export function webhookEndpointQueries(db: Kysely<Database>) {
  const filtered = ({ accountId, dialect }: EndpointFilter) => {
    let query = db.selectFrom('webhook_endpoints');
    if (accountId !== undefined) query = query.where('account_id', '=', accountId);
    if (dialect !== undefined) query = query.where('dialect', '=', dialect);
    return query;
  };
  return {
    insert(values: NewEndpoint) {
      return db.insertInto('webhook_endpoints').values(values).returningAll().executeTakeFirstOrThrow();
    },
    find(scope: WebhookScope, id: string) {
      return filtered(scope === 'operator' ? {} : scope).selectAll().where('id', '=', id).executeTakeFirst();
    },
    list(filter: EndpointFilter) {
      return filtered(filter).selectAll().orderBy('created_at', 'asc').orderBy('id', 'asc').execute();
    },
    /**
     * The enabled endpoints of these accounts, in one query: where a batch of
     * settlements looks for its subscribers (plain SQL, as every settlement asks).
     */
    async enabledOf(accountIds: string[]): Promise<WebhookEndpoint[]> {
      return (await db.executeQuery<WebhookEndpoint>(CompiledQuery.raw(ENABLED_OF_ACCOUNTS_SQL, [accountIds]))).rows;
    },
    update(id: string, changes: EndpointChanges) {
      return db.updateTable('webhook_endpoints').set({ ...changes, updated_at: new Date() }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    },
    rotateSecret(id: string, sealedSecret: string, previousExpiresAt: Date) {
      return db
        .updateTable('webhook_endpoints')
        .set((eb) => ({
          sealed_previous_secret: eb.ref('sealed_secret'),
          previous_secret_expires_at: previousExpiresAt,
          sealed_secret: sealedSecret,
          updated_at: new Date(),
        }))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
    },
    async remove(id: string): Promise<void> {
      await db.deleteFrom('webhook_endpoints').where('id', '=', id).execute();
    },
    /** Records a failure; returns since when the endpoint has been failing without a success. */
    async noteFailure(id: string, at: Date): Promise<Date> {
      const row = await db
        .updateTable('webhook_endpoints')
        .set((eb) => ({ failing_since: eb.fn.coalesce('failing_since', sql<Date>`${at}::timestamptz`) }))
        .where('id', '=', id)
        .returning('failing_since')
        .executeTakeFirstOrThrow();
      return row.failing_since ?? at;
    },
    async disable(id: string, reason: string): Promise<void> {
      await db.updateTable('webhook_endpoints').set({ enabled: false, disabled_reason: reason, updated_at: new Date() }).where('id', '=', id).execute();
    },
  };
}

const dateOrNull = (value: Date | string | null) => (value === null ? null : new Date(value));

export function webhookDeliveryQueries(db: Kysely<Database>) {
  const filtered = (scope: WebhookScope, filter: DeliveryFilter) => {
    let query = db.selectFrom('webhook_deliveries').where('endpoint_id', '=', filter.endpointId);
    if (scope !== 'operator') query = query.where('account_id', '=', scope.accountId);
    if (filter.status) query = query.where('status', '=', filter.status);
    if (filter.createdFrom) query = query.where('created_at', '>=', filter.createdFrom);
    if (filter.createdUntil) query = query.where('created_at', '<', filter.createdUntil);
    return query;
  };
  return {
    async insertEvent(values: Insertable<WebhookEventsTable>) {
      await db.insertInto('webhook_events').values(values).execute();
    },
    /** In the order given. */
    async insertAll(values: Insertable<WebhookDeliveriesTable>[]): Promise<WebhookDelivery[]> {
      if (values.length === 0) return [];
      const rows = await db.insertInto('webhook_deliveries').values(values).returningAll().execute();
      return values.map((v) => rows.find((r) => r.id === v.id)!);
    },
    find(scope: WebhookScope, id: string) {
      let query = db.selectFrom('webhook_deliveries').selectAll().where('id', '=', id);
      if (scope !== 'operator') {
        query = query
          .where('account_id', '=', scope.accountId)
          .where('endpoint_id', 'in', (eb) => eb.selectFrom('webhook_endpoints').select('id').where('dialect', '=', scope.dialect));
      }
      return query.executeTakeFirst();
    },
    /** Newest first; ties broken by id so pages never overlap. */
    list(scope: WebhookScope, filter: DeliveryFilter, limit: number, offset: number) {
      return filtered(scope, filter).selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
    },
    async count(scope: WebhookScope, filter: DeliveryFilter): Promise<number> {
      const row = await filtered(scope, filter).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** Attempts of these deliveries, oldest first. */
    attemptsOf(deliveryIds: string[]): Promise<WebhookAttempt[]> {
      if (deliveryIds.length === 0) return Promise.resolve([]);
      return db.selectFrom('webhook_attempts').selectAll().where('delivery_id', 'in', deliveryIds).orderBy('delivery_id').orderBy('number', 'asc').execute();
    },
    /** A delivery with its endpoint, in one query (the delivery job's first read). */
    async findWithEndpoint(id: string): Promise<{ delivery: WebhookDelivery; endpoint: WebhookEndpoint } | undefined> {
      const { rows } = await sql<{ delivery: WebhookDelivery; endpoint: WebhookEndpoint }>`
        SELECT row_to_json(d) AS delivery, row_to_json(e) AS endpoint
        FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
        WHERE d.id = ${id}`.execute(db);
      const row = rows[0];
      if (!row) return undefined;
      // row_to_json gives timestamps as text: restore the column types.
      const { delivery: d, endpoint: e } = row;
      return {
        delivery: { ...d, next_attempt_at: dateOrNull(d.next_attempt_at), last_attempt_at: dateOrNull(d.last_attempt_at), delivered_at: dateOrNull(d.delivered_at), created_at: new Date(d.created_at) },
        endpoint: { ...e, previous_secret_expires_at: dateOrNull(e.previous_secret_expires_at), failing_since: dateOrNull(e.failing_since), created_at: new Date(e.created_at), updated_at: new Date(e.updated_at) },
      };
    },
    /**
     * A successful attempt, in one statement: logged, the delivery delivered,
     * the endpoint healthy again; with `dropJob`, the delivery's pending job (in
     * the outbox, or unlocked in graphile-worker) is removed too, as nothing is
     * left for it to do.
     */
    async recordDelivered(id: string, endpointId: string, attempt: AttemptRecord, dropJob?: string): Promise<void> {
      const drop = dropJob
        ? sql`, outboxed AS (DELETE FROM job_outbox WHERE job_key = ${dropJob}),
              queued AS (SELECT graphile_worker.complete_jobs(array(SELECT id FROM graphile_worker.jobs WHERE key = ${dropJob} AND locked_at IS NULL)))`
        : sql``;
      await sql`
        WITH delivery AS (
          UPDATE webhook_deliveries
          SET attempts = attempts + 1, schedule_step = schedule_step + 1, last_attempt_at = ${attempt.attemptedAt}, next_attempt_at = NULL,
              status = 'delivered', delivered_at = ${attempt.attemptedAt}, failure_reason = NULL
          WHERE id = ${id}
          RETURNING attempts
        ),
        logged AS (
          INSERT INTO webhook_attempts (delivery_id, number, attempted_at, status_code, latency_ms, response_excerpt, error)
          SELECT ${id}, delivery.attempts, ${attempt.attemptedAt}, ${attempt.statusCode}, ${attempt.latencyMs}, ${attempt.responseExcerpt}, ${attempt.error} FROM delivery
        ),
        healthy AS (UPDATE webhook_endpoints SET failing_since = NULL WHERE id = ${endpointId} AND failing_since IS NOT NULL)
        ${drop}
        SELECT ${dropJob ? sql`(SELECT count(*) FROM queued)` : sql`1`}`.execute(db);
    },
    /** Logs an attempt and advances the delivery's counters; returns the delivery as it now stands. */
    async recordAttempt(id: string, attempt: AttemptRecord): Promise<WebhookDelivery> {
      const delivery = await db
        .updateTable('webhook_deliveries')
        .set((eb) => ({ attempts: eb('attempts', '+', 1), schedule_step: eb('schedule_step', '+', 1), last_attempt_at: attempt.attemptedAt, next_attempt_at: null }))
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await db
        .insertInto('webhook_attempts')
        .values({
          delivery_id: id,
          number: delivery.attempts,
          attempted_at: attempt.attemptedAt,
          status_code: attempt.statusCode,
          latency_ms: attempt.latencyMs,
          response_excerpt: attempt.responseExcerpt,
          error: attempt.error,
        })
        .execute();
      return delivery;
    },
    async markDelivered(id: string, at: Date): Promise<void> {
      await db.updateTable('webhook_deliveries').set({ status: 'delivered', delivered_at: at, failure_reason: null, next_attempt_at: null }).where('id', '=', id).execute();
    },
    async markFailed(id: string, reason: string): Promise<void> {
      await db.updateTable('webhook_deliveries').set({ status: 'failed', failure_reason: reason, next_attempt_at: null }).where('id', '=', id).execute();
    },
    async scheduleRetry(id: string, at: Date): Promise<void> {
      await db.updateTable('webhook_deliveries').set({ next_attempt_at: at }).where('id', '=', id).execute();
    },
    /** Back to the start of the retry schedule (replay); the attempt log is kept. */
    async reschedule(id: string, at: Date): Promise<void> {
      await db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', schedule_step: 0, next_attempt_at: at, failure_reason: null })
        .where('id', '=', id)
        .execute();
    },
    /** Drops settled deliveries (with their attempts) and events created before `before`. */
    async purgeCreatedBefore(before: Date): Promise<{ deliveries: number }> {
      const deleted = await db.deleteFrom('webhook_deliveries').where('created_at', '<', before).where('status', '<>', 'pending').executeTakeFirst();
      await db
        .deleteFrom('webhook_events')
        .where('created_at', '<', before)
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('webhook_deliveries').select('id').whereRef('webhook_deliveries.event_id', '=', 'webhook_events.id'))))
        .execute();
      return { deliveries: Number(deleted.numDeletedRows) };
    },
  };
}
