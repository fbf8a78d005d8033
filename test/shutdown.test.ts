import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { MAX_FILE_BYTES } from '../src/domain/attachments.js';
import { sampleFile } from './support/files.js';
import { asOperator, processFixture, seedRipioPartner } from './support/operator.js';
import { listeningUrl, spawnDeskgate } from './support/process.js';
import { multipartPieces, streamUpload } from './support/raw-upload.js';
import { requestToken } from './support/ripio.js';

let fixture: Awaited<ReturnType<typeof processFixture>>;
before(async () => (fixture = await processFixture('shutdown')));
after(() => fixture.close());

/** Resolves 'refused' when nothing listens on the port any more, 'accepted' otherwise. */
function connect(url: string): Promise<'refused' | 'accepted'> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    socket.once('connect', () => (socket.destroy(), resolve('accepted')));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : 'accepted'));
  });
}

test('SIGTERM mid-upload: new connections are refused, the 50 MiB upload still gets its 202, and deskgate exits 0', async () => {
  const { env, dataDir } = fixture;
  const { clientId, clientSecret, customerId } = await seedRipioPartner(env, 'Shutdown');
  const proc = spawnDeskgate(['serve'], env);
  const url = await listeningUrl(proc);
  const token = await requestToken({ url }, clientId, clientSecret);

  // Two 25 MiB files: the largest request the API accepts, sent at 16 MiB/s (about 3 s).
  const pieces = multipartPieces({ customerId, summary: 'Big upload', description: 'Sent while deskgate stops.' }, [
    { name: 'screen.mp4', head: sampleFile('mp4', 16), size: MAX_FILE_BYTES },
    { name: 'camera.mov', head: sampleFile('mov', 16), size: MAX_FILE_BYTES },
  ]);
  let sent = 0;
  const upload = streamUpload(`${url}/api/v1/supportTickets/`, token, pieces, { bytesPerSecond: 16 * 1024 * 1024, onProgress: (n) => (sent = n) });

  await new Promise((r) => setTimeout(r, 1_000));
  const sentAtSigterm = sent;
  assert.ok(sentAtSigterm > 0 && sentAtSigterm < pieces.length, `the upload is under way (${sentAtSigterm} of ${pieces.length} bytes)`);
  const signalledAt = Date.now();
  proc.child.kill('SIGTERM');

  let refusedAfterMs = -1;
  for (let waited = 0; waited < 5_000; waited += 50) {
    if ((await connect(url)) === 'refused') {
      refusedAfterMs = Date.now() - signalledAt;
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(refusedAfterMs >= 0, 'new connections are refused after SIGTERM');
  assert.ok(sent < pieces.length, 'refused while the upload was still being sent');

  const result = await upload;
  assert.ok('status' in result && result.status === 202, JSON.stringify(result));
  const exit = await proc.exited;
  assert.deepEqual(exit, { code: 0, signal: null }, proc.output());
  console.log(`# refused new connections ${refusedAfterMs} ms after SIGTERM; upload answered ${Date.now() - signalledAt} ms after it; ${sentAtSigterm} bytes were in at SIGTERM`);

  const stored = await asOperator(env, async (d) => {
    const ticket = await d.database.db.selectFrom('tickets').selectAll().where('id', '=', result.body.ticketId).executeTakeFirstOrThrow();
    const attachments = await d.database.db.selectFrom('attachments').selectAll().where('ticket_id', '=', ticket.id).orderBy('position').execute();
    return { ticket, attachments };
  });
  assert.deepEqual(stored.attachments.map((a) => [a.filename, a.size_bytes]), [
    ['screen.mp4', MAX_FILE_BYTES],
    ['camera.mov', MAX_FILE_BYTES],
  ]);
  for (const attachment of stored.attachments) {
    const stat = await fs.stat(path.join(dataDir, 'files', attachment.storage_key));
    assert.equal(stat.size, MAX_FILE_BYTES, `${attachment.filename} is on disk in full`);
  }
});
