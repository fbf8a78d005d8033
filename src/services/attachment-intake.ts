import { createHash, randomUUID } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import {
  ALLOWED_EXTENSIONS,
  MAX_FILE_BYTES,
  MAX_FILES,
  MAX_TOTAL_BYTES,
  SNIFF_BYTES,
  allowedExtension,
  contentTypeFor,
  extensionOf,
  leadingBytesMatch,
} from '../domain/attachments.js';
import type { Violation } from '../domain/errors.js';
import { attachmentKey } from '../storage/attachment-keys.js';
import type { ObjectStorage } from '../storage/storage.js';

export interface StoredAttachment {
  id: string;
  position: number;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  storageKey: string;
}

/**
 * Takes a ticket's uploaded files one by one while the request streams in:
 * checks count, extension, leading bytes and sizes on the fly, hashes and
 * stores the bytes without holding a file in memory, and can discard
 * everything it stored when the request is rejected or aborted.
 */
export class AttachmentIntake {
  readonly stored: StoredAttachment[] = [];
  readonly violations: Violation[] = [];
  private seen = 0;
  private totalBytes = 0;
  private readonly pendingWrites = new Set<Promise<unknown>>();

  constructor(
    private readonly storage: ObjectStorage,
    private readonly ticketId: string,
  ) {}

  private violate(violation: Violation): void {
    const duplicate = this.violations.some((v) => v.rule === violation.rule && v.params?.name === violation.params?.name);
    if (!duplicate) this.violations.push(violation);
  }

  /** Consumes one file part completely (storing it, or only draining it when it breaks a rule). */
  async accept(filename: string, stream: Readable): Promise<void> {
    this.seen += 1;
    if (this.seen > MAX_FILES) {
      this.violate({ field: 'files', rule: 'too_many_files', params: { max: MAX_FILES } });
      return drain(stream);
    }
    const ext = allowedExtension(filename);
    if (!ext) {
      this.violate({ field: 'files', rule: 'extension_not_allowed', params: { name: filename, extension: extensionOf(filename), allowed: ALLOWED_EXTENSIONS.join(', ') } });
      return drain(stream);
    }
    if (this.violations.length > 0) return drain(stream); // the request is lost already: store nothing more

    const id = randomUUID();
    const position = this.stored.length + 1;
    const storageKey = attachmentKey(this.ticketId, position, id);
    const hash = createHash('sha256');
    const sink = new PassThrough();
    // We end it with an error on purpose when a rule breaks; the storage write reports it.
    sink.on('error', () => undefined);
    const write = this.storage.put(storageKey, sink, contentTypeFor(ext));
    this.track(write);
    let size = 0;
    let head = Buffer.alloc(0);
    let failed: Violation | null = null;

    const fail = (violation: Violation) => {
      failed = violation;
      sink.destroy(new Error(violation.rule));
    };

    try {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (failed) continue; // keep reading so the parser can move on; the bytes go nowhere
      size += chunk.length;
      this.totalBytes += chunk.length;
      if (size > MAX_FILE_BYTES) {
        fail({ field: 'files', rule: 'file_too_large', params: { name: filename, max: MAX_FILE_BYTES } });
        continue;
      }
      if (this.totalBytes > MAX_TOTAL_BYTES) {
        fail({ field: 'files', rule: 'files_too_large', params: { max: MAX_TOTAL_BYTES } });
        continue;
      }
      if (head.length < SNIFF_BYTES) {
        head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
        if (head.length >= SNIFF_BYTES && !leadingBytesMatch(ext, head)) {
          fail({ field: 'files', rule: 'content_mismatch', params: { name: filename, extension: ext } });
          continue;
        }
      }
      hash.update(chunk);
      if (!sink.write(chunk)) await new Promise<void>((resolve) => sink.once('drain', resolve).once('close', resolve));
      }
    } catch (error) {
      // The request died mid-file (client gone, parser error): leave nothing behind.
      sink.destroy(error as Error);
      await write.catch(() => undefined);
      await this.storage.delete(storageKey);
      throw error;
    }
    // Truncation by the parser's own cap shows up as a short stream flagged `truncated`.
    if (!failed && (stream as Readable & { truncated?: boolean }).truncated) {
      fail({ field: 'files', rule: 'file_too_large', params: { name: filename, max: MAX_FILE_BYTES } });
    }
    if (!failed && size === 0) fail({ field: 'files', rule: 'empty_file', params: { name: filename } });
    if (!failed && !leadingBytesMatch(ext, head)) fail({ field: 'files', rule: 'content_mismatch', params: { name: filename, extension: ext } });

    if (failed) {
      this.violate(failed);
      await write.catch(() => undefined);
      await this.storage.delete(storageKey);
      return;
    }
    sink.end();
    await write;
    this.stored.push({ id, position, filename, contentType: contentTypeFor(ext), size, sha256: hash.digest('hex'), storageKey });
  }

  private track(write: Promise<unknown>): void {
    const settled = write.catch(() => undefined).finally(() => this.pendingWrites.delete(settled));
    this.pendingWrites.add(settled);
  }

  /** Removes every object this intake stored (rejected, replayed or aborted request). */
  async discard(): Promise<void> {
    await Promise.all(this.pendingWrites);
    await Promise.all(this.stored.map((a) => this.storage.delete(a.storageKey)));
    this.stored.length = 0;
  }
}

async function drain(stream: Readable): Promise<void> {
  for await (const _chunk of stream) {
    // discard
  }
}
