import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sampleFile } from './support/files.js';
import { asOperator, processFixture, seedRipioPartner } from './support/operator.js';
import { listeningUrl, spawnDeskgate } from './support/process.js';

// kill -9 deskgate at random moments while partners create tickets; after a
// restart every accepted ticket is CREATED, with exactly one desk case each.
let fixture: Awaited<ReturnType<typeof processFixture>>;
let env: Record<string, string>;

before(async () => {
  fixture = await processFixture('crash', {
    DESKGATE_WORKER_HEARTBEAT_MS: '200',
    DESKGATE_WORKER_DEAD_AFTER_MS: '1500',
    // Six clients hammer one account: request budgets and upload slots are not what this test is about.
    DESKGATE_RATE_LIMIT_PER_MINUTE: '0',
    DESKGATE_TICKET_CREATE_LIMIT_PER_MINUTE: '0',
    DESKGATE_MAX_CONCURRENT_UPLOADS: '16',
  });
  env = fixture.env;
});
after(() => fixture.close());

test('kill -9 at random moments loses no accepted ticket and never registers one twice', async () => {
  const { clientId, clientSecret, customerId } = await seedRipioPartner(env, 'Crashy');
  const accepted = new Set<string>();
  const png = sampleFile('png', 20_000);

  for (let round = 0; round < 4; round += 1) {
    const proc = spawnDeskgate(['serve'], env);
    const url = await listeningUrl(proc);
    const tokenRes = await fetch(`${url}/oauth2/token/`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    const { accessToken } = (await tokenRes.json()) as { accessToken: string };
    let killed = false;
    const create = async () => {
      while (!killed) {
        const form = new FormData();
        form.append('customerId', customerId);
        form.append('summary', `round ${round}`);
        form.append('description', 'crash test');
        form.append('files', new Blob([png]), 'a.png');
        try {
          const res = await fetch(`${url}/api/v1/supportTickets/`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` }, body: form });
          if (res.status === 202) accepted.add(((await res.json()) as { ticketId: string }).ticketId);
        } catch {
          return; // the server died mid-request: this ticket may or may not exist
        }
      }
    };
    const clients = Array.from({ length: 6 }, create);
    // Kill at a random moment once this round has made some progress (however slow the machine is).
    const roundStart = accepted.size;
    for (let waited = 0; accepted.size < roundStart + 3 && waited < 60_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, Math.random() * 600));
    killed = true;
    proc.child.kill('SIGKILL');
    await proc.exited;
    await Promise.all(clients);
  }
  assert.ok(accepted.size >= 10, `enough tickets were accepted to mean something (${accepted.size})`);

  const final = spawnDeskgate(['serve'], env);
  await listeningUrl(final);
  try {
    const rows = await asOperator(env, async (d) => {
      const until = Date.now() + 60_000;
      for (;;) {
        const pending = await d.database.db.selectFrom('tickets').select('id').where('status', '!=', 'CREATED').execute();
        if (pending.length === 0 || Date.now() > until) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      const tickets = await d.database.db.selectFrom('tickets').select(['id', 'status', 'desk_reference']).execute();
      const cases = await d.database.db.selectFrom('builtin_cases').select(['ticket_id', 'key']).execute();
      return { tickets, cases };
    });
    const byId = new Map(rows.tickets.map((t) => [t.id, t]));
    for (const id of accepted) assert.ok(byId.has(id), `accepted ticket ${id} survived the crash`);
    for (const t of rows.tickets) assert.equal(t.status, 'CREATED', `ticket ${t.id} ended ${t.status}`);
    assert.equal(rows.cases.length, rows.tickets.length, 'exactly one desk case per ticket');
    const caseKeys = new Map(rows.cases.map((c) => [c.ticket_id, c.key]));
    for (const t of rows.tickets) assert.equal(t.desk_reference, caseKeys.get(t.id));
  } finally {
    final.child.kill('SIGTERM');
    await final.exited;
  }
});
