import { CompiledQuery, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Desk, DeskRegistration, DeskTicket } from './desk.js';

/** Tickets one statement registers at most (a registration job's batch). */
const BATCH_SIZE = 100;

// One case per ticket: a ticket registered before (a retried job) keeps its first case, so it is not in RETURNING.
const OPEN_CASES_SQL = `
  INSERT INTO builtin_cases (ticket_id, number, key, summary, description, requester_email, cc_emails, attachments)
  SELECT c.ticket_id, c.number, $2 || '-' || c.number, c.summary, c.description, c.requester_email, c.cc_emails, c.attachments
  FROM (
    SELECT input.*, nextval('builtin_case_number') AS number
    FROM json_to_recordset($1::json) AS input (ticket_id uuid, summary text, description text, requester_email text, cc_emails text[], attachments jsonb)
  ) AS c
  ON CONFLICT (ticket_id) DO NOTHING
  RETURNING ticket_id, key`;
const EXISTING_CASES_SQL = 'SELECT ticket_id, key FROM builtin_cases WHERE ticket_id = ANY($1::uuid[])';

/**
 * The help desk inside deskgate's own database: cases keyed `<PREFIX>-<n>`.
 * One case per ticket (primary key), so registering twice returns the first
 * case. Any number of tickets are registered in one statement.
 */
export function createBuiltinDesk(db: Kysely<Database>, prefix: string): Desk {
  const casesOf = async (sqlText: string, parameters: unknown[]) =>
    new Map((await db.executeQuery<{ ticket_id: string; key: string }>(CompiledQuery.raw(sqlText, parameters))).rows.map((r) => [r.ticket_id, r.key]));

  async function registerAll(tickets: DeskTicket[]): Promise<DeskRegistration[]> {
    const input = tickets.map((t) => ({
      ticket_id: t.ticketId,
      summary: t.summary,
      description: t.description,
      requester_email: t.requesterEmail,
      cc_emails: t.ccEmails,
      attachments: t.attachments.map((a) => ({ id: a.id, filename: a.filename, contentType: a.contentType, size: a.size })),
    }));
    const keys = await casesOf(OPEN_CASES_SQL, [JSON.stringify(input), prefix]);
    // Registered before: read in a statement of its own, which also sees a case a concurrent registration just committed.
    const before = tickets.filter((t) => !keys.has(t.ticketId)).map((t) => t.ticketId);
    if (before.length > 0) for (const [id, key] of await casesOf(EXISTING_CASES_SQL, [before])) keys.set(id, key);
    return tickets.map((t) => {
      const key = keys.get(t.ticketId);
      if (key === undefined) throw new Error(`builtin case of ticket ${t.ticketId} not found after registering it`);
      return { reference: key };
    });
  }

  return {
    kind: 'builtin',
    async register(ticket) {
      return (await registerAll([ticket]))[0]!;
    },
    batch: { size: BATCH_SIZE, register: registerAll },
    async check() {
      const row = await db.selectFrom('builtin_cases').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return { ok: true, lines: [`Builtin desk: cases are kept in deskgate's database with keys ${prefix}-<n> (${Number(row.n)} so far).`] };
    },
  };
}
