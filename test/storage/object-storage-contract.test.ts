import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createLocalStorage } from '../../src/storage/local.js';
import { createS3Storage } from '../../src/storage/s3.js';
import type { ObjectStorage } from '../../src/storage/storage.js';
import { startTestS3 } from '../support/s3.js';

// One contract, every backend: deskgate must not care where the bytes live.
interface Backend {
  name: string;
  open(): Promise<{ storage: ObjectStorage; close(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'local',
    async open() {
      const root = await fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-local-storage-'));
      return { storage: createLocalStorage(root), close: () => fs.rm(root, { recursive: true, force: true }) };
    },
  },
  {
    name: 's3',
    async open() {
      // A key prefix, so the tests also prove it is added on write and stripped on list.
      const s3 = await startTestS3({ prefix: 'deskgate/prod/' });
      return { storage: createS3Storage(s3.settings), close: () => s3.close() };
    },
  },
];

async function read(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function keys(storage: ObjectStorage, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const object of storage.list(prefix)) found.push(object.key);
  return found.sort();
}

/** `size` bytes in 64 KiB chunks, never all in memory; `failAfter` errors the stream mid-way. */
function generated(size: number, options: { failAfter?: number } = {}) {
  const hash = createHash('sha256');
  const chunk = randomBytes(64 * 1024);
  async function* chunks() {
    for (let sent = 0; sent < size; sent += chunk.length) {
      if (options.failAfter !== undefined && sent >= options.failAfter) throw new Error('client went away');
      const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
      hash.update(piece);
      yield piece;
    }
  }
  return { stream: Readable.from(chunks()), sha256: () => hash.digest('hex') };
}

for (const backend of backends) {
  describe(`ObjectStorage contract: ${backend.name}`, () => {
    let storage: ObjectStorage;
    let close: () => Promise<void>;
    before(async () => ({ storage, close } = await backend.open()));
    after(() => close());

    test('put then get returns the same bytes; list shows the key with its time', async () => {
      const bytes = randomBytes(3000);
      const startedAt = Date.now();
      await storage.put('roundtrip/a/1-x', Readable.from([bytes]), 'image/png');
      assert.deepEqual(await read(await storage.get('roundtrip/a/1-x')), bytes);
      const listed = [];
      for await (const object of storage.list('roundtrip/')) listed.push(object);
      assert.deepEqual(listed.map((o) => o.key), ['roundtrip/a/1-x']);
      // Object stores keep whole seconds.
      assert.ok(Math.abs(listed[0]!.modifiedAt.getTime() - startedAt) < 5_000, `modifiedAt ${listed[0]!.modifiedAt.toISOString()} is now`);
    });

    test('a 12 MiB stream round-trips (several multipart parts on S3)', async () => {
      const body = generated(12 * 1024 * 1024);
      await storage.put('big/file', body.stream, 'video/mp4');
      const back = createHash('sha256');
      for await (const chunk of await storage.get('big/file')) back.update(chunk as Buffer);
      assert.equal(back.digest('hex'), body.sha256());
    });

    test('put replaces an existing object', async () => {
      await storage.put('replace/k', Readable.from([Buffer.from('first')]), 'application/pdf');
      await storage.put('replace/k', Readable.from([Buffer.from('second')]), 'application/pdf');
      assert.equal((await read(await storage.get('replace/k'))).toString(), 'second');
    });

    test('delete removes the object; deleting a missing key is fine; get of a missing key fails', async () => {
      await storage.put('gone/k', Readable.from([Buffer.from('bytes')]), 'application/pdf');
      await storage.delete('gone/k');
      await storage.delete('gone/k');
      await storage.delete('gone/never-existed');
      assert.deepEqual(await keys(storage, 'gone/'), []);
      await assert.rejects(async () => read(await storage.get('gone/k')));
    });

    test('list returns only keys under the prefix, nested ones included', async () => {
      for (const key of ['scope/t1/1-a', 'scope/t1/2-b', 'scope/t2/1-c', 'scoped-not/x', 'other/y']) {
        await storage.put(key, Readable.from([Buffer.from(key)]), 'application/pdf');
      }
      assert.deepEqual(await keys(storage, 'scope/'), ['scope/t1/1-a', 'scope/t1/2-b', 'scope/t2/1-c']);
      assert.deepEqual(await keys(storage, 'nothing-here/'), []);
    });

    test('a put whose stream fails rejects and leaves no object behind', async () => {
      const body = generated(8 * 1024 * 1024, { failAfter: 6 * 1024 * 1024 });
      await assert.rejects(storage.put('failed/k', body.stream, 'video/mp4'));
      assert.deepEqual(await keys(storage, 'failed/'), []);
    });

    test('checkWritable succeeds and leaves nothing behind', async () => {
      const before = await keys(storage, '');
      await storage.checkWritable();
      assert.deepEqual(await keys(storage, ''), before);
    });
  });
}
