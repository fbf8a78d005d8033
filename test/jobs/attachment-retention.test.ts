import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { TASKS } from '../../src/jobs/task-names.js';
import { createAttachmentRetention, ORPHAN_AGE_MS } from '../../src/services/attachment-retention.js';
import { attachmentKey } from '../../src/storage/attachment-keys.js';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { sampleFile } from '../support/files.js';
import { createTicket, partnerWithCustomer, ticketForm, type Partner } from '../support/ripio.js';

const HOUR = 3_600_000;
let app: TestApp;
let partner: Partner;
let customerId: string;

before(async () => {
  // No worker: the tests decide when tickets settle and when jobs run.
  app = await startTestApp({ worker: false });
  ({ partner, customerId } = await partnerWithCustomer(app));
});
after(() => app.close());

const db = () => app.deskgate.database.db;

async function ticketWithFiles(): Promise<{ ticketId: string; keys: string[] }> {
  const res = await createTicket(app, partner, ticketForm({ customerId, summary: 's', description: 'd' }, [
    { name: 'a.png', bytes: sampleFile('png', 2_000) },
    { name: 'b.pdf', bytes: sampleFile('pdf', 2_000) },
  ]));
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const rows = await db().selectFrom('attachments').select('storage_key').where('ticket_id', '=', res.body.ticketId).execute();
  return { ticketId: res.body.ticketId, keys: rows.map((r) => r.storage_key) };
}

async function exists(key: string): Promise<boolean> {
  return app.deskgate.storage.get(key).then((s) => (s.destroy(), true), () => false);
}

async function purgedAt(ticketId: string) {
  const rows = await db().selectFrom('attachments').select('purged_at').where('ticket_id', '=', ticketId).execute();
  return rows.map((r) => r.purged_at);
}

const retention = (retentionMs: number, nowOffsetMs = 0) =>
  createAttachmentRetention({ db: db(), storage: app.deskgate.storage, retentionMs, now: () => new Date(Date.now() + nowOffsetMs) });

test('settled tickets keep their files for the retention period, then lose them; pending ones keep them', async () => {
  const created = await ticketWithFiles();
  const failed = await ticketWithFiles();
  const pending = await ticketWithFiles();
  assert.equal(await app.deskgate.registration.register(created.ticketId), 'created');
  await db().updateTable('tickets').set({ status: 'FAILED', failure_reason: 'test', updated_at: new Date() }).where('id', '=', failed.ticketId).execute();

  const thirtyDays = 30 * 24 * HOUR;
  assert.equal(await retention(thirtyDays, thirtyDays - HOUR).purgeSettled(), 0, 'nothing is due a day before the period ends');
  for (const key of [...created.keys, ...failed.keys]) assert.ok(await exists(key));

  assert.equal(await retention(thirtyDays, thirtyDays + HOUR).purgeSettled(), 4);
  for (const key of [...created.keys, ...failed.keys]) assert.equal(await exists(key), false, `${key} is deleted`);
  for (const at of [...(await purgedAt(created.ticketId)), ...(await purgedAt(failed.ticketId))]) assert.ok(at instanceof Date);
  for (const key of pending.keys) assert.ok(await exists(key), 'a PENDING ticket keeps its files');
  assert.deepEqual(await purgedAt(pending.ticketId), [null, null]);
  assert.equal(await retention(thirtyDays, thirtyDays + HOUR).purgeSettled(), 0, 'purged rows are not purged again');
});

test('the purge_attachments job with retention 0 deletes files as soon as the ticket is registered', async () => {
  await app.close();
  app = await startTestApp({ env: { DESKGATE_ATTACHMENT_RETENTION_MS: '0' } });
  ({ partner, customerId } = await partnerWithCustomer(app));
  const { ticketId, keys } = await ticketWithFiles();
  await eventually(async () => (await db().selectFrom('tickets').select('status').where('id', '=', ticketId).executeTakeFirst())?.status === 'CREATED');
  // The crontab runs it every minute; queue it now instead of waiting.
  await sql`SELECT graphile_worker.add_job(${TASKS.purgeAttachments})`.execute(db());
  await eventually(async () => (await purgedAt(ticketId)).every((at) => at !== null), 15_000, 'attachments purged');
  for (const key of keys) assert.equal(await exists(key), false);
});

test('the orphan sweep deletes old objects without a row and stale .partial files, and nothing else', async () => {
  const kept = await ticketWithFiles();
  const orphan = attachmentKey(randomUUID(), 1, randomUUID());
  await app.deskgate.storage.put(orphan, Readable.from([sampleFile('png', 100)]), 'image/png');
  const partial = path.join(app.dataDir, 'files', attachmentKey(randomUUID(), 1, randomUUID()) + '.partial');
  await fs.mkdir(path.dirname(partial), { recursive: true });
  await fs.writeFile(partial, 'half a file');

  assert.equal(await retention(0).sweepOrphans(), 0, 'young orphans may still be uploads in progress');
  assert.ok(await exists(orphan));

  assert.equal(await retention(0, ORPHAN_AGE_MS + 60_000).sweepOrphans(), 2);
  assert.equal(await exists(orphan), false);
  await assert.rejects(fs.access(partial));
  for (const key of kept.keys) assert.ok(await exists(key), 'objects with a row are kept');
});
