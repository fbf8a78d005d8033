import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { sampleFile } from '../support/files.js';
import { api, createTicket, partnerWithCustomer, ticketForm, type Partner } from '../support/ripio.js';
import { startTestS3, type TestS3 } from '../support/s3.js';

let s3: TestS3;
let app: TestApp;
let partner: Partner;
let customerId: string;

before(async () => {
  s3 = await startTestS3();
  app = await startTestApp({ env: s3.env });
  ({ partner, customerId } = await partnerWithCustomer(app));
});
after(async () => {
  await app.close();
  await s3.close();
});

async function storedKeys(): Promise<string[]> {
  const keys: string[] = [];
  for await (const object of app.deskgate.storage.list('attachments/')) keys.push(object.key);
  return keys.sort();
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('a Ripio ticket with attachments keeps them in S3 and is registered from there', async () => {
  assert.equal(app.deskgate.storage.kind, 's3');
  // Bigger than one multipart part, so the upload really is multipart.
  const video = sampleFile('mp4', 7 * 1024 * 1024);
  const pdf = sampleFile('pdf', 40_000);
  const res = await createTicket(
    app,
    partner,
    ticketForm({ customerId, summary: 'Transfer missing', description: 'See attachments.' }, [
      { name: 'screen.mp4', bytes: video },
      { name: 'receipt.pdf', bytes: pdf },
    ]),
  );
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const { ticketId } = res.body;

  const rows = await app.deskgate.database.db.selectFrom('attachments').selectAll().where('ticket_id', '=', ticketId).orderBy('position').execute();
  assert.deepEqual(rows.map((r) => [r.filename, r.size_bytes, r.sha256]), [
    ['screen.mp4', video.length, sha256(video)],
    ['receipt.pdf', pdf.length, sha256(pdf)],
  ]);
  assert.deepEqual(await storedKeys(), rows.map((r) => r.storage_key).sort());
  for (const [row, bytes] of [[rows[0]!, video], [rows[1]!, pdf]] as const) {
    const back = createHash('sha256');
    for await (const chunk of await app.deskgate.storage.get(row.storage_key)) back.update(chunk as Buffer);
    assert.equal(back.digest('hex'), sha256(bytes), `${row.filename} reads back from S3 intact`);
  }

  const created = await eventually(async () => {
    const got = await api(app, 'GET', `/api/v1/supportTickets/${ticketId}/`, { token: partner.token });
    return got.body.status === 'CREATED' && got.body;
  });
  assert.match(created.issueKey, /^SUP-\d+$/);
  const ready = await api(app, 'GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.body.checks.storage, true);
});

test('a rejected upload leaves no object in the bucket', async () => {
  const before = await storedKeys();
  const res = await createTicket(
    app,
    partner,
    ticketForm({ customerId, summary: 'Bad second file', description: 'The PDF is not a PDF.' }, [
      { name: 'screen.mp4', bytes: sampleFile('mp4', 6 * 1024 * 1024) },
      { name: 'receipt.pdf', bytes: sampleFile('png', 5_000) },
    ]),
  );
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.deepEqual(await storedKeys(), before);
});
