import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startTestApp } from '../support/app.js';
import { FAKE_DESKS } from '../support/desk-fakes.js';
import { api, createCustomer, createPartner, createTicket, ticketForm } from '../support/ripio.js';

// "Several minutes" of desk outage compressed: the fake answers 503 to everything for OUTAGE_MS.
const OUTAGE_MS = 5_000;
const TICKETS = 10;
const COOL_DOWN_MS = 1_000;
// Without the breaker each ticket would retry every ≤ 0.5 s: about 100 calls over the outage. With it:
// the calls before the circuit opens (≤ one per ticket) plus about one probe per cool-down.
const MAX_CALLS_DURING_OUTAGE = TICKETS + Math.ceil(OUTAGE_MS / COOL_DOWN_MS) + 10;

for (const [kind, startDesk] of FAKE_DESKS) {
  test(`${kind} down for a while with ${TICKETS} tickets queued: the breaker holds the calls back, then all are CREATED once`, async (t) => {
    const desk = await startDesk();
    const app = await startTestApp({
      env: {
        ...desk.env,
        DESKGATE_DESK_CIRCUIT_BREAKER_THRESHOLD: '3',
        DESKGATE_DESK_CIRCUIT_BREAKER_COOL_DOWN_MS: String(COOL_DOWN_MS),
        DESKGATE_REGISTRATION_BASE_DELAY_MS: '50',
        DESKGATE_REGISTRATION_MAX_DELAY_MS: '500',
        DESKGATE_REGISTRATION_DEADLINE_MS: '300000',
      },
    });
    t.after(async () => {
      await app.close();
      await desk.close();
    });
    const partner = await createPartner(app);
    const customerId = await createCustomer(app, partner, 'queued@example.com');

    const outageStart = Date.now();
    desk.server.failFor(OUTAGE_MS);
    const ticketIds: string[] = [];
    for (let i = 0; i < TICKETS; i += 1) {
      const res = await createTicket(app, partner, ticketForm({ customerId, summary: `Queued ${i}`, description: 'During the outage.' }));
      assert.equal(res.status, 202);
      ticketIds.push(res.body.ticketId);
    }

    const statuses = await eventually(async () => {
      const bodies = await Promise.all(ticketIds.map(async (id) => (await api(app, 'GET', `/api/v1/supportTickets/${id}/`, { token: partner.token })).body));
      return bodies.every((body) => body.status !== 'PENDING') ? bodies.map((body) => body.status as string) : null;
    }, 60_000, 'every queued ticket to settle');

    assert.deepEqual(statuses, Array(TICKETS).fill('CREATED'));
    const rows = await app.deskgate.database.db.selectFrom('tickets').select(['id', 'external_ref', 'desk_reference']).execute();
    for (const row of rows) {
      const cases = desk.casesFor(row);
      assert.equal(cases.length, 1, `one case for ticket ${row.id}`);
      assert.equal(row.desk_reference, cases[0]!.reference);
    }
    const callsDuringOutage = desk.server.received.filter((request) => request.at >= outageStart && request.at < outageStart + OUTAGE_MS).length;
    assert.ok(callsDuringOutage >= 1, 'the desk was tried during the outage');
    assert.ok(callsDuringOutage <= MAX_CALLS_DURING_OUTAGE, `${callsDuringOutage} calls during the outage (at most ${MAX_CALLS_DURING_OUTAGE})`);
  });
}
