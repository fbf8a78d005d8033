import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { attachmentKey, ticketIdOfKey } from '../../src/storage/attachment-keys.js';
import { createLocalStorage } from '../../src/storage/local.js';

const ticketId = '3f2b9c4e-8a1d-4e5f-9b6a-7c8d9e0f1a2b';
const attachmentId = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d';

test('attachment keys share 256 folders named by the ticket id\'s first two characters', () => {
  assert.equal(attachmentKey(ticketId, 2, attachmentId), `attachments/3f/${ticketId}-2-${attachmentId}`);
});

test('the ticket of a key is found in both layouts, and in nothing else', () => {
  assert.equal(ticketIdOfKey(attachmentKey(ticketId, 1, attachmentId)), ticketId);
  // The earlier layout: one folder per ticket.
  assert.equal(ticketIdOfKey(`attachments/${ticketId}/1-${attachmentId}`), ticketId);
  assert.equal(ticketIdOfKey(`attachments/3f/not-a-ticket-1-${attachmentId}`), null);
  assert.equal(ticketIdOfKey(`other/${ticketId}/1-${attachmentId}`), null);
  assert.equal(ticketIdOfKey('attachments/'), null);
});

test('local disk: deleting an attachment keeps its shared folder, removes an emptied per-ticket folder of the earlier layout; a missing folder is created by the next upload', async () => {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-keys-'));
  try {
    const storage = createLocalStorage(root);
    const key = attachmentKey(randomUUID(), 1, randomUUID());
    const oldKey = `attachments/${randomUUID()}/1-${randomUUID()}`;
    for (const k of [key, oldKey]) await storage.put(k, Readable.from([Buffer.from('bytes')]), 'application/pdf');
    assert.equal(await fs.readFile(path.join(root, key), 'utf8'), 'bytes');
    await storage.delete(key);
    await storage.delete(oldKey);
    await assert.rejects(fs.access(path.join(root, key)));
    await fs.access(path.dirname(path.join(root, key)));
    await assert.rejects(fs.access(path.dirname(path.join(root, oldKey))));
    // A folder removed behind the storage's back is created again by the next upload.
    await fs.rm(path.join(root, 'attachments'), { recursive: true });
    const again = attachmentKey(randomUUID(), 1, randomUUID());
    await storage.put(again, Readable.from([Buffer.from('again')]), 'application/pdf');
    assert.equal(await fs.readFile(path.join(root, again), 'utf8'), 'again');
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
});
