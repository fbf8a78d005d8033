import { CompiledQuery, sql, type Insertable, type Kysely } from 'kysely';
import { inFlightLock, reclaimable } from './idempotency.js';
import type { SettlementEvent } from './webhooks.js';
import type { Attachment, Database, Dialect, JobOutboxTable, NewAttachment, Ticket, TicketStatus } from '../schema.js';

/** An idempotency key's stored answer, written with the ticket it created. */
export interface CompletedKey {
  accountId: string;
  scope: string;
  key: string;
  fingerprint: string;
  status: number;
  body: unknown;
}

/** What settling changes on a ticket (see `settle`). */
export type TicketSettlement =
  | { status: 'CREATED'; desk_reference: string; failure_reason: null; registered_at: Date; updated_at: Date }
  | { status: 'FAILED'; failure_reason: string; updated_at: Date };

/** A new idempotency key for `insertPendingOnce`: claimed, checked and completed in the statement that creates the ticket. */
export interface NewKey extends CompletedKey {
  /** An existing key older than these may be taken over (see idempotencyQueries.claim). */
  staleMs: number;
  ttlMs: number;
}

export interface ExistingKey {
  state: 'in_flight' | 'done';
  fingerprint: string | null;
  response_status: number | null;
  response_body: unknown;
  reclaimable: boolean;
}

export type OnceOutcome =
  | { state: 'created'; ticket: Ticket }
  /** Another request with this key is running right now. */
  | { state: 'in_flight' }
  /** The key exists: replay it, refuse it, or (`reclaimable`) take it over. */
  | { state: 'existing'; existing: ExistingKey }
  | { state: 'payment_not_found' };

export type TicketStatusRow = Pick<Ticket, 'id' | 'dialect' | 'status' | 'desk_reference'>;
const STATUS_SQL = 'SELECT id, dialect, status, desk_reference FROM tickets WHERE account_id = $1 AND id = $2';
const WITH_ATTACHMENTS_SQL = `SELECT t.*, coalesce((SELECT json_agg(a ORDER BY a.position) FROM attachments a WHERE a.ticket_id = t.id), '[]') AS attachment_rows
  FROM tickets t WHERE t.id = ANY($1::uuid[])`;

/**
 * Settles tickets still PENDING ($1), writing the events of those it settled
 * ($2), a delivery ($3) for each endpoint still enabled and subscribed (by the
 * delivery's `patterns`) when it commits, and each written delivery's job
 * ($4). Rows come as JSON arrays: one statement for any number of tickets.
 */
const SETTLE_SQL = `
  WITH change AS (
    SELECT * FROM json_to_recordset($1::json)
      AS c (id uuid, status text, desk_reference text, failure_reason text, registered_at timestamptz, updated_at timestamptz)
  ),
  ticket AS (
    UPDATE tickets AS t
    SET status = c.status, desk_reference = c.desk_reference, failure_reason = c.failure_reason, registered_at = c.registered_at, updated_at = c.updated_at
    FROM change AS c
    WHERE t.id = c.id AND t.status = 'PENDING'
    RETURNING t.*
  ),
  event AS (
    INSERT INTO webhook_events (id, account_id, kind, ticket_id, occurred_at)
    SELECT e.id, e.account_id, e.kind, ticket.id, e.occurred_at
    FROM json_to_recordset($2::json) AS e (id uuid, account_id uuid, kind text, ticket_id uuid, occurred_at timestamptz)
         JOIN ticket ON ticket.id = e.ticket_id
    RETURNING id, account_id, ticket_id
  ),
  delivery AS (
    INSERT INTO webhook_deliveries (id, event_id, endpoint_id, account_id, event_type, message_id, body, next_attempt_at)
    SELECT d.id, event.id, d.endpoint_id, event.account_id, d.event_type, d.message_id, d.body, d.next_attempt_at
    FROM json_to_recordset($3::json)
           AS d (id uuid, event_id uuid, endpoint_id uuid, event_type text, message_id text, body text, next_attempt_at timestamptz, patterns text[])
         JOIN event ON event.id = d.event_id
         JOIN webhook_endpoints AS endpoint
           ON endpoint.id = d.endpoint_id AND endpoint.enabled AND endpoint.event_types && d.patterns
    RETURNING id, event_id
  ),
  job AS (
    INSERT INTO job_outbox (task, payload, job_key, run_at)
    SELECT j.task, j.payload::json, j.job_key, j.run_at
    FROM json_to_recordset($4::json) AS j (delivery_id uuid, task text, payload text, job_key text, run_at timestamptz)
         JOIN delivery ON delivery.id = j.delivery_id
  )
  SELECT ticket.*, array(SELECT delivery.id FROM delivery JOIN event ON event.id = delivery.event_id WHERE event.ticket_id = ticket.id) AS delivery_ids
  FROM ticket`;

