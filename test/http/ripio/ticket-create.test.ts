import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { eventually, startTestApp, type TestApp } from '../../support/app.js';
import { sampleFile } from '../../support/files.js';
import { multipartPieces, streamUpload } from '../../support/raw-upload.js';
import { api, createCustomer, createPartner, createTicket, ticketForm, type Partner } from '../../support/ripio.js';

const MiB = 1024 * 1024;
let app: TestApp;
let partner: Partner;
let customerId: string;

before(async () => {
  app = await startTestApp({ worker: false });
  partner = await createPartner(app);
  customerId = await createCustomer(app, partner);
});
after(() => app.close());

/** Every rejected request must leave no ticket row and no stored file. */
async function assertNothingLeftBehind() {
  const { db } = app.deskgate.database;
  const tickets = await db.selectFrom('tickets').select('id').execute();
  const attachments = await db.selectFrom('attachments').select('id').execute();
  const files = (await fs.readdir(path.join(app.dataDir, 'files'), { recursive: true }).catch(() => [] as string[])) as string[];
  const stored = [];
  for (const f of files) if ((await fs.stat(path.join(app.dataDir, 'files', f))).isFile()) stored.push(f);
  assert.deepEqual({ tickets: tickets.length, attachments: attachments.length, files: stored }, { tickets: 0, attachments: 0, files: [] });
}

beforeEach(async () => {
  const { db } = app.deskgate.database;
  await db.deleteFrom('idempotency_keys').execute();
  await db.deleteFrom('tickets').execute();
  await fs.rm(path.join(app.dataDir, 'files'), { recursive: true, force: true });
});

const valid = () => ({ customerId, summary: 'Payment not received', description: 'Transfer of 100 USD on Monday never arrived.' });

async function expect400(form: FormData, detail: Record<string, string[]>) {
  const res = await createTicket(app, partner, form);
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.deepEqual(res.body, { code: 20000, type: 'ValidationError', detail, status: 400 });
  await assertNothingLeftBehind();
}

test('202 {ticketId, status: PENDING, issueKey: null}; attachments are stored intact with a sniffed content type', async () => {
  const png = sampleFile('png', 300_000);
  const pdf = sampleFile('pdf', 5_000);
  const res = await createTicket(app, partner, ticketForm(valid(), [{ name: 'shot.png', bytes: png }, { name: 'doc.pdf', bytes: pdf, type: 'image/png' }]));
  assert.equal(res.status, 202);
  assert.deepEqual(res.body, { ticketId: res.body.ticketId, status: 'PENDING', issueKey: null });
  const rows = await app.deskgate.database.db.selectFrom('attachments').selectAll().where('ticket_id', '=', res.body.ticketId).orderBy('position').execute();
  assert.deepEqual(
    rows.map((r) => [r.filename, r.content_type, r.size_bytes, r.sha256]),
    [
      ['shot.png', 'image/png', png.length, createHash('sha256').update(png).digest('hex')],
      ['doc.pdf', 'application/pdf', pdf.length, createHash('sha256').update(pdf).digest('hex')],
    ],
  );
  const stored = await fs.readFile(path.join(app.dataDir, 'files', rows[0]!.storage_key));
  assert.ok(stored.equals(png));
  const ticket = await app.deskgate.database.db.selectFrom('tickets').selectAll().executeTakeFirstOrThrow();
  assert.equal(ticket.requester_email, 'customer@example.com');
});

test('all nine extensions are accepted, case-insensitively, with matching leading bytes', async () => {
  const exts = ['jpg', 'JPEG', 'Png', 'webp', 'mp4', 'MOV', 'avi', 'webm', 'PDF'];
  for (let i = 0; i < exts.length; i += 5) {
    const files = exts.slice(i, i + 5).map((ext) => ({ name: `file.${ext}`, bytes: sampleFile(ext, 2048) }));
    const res = await createTicket(app, partner, ticketForm(valid(), files));
    assert.equal(res.status, 202, `${exts.slice(i, i + 5)}: ${JSON.stringify(res.body)}`);
  }
});

test('a ticket without attachments is fine', async () => {
  assert.equal((await createTicket(app, partner, ticketForm(valid()))).status, 202);
});

