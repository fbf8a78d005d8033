import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import { loadConfig, type StorageConfig } from '../../src/config.js';

export interface TestS3 {
  /** DESKGATE_* settings pointing deskgate at this server's bucket. */
  env: Record<string, string>;
  /** The same settings, parsed. */
  settings: Extract<StorageConfig, { kind: 's3' }>;
  close(): Promise<void>;
}

/** A local S3-compatible server (s3rver) on a free loopback port with one empty bucket. */
export async function startTestS3(options: { prefix?: string } = {}): Promise<TestS3> {
  const directory = await fs.mkdtemp(path.join(os.tmpdir(), 'deskgate-s3-'));
  const bucket = 'deskgate-test';
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const env = {
    DESKGATE_STORAGE: 's3',
    DESKGATE_S3_ENDPOINT: `http://127.0.0.1:${port}`,
    DESKGATE_S3_REGION: 'us-east-1',
    DESKGATE_S3_BUCKET: bucket,
    // s3rver's fixed credentials.
    DESKGATE_S3_ACCESS_KEY_ID: 'S3RVER',
    DESKGATE_S3_SECRET_ACCESS_KEY: 'S3RVER',
    DESKGATE_S3_FORCE_PATH_STYLE: 'true',
    DESKGATE_S3_PREFIX: options.prefix ?? '',
  };
  const { storage } = loadConfig(env);
  if (storage.kind !== 's3') throw new Error('unreachable: the settings above select s3');
  return {
    env,
    settings: storage,
    async close() {
      await server.close();
      await fs.rm(directory, { recursive: true, force: true });
    },
  };
}