/** One ticket's settlement for `settleMany`: its change and, when anyone listens, its event. */
export interface Settlement {
  id: string;
  change: TicketSettlement;
  event: SettlementEvent | null;
}

export interface TicketFilter {
  accountId: string;
  status?: TicketStatus;
  customerId?: string;
  paymentId?: string;
  /** Only tickets created through this dialect. */
  dialect?: Dialect;
}

function filtered(db: Kysely<Database>, filter: TicketFilter) {
  let query = db.selectFrom('tickets').where('account_id', '=', filter.accountId);
  if (filter.status) query = query.where('status', '=', filter.status);
  if (filter.customerId) query = query.where('customer_id', '=', filter.customerId);
  if (filter.paymentId) query = query.where('payment_id', '=', filter.paymentId);
  if (filter.dialect) query = query.where('dialect', '=', filter.dialect);
  return query;
}

/** The job's outbox row, written only when the statement's `ticket` CTE wrote a ticket. */
const jobFromTicket = (job: Insertable<JobOutboxTable>) => sql`
  INSERT INTO job_outbox (task, payload, job_key, run_at, max_attempts)
  SELECT ${job.task}, ${job.payload}::json, ${job.job_key ?? null}, ${job.run_at ?? null}::timestamptz, ${job.max_attempts ?? null}::int FROM ticket`;

export type InsertOutcome = { state: 'created'; ticket: Ticket } | { state: 'customer_not_found' } | { state: 'customer_without_email' };