test('missing fields: each is "This field is required."', async () => {
  await expect400(ticketForm({}), {
    customerId: ['This field is required.'],
    summary: ['This field is required.'],
    description: ['This field is required.'],
  });
});

test('summary over 240 and description over 5000 characters, blank summary, malformed customerId', async () => {
  await expect400(ticketForm({ ...valid(), summary: 'é'.repeat(241), description: 'x'.repeat(5001) }), {
    summary: ['Ensure this field has no more than 240 characters.'],
    description: ['Ensure this field has no more than 5000 characters.'],
  });
  await expect400(ticketForm({ ...valid(), summary: '   ', customerId: '1234' }), {
    customerId: ['Must be a valid UUID.'],
    summary: ['This field may not be blank.'],
  });
  // Exactly at the limits is fine (counted in characters, not bytes).
  assert.equal((await createTicket(app, partner, ticketForm({ ...valid(), summary: 'é'.repeat(240), description: '€'.repeat(5000) }))).status, 202);
});

test('more than 5 files: the seed message, and nothing stored', async () => {
  const files = Array.from({ length: 6 }, (_, i) => ({ name: `f${i}.png`, bytes: sampleFile('png', 1000) }));
  await expect400(ticketForm(valid(), files), { files: ['A maximum of 5 files is allowed per request.'] });
});

test('disallowed extensions, no extension, and leading bytes that do not match the extension', async () => {
  await expect400(ticketForm(valid(), [{ name: 'ok.png', bytes: sampleFile('png') }, { name: 'virus.exe', bytes: sampleFile('pdf') }]), {
    files: ['File extension "exe" is not allowed. Allowed extensions are: jpg, jpeg, png, webp, mp4, mov, avi, webm, pdf.'],
  });
  await expect400(ticketForm(valid(), [{ name: 'README', bytes: sampleFile('pdf') }]), {
    files: ['File extension "" is not allowed. Allowed extensions are: jpg, jpeg, png, webp, mp4, mov, avi, webm, pdf.'],
  });
  await expect400(ticketForm(valid(), [{ name: 'fake.pdf', bytes: sampleFile('png') }]), { files: ['File "fake.pdf" content does not match its extension.'] });
  await expect400(ticketForm(valid(), [{ name: 'tiny.jpg', bytes: Buffer.from([0xff, 0xd8]) }]), { files: ['File "tiny.jpg" content does not match its extension.'] });
  await expect400(ticketForm(valid(), [{ name: 'empty.png', bytes: Buffer.alloc(0) }]), { files: ['The submitted file "empty.png" is empty.'] });
});

test('a file over 25 MiB is refused while streaming; exactly 25 MiB is accepted', async () => {
  const over = multipartPieces(valid(), [{ name: 'big.mp4', head: sampleFile('mp4', 16), size: 25 * MiB + 1 }]);
  const res = await streamUpload(`${app.url}/api/v1/supportTickets/`, partner.token, over);
  assert.deepEqual(res, { status: 400, body: { code: 20000, type: 'ValidationError', detail: { files: ['File "big.mp4" exceeds the maximum size of 25 MB per file.'] }, status: 400 } });
  await assertNothingLeftBehind();

  const exact = multipartPieces(valid(), [{ name: 'big.mp4', head: sampleFile('mp4', 16), size: 25 * MiB }]);
  const ok = await streamUpload(`${app.url}/api/v1/supportTickets/`, partner.token, exact);
  assert.equal('status' in ok && ok.status, 202);
});

