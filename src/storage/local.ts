import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { isUuid } from '../domain/tickets.js';
import type { ObjectStorage } from './storage.js';

const PARTIAL = '.partial';

/**
 * Objects as files under `root`. Each object is written to `<key>.partial`,
 * fsynced (on the handle that wrote it, before it closes), then renamed: a
 * crash never leaves a half-written object under its real name.
 */
export function createLocalStorage(root: string): ObjectStorage {
  const resolve = (key: string) => {
    const full = path.resolve(root, key);
    if (!full.startsWith(path.resolve(root) + path.sep)) throw new Error(`Storage key escapes the storage root: ${key}`);
    return full;
  };

  /** The object's `.partial` file, opened for writing; its folder is created only when missing (rarely: 256 shared folders). */
  async function openPartial(partial: string) {
    try {
      return await fs.open(partial, 'w', 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await fs.mkdir(path.dirname(partial), { recursive: true });
      return fs.open(partial, 'w', 0o600);
    }
  }

  return {
    kind: 'local',
    async put(key, body) {
      const target = resolve(key);
      const partial = target + PARTIAL;
      try {
        const file = await openPartial(partial);
        await pipeline(body, createWriteStream(partial, { fd: file, flush: true }));
        await fs.rename(partial, target);
      } catch (error) {
        // Whoever feeds the body must not wait on a write that will never come.
        body.destroy();
        await fs.rm(partial, { force: true });
        throw error;
      }
    },
    async get(key) {
      const file = resolve(key);
      await fs.access(file);
      return createReadStream(file) as Readable;
    },
    async delete(key) {
      const file = resolve(key);
      await fs.rm(file, { force: true });
      await fs.rm(file + PARTIAL, { force: true });
      // Leave no empty per-ticket folders (named by the ticket's id) of the earlier layout behind; shared folders
      // stay (an upload may be about to use one).
      const folder = path.dirname(file);
      if (isUuid(path.basename(folder))) await fs.rmdir(folder).catch(() => undefined);
    },
    async *list(prefix) {
      // '' lists the whole store, as on S3.
      const base = prefix === '' ? path.resolve(root) : resolve(prefix);
      let entries: string[];
      try {
        entries = (await fs.readdir(base, { recursive: true })) as string[];
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      for (const entry of entries) {
        const full = path.join(base, entry);
        const stat = await fs.stat(full).catch(() => null);
        if (!stat?.isFile()) continue;
        yield { key: path.relative(root, full).split(path.sep).join('/'), modifiedAt: stat.mtime };
      }
    },
    async checkWritable() {
      const probe = resolve(`.probe-${process.pid}-${Date.now()}`);
      await fs.mkdir(root, { recursive: true });
      await fs.writeFile(probe, 'ok');
      await fs.rm(probe, { force: true });
    },
  };
}
