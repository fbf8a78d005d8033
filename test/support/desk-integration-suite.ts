import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { Ticket } from '../../src/db/schema.js';
import { eventually, startTestApp, type TestApp } from './app.js';
import { createCpnPartner, createCpnTicket, importPayment, ticketBody, type CpnPartner } from './cpn.js';
import type { FakeDesk, FakeDeskStarter } from './desk-fakes.js';
import { sampleFile } from './files.js';
import { api, createCustomer, createPartner, createTicket, ticketForm, type Partner } from './ripio.js';

/** Short per-call limit so slow answers are quick to provoke; the first retry comes within a second. */
export const DESK_TIMEOUT_MS = 2_000;

export interface DeskIntegration {
  readonly app: TestApp;
  readonly desk: FakeDesk;
  /** Raises a Ripio ticket without files; returns its id. */
  submitRipio(summary?: string): Promise<string>;
  /** Waits until the Ripio ticket is no longer PENDING; returns the partner's GET body. */
  settledRipio(ticketId: string): Promise<{ ticketId: string; status: string; issueKey: string | null }>;
  ticketRow(ticketId: string): Promise<Ticket>;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * The product against one vendor fake: real HTTP server, worker and PostgreSQL, both dialects, every
 * failure class. Returns what desk-specific tests in the same file need.
 */
export function deskIntegrationSuite(startDesk: FakeDeskStarter): DeskIntegration {
  let app: TestApp;
  let desk: FakeDesk;
  let partner: Partner;
  let customerId: string;
  let cpnPartner: CpnPartner;
  let paymentId: string;

  before(async () => {
    desk = await startDesk();
    app = await startTestApp({
      env: {
        ...desk.env,
        DESKGATE_DESK_TIMEOUT_MS: String(DESK_TIMEOUT_MS),
        // On a busy machine a few slow attempts in a row can open the circuit; keep its pause short here.
        DESKGATE_DESK_CIRCUIT_BREAKER_COOL_DOWN_MS: '1000',
        DESKGATE_REGISTRATION_BASE_DELAY_MS: '50',
        DESKGATE_REGISTRATION_MAX_DELAY_MS: '500',
        DESKGATE_REGISTRATION_DEADLINE_MS: '120000',
      },
    });
    partner = await createPartner(app);
    customerId = await createCustomer(app, partner, 'maria@example.com');
    cpnPartner = await createCpnPartner(app);
    paymentId = await importPayment(app, cpnPartner);
  });
  after(async () => {
    await app.close();
    await desk.close();
  });

  const ticketRow = (ticketId: string) =>
    app.deskgate.database.db.selectFrom('tickets').selectAll().where('id', '=', ticketId).executeTakeFirstOrThrow();

  async function submitRipio(summary = 'Payment not received', files: Array<{ name: string; bytes: Buffer }> = []): Promise<string> {
    const res = await createTicket(app, partner, ticketForm({ customerId, summary, description: 'My transfer never arrived.' }, files));
    assert.equal(res.status, 202, JSON.stringify(res.body));
    return res.body.ticketId;
  }

  const settledRipio = (ticketId: string) =>
    eventually(async () => {
      const res = await api(app, 'GET', `/api/v1/supportTickets/${ticketId}/`, { token: partner.token });
      return res.body.status !== 'PENDING' ? res.body : null;
    }, 30_000, `ticket ${ticketId} to settle`);

  /** The ticket ended CREATED, with exactly one case in the desk, whose reference the partner sees. */
  async function assertOneCase(ticketId: string, issueKey: string | null) {
    const cases = desk.casesFor(await ticketRow(ticketId));
    assert.equal(cases.length, 1, `one ${desk.kind} case for ticket ${ticketId}`);
    assert.equal(issueKey, cases[0]!.reference);
    return cases[0]!;
  }

  test('Ripio ticket with files: CREATED with the case reference as issueKey, files byte for byte', async () => {
    const files = [
      { name: 'screenshot.png', bytes: sampleFile('png', 300 * 1024) },
      { name: 'receipt.pdf', bytes: sampleFile('pdf', 40 * 1024) },
    ];
    const ticketId = await submitRipio('Payment not received', files);
    const result = await settledRipio(ticketId);
    assert.equal(result.status, 'CREATED');
    const deskCase = await assertOneCase(ticketId, result.issueKey);
    assert.deepEqual(
      deskCase.attachments.map(({ filename, size, sha256: digest }) => ({ filename, size, digest })),
      files.map(({ name, bytes }) => ({ filename: name, size: bytes.length, digest: sha256(bytes) })),
    );
  });

  test('CPN ticket (JSON): CREATED with the case reference as caseRefId, ccEmails copied onto the case', async () => {
    const created = await createCpnTicket(app, cpnPartner, ticketBody(paymentId, { ccEmails: ['ops@ofi.com', 'cfo@ofi.com'] }));
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const { id } = created.body.data;
    const registered = await eventually(async () => {
      const res = await api(app, 'GET', `/v1/cpn/supportTickets/${id}`, { token: cpnPartner.apiKey });
      return res.body.data?.status !== 'PENDING' ? res.body.data : null;
    }, 30_000, `CPN ticket ${id} to settle`);
    assert.equal(registered.status, 'CREATED');
    const deskCase = await assertOneCase(id, registered.caseRefId);
    assert.deepEqual([...deskCase.ccEmails].sort(), ['cfo@ofi.com', 'ops@ofi.com']);
  });

  test('a 500 from the desk is retried until it answers: CREATED, one case', async () => {
    desk.server.inject(desk.routes.create, { status: 500 }, { status: 502 });
    const ticketId = await submitRipio();
    const result = await settledRipio(ticketId);
    assert.equal(result.status, 'CREATED');
    await assertOneCase(ticketId, result.issueKey);
    assert.equal((await ticketRow(ticketId)).registration_attempts, 2);
  });

  test('a 429 with Retry-After: the next attempt waits at least that long, then CREATED', async () => {
    const before = desk.server.requestsTo(desk.routes.create).length;
    desk.server.inject(desk.routes.create, { status: 429, retryAfter: 2 });
    const ticketId = await submitRipio();
    const result = await settledRipio(ticketId);
    assert.equal(result.status, 'CREATED');
    await assertOneCase(ticketId, result.issueKey);
    const [limited, retried] = desk.server.requestsTo(desk.routes.create).slice(before);
    assert.ok(retried!.at - limited!.at >= 2_000, `retried ${retried!.at - limited!.at} ms after the 429`);
  });

  for (const status of [400, 401, 403, 404]) {
    test(`a ${status} from the desk fails the ticket at once: reason stored for operators, partner sees FAILED`, async () => {
      const before = desk.server.requestsTo(desk.routes.create).length;
      desk.server.inject(desk.routes.create, { status });
      const ticketId = await submitRipio();
      const result = await settledRipio(ticketId);
      assert.deepEqual(result, { ticketId, status: 'FAILED', issueKey: null });
      assert.equal(desk.server.requestsTo(desk.routes.create).length - before, 1, 'no retry');
      const row = await ticketRow(ticketId);
      assert.equal(row.registration_attempts, 0);
      assert.match(row.failure_reason ?? '', new RegExp(`^Permanent desk error: PermanentDeskError: \\w+ POST /\\S+ answered ${status}`));
      assert.ok(!(row.failure_reason ?? '').includes(desk.env[`DESKGATE_${desk.kind.toUpperCase()}_API_TOKEN`]!), 'no credentials');
    });
  }

  test('an answer slower than DESKGATE_DESK_TIMEOUT_MS is a transient failure: retried, CREATED, one case', async () => {
    desk.server.inject(desk.routes.lookup, { delayMs: DESK_TIMEOUT_MS + 1_000 });
    const ticketId = await submitRipio();
    const result = await settledRipio(ticketId);
    assert.equal(result.status, 'CREATED');
    await assertOneCase(ticketId, result.issueKey);
    assert.ok((await ticketRow(ticketId)).registration_attempts >= 1, 'the slow attempt counted as a failed attempt');
  });

  return {
    get app() {
      return app;
    },
    get desk() {
      return desk;
    },
    submitRipio,
    settledRipio,
    ticketRow,
  };
}
