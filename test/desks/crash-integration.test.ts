import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { eventually } from '../support/app.js';
import { asOperator, seedRipioPartner } from '../support/operator.js';
import { createTestDatabase } from '../support/database.js';
import { FAKE_DESKS } from '../support/desk-fakes.js';
import { sampleFile } from '../support/files.js';
import { listeningUrl, spawnDeskgate } from '../support/process.js';
import { api, createTicket, requestToken, ticketForm } from '../support/ripio.js';

// deskgate runs as a child process; the desk fake lives here, in the test process, and outlives it.
// The fake creates the case and holds its answer; deskgate is killed with -9 while it waits, so the
// case exists in the desk but not in deskgate's database. After a restart the retry must find it.
for (const [kind, startDesk] of FAKE_DESKS) {
  test(`${kind}: kill -9 between the desk's create and our commit, restart: exactly one case, ticket CREATED with its key`, async (t) => {
    const desk = await startDesk();
    const database = await createTestDatabase();
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-desk-crash-'));
    const env = {
      ...desk.env,
      DATABASE_URL: database.url,
      DESKGATE_DATA_DIR: dataDir,
      DESKGATE_PORT: '0',
      DESKGATE_SECRET: 'desk-crash-secret-0123456789abcdef0123456789',
      DESKGATE_WORKER_POLL_INTERVAL_MS: '100',
      DESKGATE_WORKER_HEARTBEAT_MS: '200',
      DESKGATE_WORKER_DEAD_AFTER_MS: '1500',
      DESKGATE_REGISTRATION_BASE_DELAY_MS: '100',
    };
    t.after(async () => {
      await desk.close();
      await database.drop();
      await fs.rm(dataDir, { recursive: true, force: true });
    });
    const { clientId, clientSecret, customerId } = await seedRipioPartner(env, 'Crash');

    const first = spawnDeskgate(['serve'], env);
    const firstApp = { url: await listeningUrl(first) };
    const partner = { token: await requestToken(firstApp, clientId, clientSecret) };
    desk.server.inject(desk.routes.create, { holdAnswerMs: 120_000 });
    const png = sampleFile('png', 64 * 1024);
    const created = await createTicket(firstApp, partner, ticketForm({ customerId, summary: 'Lost transfer', description: 'Never arrived.' }, [{ name: 'proof.png', bytes: png }]));
    assert.equal(created.status, 202);
    const { ticketId } = created.body;
    const row = await asOperator(env, (d) => d.database.db.selectFrom('tickets').select(['id', 'external_ref']).where('id', '=', ticketId).executeTakeFirstOrThrow());

    await eventually(async () => desk.casesFor(row).length === 1, 30_000, 'the desk to create the case');
    first.child.kill('SIGKILL');
    await first.exited;

    const second = spawnDeskgate(['serve'], env);
    t.after(async () => {
      second.child.kill('SIGTERM');
      await second.exited;
    });
    const secondApp = { url: await listeningUrl(second) };
    const result = await eventually(async () => {
      const res = await api(secondApp, 'GET', `/api/v1/supportTickets/${ticketId}/`, { token: partner.token });
      return res.body.status !== 'PENDING' ? res.body : null;
    }, 60_000, 'the ticket to settle after the restart');

    const cases = desk.casesFor(row);
    assert.equal(cases.length, 1, `one ${kind} case`);
    assert.deepEqual(result, { ticketId, status: 'CREATED', issueKey: cases[0]!.reference });
    assert.deepEqual(
      cases[0]!.attachments.map(({ filename, sha256 }) => ({ filename, sha256 })),
      [{ filename: 'proof.png', sha256: createHash('sha256').update(png).digest('hex') }],
      'the file is on the case exactly once',
    );
  });
}
