import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client, paginateListObjectsV2 } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { StorageConfig } from '../config.js';
import type { ObjectStorage } from './storage.js';

type S3Settings = Extract<StorageConfig, { kind: 's3' }>;

// S3's smallest multipart part. With two parts in flight an upload holds at most
// ~10 MiB of a file in memory, whatever the file's size.
const PART_BYTES = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;

/**
 * Objects in an S3-compatible bucket (AWS, MinIO, Ceph, R2...). Uploads stream
 * as multipart uploads of unknown length; a failed or aborted upload is
 * aborted on the server, so it never becomes a visible object.
 */
export function createS3Storage(settings: S3Settings): ObjectStorage {
  const client = new S3Client({
    region: settings.region,
    endpoint: settings.endpoint ?? undefined,
    forcePathStyle: settings.forcePathStyle,
    credentials: settings.credentials ?? undefined,
    // Checksums only where S3 requires them: many S3-compatible servers reject the newer trailing-checksum uploads.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const Bucket = settings.bucket;
  const objectKey = (key: string) => settings.prefix + key;

  return {
    kind: 's3',
    async put(key, body, contentType) {
      const upload = new Upload({
        client,
        params: { Bucket, Key: objectKey(key), Body: body, ContentType: contentType },
        partSize: PART_BYTES,
        queueSize: PARTS_IN_FLIGHT,
        leavePartsOnError: false,
      });
      // Upload reads `body` itself; an error on it fails the upload (and aborts the multipart upload).
      await upload.done();
    },
    async get(key) {
      const { Body } = await client.send(new GetObjectCommand({ Bucket, Key: objectKey(key) }));
      if (!Body) throw new Error(`Object ${key} has no body`);
      return Body as Readable;
    },
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket, Key: objectKey(key) }));
    },
    async *list(prefix) {
      for await (const page of paginateListObjectsV2({ client }, { Bucket, Prefix: objectKey(prefix) })) {
        for (const object of page.Contents ?? []) {
          if (!object.Key) continue;
          yield { key: object.Key.slice(settings.prefix.length), modifiedAt: object.LastModified ?? new Date(0) };
        }
      }
    },
    async checkWritable() {
      const probe = objectKey(`.probe-${process.pid}-${Date.now()}`);
      await client.send(new PutObjectCommand({ Bucket, Key: probe, Body: 'ok' }));
      await client.send(new DeleteObjectCommand({ Bucket, Key: probe }));
    },
  };
}