export function ticketQueries(db: Kysely<Database>) {
  /**
   * Any account's tickets with their attachments in order, in one query
   * (a registration batch's first read: plain SQL); unknown ids are left out.
   */
  async function findManyWithAttachments(ids: string[]): Promise<Map<string, { ticket: Ticket; attachments: Attachment[] }>> {
    const { rows } = await db.executeQuery<Ticket & { attachment_rows: Attachment[] }>(CompiledQuery.raw(WITH_ATTACHMENTS_SQL, [ids]));
    const found = new Map<string, { ticket: Ticket; attachments: Attachment[] }>();
    for (const { attachment_rows: attachmentRows, ...ticket } of rows) {
      // json_agg gives timestamps as text and bigints as numbers: restore the column types.
      const attachments = attachmentRows.map((a) => ({ ...a, created_at: new Date(a.created_at), purged_at: a.purged_at === null ? null : new Date(a.purged_at) }));
      found.set(ticket.id, { ticket, attachments });
    }
    return found;
  }

  return {
    /**
     * A new ticket with its attachments, its registration job and, for an
     * idempotent request, its completed key: one statement, so one round trip
     * and one commit, all or nothing. With `customer`, the ticket is written
     * only if that customer is the account's and has an email, which becomes
     * the ticket's requester email; otherwise nothing is written and the
     * outcome says why.
     */
    async insertPending(
      ticket: Ticket,
      attachments: NewAttachment[],
      job: Insertable<JobOutboxTable>,
      options: { completedKey?: CompletedKey; customer?: { accountId: string; id: string } } = {},
    ): Promise<InsertOutcome> {
      const { completedKey, customer } = options;
      const source = customer
        ? sql`FROM customer, json_populate_record(NULL::tickets, (${JSON.stringify(ticket)}::jsonb || jsonb_build_object('requester_email', customer.email))::json) AS row
              WHERE customer.email IS NOT NULL`
        : sql`FROM json_populate_record(NULL::tickets, ${JSON.stringify(ticket)}::json) AS row`;
      const parts = [sql`ticket AS (INSERT INTO tickets SELECT row.* ${source} RETURNING *)`, sql`job AS (${jobFromTicket(job)})`];
      if (customer) parts.unshift(sql`customer AS (SELECT email FROM customers WHERE account_id = ${customer.accountId} AND id = ${customer.id})`);
      if (attachments.length > 0) {
        const rows = attachments.map((a) => ({ created_at: ticket.created_at, purged_at: null, ...a }));
        parts.push(sql`files AS (INSERT INTO attachments SELECT a.* FROM ticket, json_populate_recordset(NULL::attachments, ${JSON.stringify(rows)}::json) AS a)`);
      }
      if (completedKey) {
        const { accountId, scope, key, fingerprint, status, body } = completedKey;
        parts.push(sql`completed AS (
          UPDATE idempotency_keys AS k SET state = 'done', fingerprint = ${fingerprint}, response_status = ${status}, response_body = ${JSON.stringify(body)}::jsonb, ticket_id = ticket.id
          FROM ticket WHERE k.account_id = ${accountId} AND k.scope = ${scope} AND k.key = ${key})`);
      }
      const { rows } = await sql<{ ticket: Ticket | null; customer_found: boolean }>`
        WITH ${sql.join(parts)}
        SELECT (SELECT row_to_json(ticket) FROM ticket) AS ticket, ${customer ? sql`EXISTS (SELECT FROM customer)` : sql`true`} AS customer_found`.execute(db);
      const row = rows[0]!;
      if (row.ticket) return { state: 'created', ticket: { ...ticket, requester_email: row.ticket.requester_email } };
      return { state: row.customer_found ? 'customer_without_email' : 'customer_not_found' };
    },
    /**
     * A payment's ticket with a fresh idempotency key, in one statement: the key
     * must not exist yet (else `existing`, to replay or refuse); a new key is
     * marked in flight by a transaction-scoped advisory lock (a concurrent
     * duplicate finds it held: `in_flight`); the payment must be the account's.
     * Only then are the ticket, its registration job and the completed key
     * written. A duplicate that
     * committed after this statement's snapshot makes the key insert fail
     * (unique violation): the caller then asks again.
     */
    async insertPendingOnce(ticket: Ticket, job: Insertable<JobOutboxTable>, key: NewKey): Promise<OnceOutcome> {
      const { accountId, scope } = key;
      const { rows } = await sql<{ held: boolean | null; existing: ExistingKey | null; created: boolean }>`
        WITH existing AS (
          SELECT k.state, k.fingerprint, k.response_status, k.response_body, ${reclaimable(key.staleMs, key.ttlMs)} AS reclaimable
          FROM idempotency_keys k WHERE k.account_id = ${accountId} AND k.scope = ${scope} AND k.key = ${key.key}
        ),
        -- Only a new key is locked: replays never contend.
        lock AS (SELECT CASE WHEN EXISTS (SELECT FROM existing) THEN NULL ELSE ${inFlightLock(accountId, scope, key.key)} END AS held),
        payment AS (SELECT 1 FROM payments WHERE account_id = ${accountId} AND id = ${ticket.payment_id}),
        go AS (SELECT 1 FROM lock WHERE lock.held AND EXISTS (SELECT FROM payment) AND NOT EXISTS (SELECT FROM existing)),
        ticket AS (
          INSERT INTO tickets SELECT row.* FROM go, json_populate_record(NULL::tickets, ${JSON.stringify(ticket)}::json) AS row
          RETURNING id
        ),
        job AS (${jobFromTicket(job)}),
        completed AS (
          INSERT INTO idempotency_keys (account_id, scope, key, state, fingerprint, response_status, response_body, ticket_id)
          SELECT ${accountId}, ${scope}, ${key.key}, 'done', ${key.fingerprint}, ${key.status}, ${JSON.stringify(key.body)}::jsonb, ticket.id FROM ticket
        )
        SELECT (SELECT held FROM lock) AS held,
               (SELECT row_to_json(existing) FROM existing) AS existing,
               EXISTS (SELECT FROM ticket) AS created`.execute(db);
      const row = rows[0]!;
      if (row.created) return { state: 'created', ticket };
      if (row.existing) return { state: 'existing', existing: row.existing };
      if (row.held === false) return { state: 'in_flight' };
      return { state: 'payment_not_found' };
    },
    /**
     * A ticket's status and desk reference (the Ripio retrieve, the hottest
     * read): plain SQL, so no query is built per call.
     */
    async status(accountId: string, id: string): Promise<TicketStatusRow | undefined> {
      const { rows } = await db.executeQuery<TicketStatusRow>(CompiledQuery.raw(STATUS_SQL, [accountId, id]));
      return rows[0];
    },
    /** Scoped to the account: another account's ticket does not exist. */
    find(accountId: string, id: string) {
      return db.selectFrom('tickets').selectAll().where('account_id', '=', accountId).where('id', '=', id).executeTakeFirst();
    },
    findManyWithAttachments,
    /** Any account's ticket with its attachments (operators). */
    async findAnyWithAttachments(id: string): Promise<{ ticket: Ticket; attachments: Attachment[] } | undefined> {
      return (await findManyWithAttachments([id])).get(id);
    },
    /** Newest first; ties broken by id so pages never overlap. */
    list(filter: TicketFilter, limit: number, offset: number) {
      return filtered(db, filter).selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).offset(offset).execute();
    },
    /**
     * A page of Circle-style cursor paging, newest first: the tickets right
     * after (older than) or right before (newer than) the cursor ticket. A
     * cursor that is not one of the account's tickets gives an empty page.
     */
    async page(filter: TicketFilter, size: number, cursor: { after?: string; before?: string }): Promise<Ticket[]> {
      const cursorId = cursor.after ?? cursor.before;
      const position = sql`(SELECT c.created_at, c.id FROM tickets AS c WHERE c.account_id = ${filter.accountId} AND c.id = ${cursorId ?? null})`;
      let query = filtered(db, filter).selectAll();
      if (cursor.before) {
        const newer = await query.where(sql<boolean>`(tickets.created_at, tickets.id) > ${position}`).orderBy('created_at', 'asc').orderBy('id', 'asc').limit(size).execute();
        return newer.reverse();
      }
      if (cursor.after) query = query.where(sql<boolean>`(tickets.created_at, tickets.id) < ${position}`);
      return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(size).execute();
    },
    async count(filter: TicketFilter): Promise<number> {
      const row = await filtered(db, filter).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    noteAttempt(id: string, lastError: string | null) {
      return db
        .updateTable('tickets')
        .set((eb) => ({ registration_attempts: eb('registration_attempts', '+', 1), failure_reason: lastError, updated_at: new Date() }))
        .where('id', '=', id)
        .where('status', '=', 'PENDING')
        .execute();
    },
    /**
     * PENDING → CREATED or FAILED for each ticket, with its event in the same
     * statement (one round trip and one commit, however many tickets): the
     * event and a delivery for each endpoint still subscribed when it commits,
     * with their jobs. Returns the settled rows and the deliveries written, by
     * ticket id; a ticket no longer PENDING is left out (nothing is written for it).
     */
    async settleMany(settlements: Settlement[]): Promise<Map<string, { ticket: Ticket; deliveryIds: string[] }>> {
      const changes = settlements.map(({ id, change }) => ({ id, desk_reference: null, registered_at: null, ...change }));
      const events = settlements.flatMap(({ id, event }) => (event ? [{ ...event.event, ticket_id: id }] : []));
      const deliveries = settlements.flatMap(({ event }) => (event ? event.deliveries.map((d) => ({ ...d, patterns: event.patterns })) : []));
      const jobs = settlements.flatMap(({ event }) => (event ? event.jobs.map(({ deliveryId, job }) => ({ delivery_id: deliveryId, ...job })) : []));
      const { rows } = await db.executeQuery<Ticket & { delivery_ids: string[] }>(
        CompiledQuery.raw(SETTLE_SQL, [JSON.stringify(changes), JSON.stringify(events), JSON.stringify(deliveries), JSON.stringify(jobs)]),
      );
      return new Map(rows.map(({ delivery_ids: deliveryIds, ...ticket }) => [ticket.id, { ticket, deliveryIds }]));
    },
  };
}
