import type { Readable } from 'node:stream';

/** Where attachment bytes live: local disk by default, S3-compatible as an option. */
export interface ObjectStorage {
  readonly kind: string;
  /** Streams `body` to `key`; resolves once the object is durable. */
  put(key: string, body: Readable, contentType: string): Promise<void>;
  get(key: string): Promise<Readable>;
  /** Idempotent: deleting a missing key is not an error. */
  delete(key: string): Promise<void>;
  /** Keys under `prefix` (a folder such as `attachments/`, or '' for all) with their last-modified time (for orphan sweeps). */
  list(prefix: string): AsyncIterable<{ key: string; modifiedAt: Date }>;
  /** Writes and removes a probe object (readiness). */
  checkWritable(): Promise<void>;
}