test('attachments over 50 MiB in total are refused (within the body cap: 400; beyond it: 413)', async () => {
  const head = sampleFile('mov', 16);
  const total = multipartPieces(valid(), [
    { name: 'a.mov', head, size: 25 * MiB },
    { name: 'b.mov', head, size: 25 * MiB },
    { name: 'c.mov', head, size: MiB / 2 },
  ]);
  const res = await streamUpload(`${app.url}/api/v1/supportTickets/`, partner.token, total);
  assert.deepEqual(res, { status: 400, body: { code: 20000, type: 'ValidationError', detail: { files: ['The attachments exceed the maximum total size of 50 MB.'] }, status: 400 } });
  await assertNothingLeftBehind();

  const huge = multipartPieces(valid(), [1, 2, 3].map((i) => ({ name: `${i}.mov`, head, size: 20 * MiB })));
  const declared = await streamUpload(`${app.url}/api/v1/supportTickets/`, partner.token, huge);
  assert.deepEqual(declared, { status: 413, body: { code: 20002, type: 'PayloadTooLarge', detail: { message: 'Request body is too large.' }, status: 413 } });
  const chunked = await streamUpload(`${app.url}/api/v1/supportTickets/`, partner.token, huge, { chunked: true });
  assert.equal('status' in chunked ? chunked.status : 'aborted', 413);
  await assertNothingLeftBehind();
});

test('a client that disconnects mid-upload leaves nothing behind', async () => {
  const pieces = multipartPieces(valid(), [
    { name: 'a.png', head: sampleFile('png', 16), size: 3 * MiB },
    { name: 'b.png', head: sampleFile('png', 16), size: 10 * MiB },
  ]);
  const res = await streamUpload(`${app.url}/api/v1/supportTickets/`, partner.token, pieces, { abortAfterBytes: 6 * MiB });
  assert.deepEqual(res, { aborted: true });
  await eventually(async () => {
    try {
      await assertNothingLeftBehind();
      return true;
    } catch {
      return false;
    }
  }, 5_000, 'the aborted upload to be cleaned up');
});

test('unknown customer and another account’s customer: the seed’s "Customer does not exist."', async () => {
  const stranger = await createPartner(app, { name: 'Stranger' });
  const theirs = await createCustomer(app, stranger);
  for (const id of [randomUUID(), theirs]) {
    await expect400(ticketForm({ ...valid(), customerId: id }, [{ name: 'a.png', bytes: sampleFile('png') }]), { customerId: ['Customer does not exist.'] });
  }
});

test('a customer without an email: the seed’s 20014 EmailRequiredException', async () => {
  const noEmail = await createCustomer(app, partner, null);
  const res = await createTicket(app, partner, ticketForm({ ...valid(), customerId: noEmail }, [{ name: 'a.png', bytes: sampleFile('png') }]));
  assert.equal(res.status, 400);
  assert.deepEqual(res.body, { code: 20014, type: 'EmailRequiredException', detail: { message: 'The customer must have an email setup.' }, status: 400 });
  await assertNothingLeftBehind();
});

test('check order: 401 before 403 before field rules before customer existence before email', async () => {
  const disabled = await createPartner(app, { enabled: false, name: 'Disabled' });
  const bad = ticketForm({ customerId: 'nope' });
  assert.equal((await api(app, 'POST', '/api/v1/supportTickets/', { body: bad })).status, 401);
  const forbidden = await createTicket(app, disabled, bad);
  assert.equal(forbidden.status, 403);
  assert.deepEqual(forbidden.body, { code: 20061, type: 'SupportTicketsNotEnabledException', detail: { message: 'Support tickets are not enabled for this account.' }, status: 403 });
  // Field errors win over the unknown customer; the unknown customer wins over the missing email.
  const fields = await createTicket(app, partner, ticketForm({ customerId: randomUUID(), summary: '' }));
  assert.deepEqual(Object.keys(fields.body.detail).sort(), ['description', 'summary']);
  await assertNothingLeftBehind();
});

test('a body that is not multipart is a 400 ParseError', async () => {
  const res = await api(app, 'POST', '/api/v1/supportTickets/', { token: partner.token, json: valid() });
  assert.equal(res.status, 400);
  assert.equal(res.body.code, 20001);
  assert.equal(res.body.type, 'ParseError');
  const broken = await fetch(`${app.url}/api/v1/supportTickets/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${partner.token}`, 'content-type': 'multipart/form-data; boundary=xyz' },
    body: '--xyz\r\nContent-Disposition: form-data; name="summary"\r\n\r\nunterminated',
  });
  assert.equal(broken.status, 400);
  assert.equal(((await broken.json()) as any).code, 20001);
  await assertNothingLeftBehind();
});
