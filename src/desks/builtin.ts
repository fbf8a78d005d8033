import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Desk } from './desk.js';

/**
 * The help desk inside deskgate's own database: cases keyed `<PREFIX>-<n>`.
 * One case per ticket (primary key), so registering twice returns the first case.
 */
export function createBuiltinDesk(db: Kysely<Database>, prefix: string): Desk {
  return {
    kind: 'builtin',
    async register(ticket) {
      const attachments = ticket.attachments.map((a) => ({ id: a.id, filename: a.filename, contentType: a.contentType, size: a.size }));
      const inserted = await sql<{ key: string }>`
        INSERT INTO builtin_cases (ticket_id, number, key, summary, description, requester_email, cc_emails, attachments)
        SELECT ${ticket.ticketId}, n, ${prefix} || '-' || n, ${ticket.summary}, ${ticket.description},
               ${ticket.requesterEmail}, ${ticket.ccEmails}::text[], ${JSON.stringify(attachments)}::jsonb
        FROM (SELECT nextval('builtin_case_number') AS n) AS next
        ON CONFLICT (ticket_id) DO NOTHING
        RETURNING key`.execute(db);
      // Registered before (a retried job): the first case stands.
      const key = inserted.rows[0]?.key ?? (await db.selectFrom('builtin_cases').select('key').where('ticket_id', '=', ticket.ticketId).executeTakeFirstOrThrow()).key;
      return { reference: key };
    },
    async check() {
      const row = await db.selectFrom('builtin_cases').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      return { ok: true, lines: [`Builtin desk: cases are kept in deskgate's database with keys ${prefix}-<n> (${Number(row.n)} so far).`] };
    },
  };
}
