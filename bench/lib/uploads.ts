import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { multipartPieces, streamUpload } from '../../test/support/raw-upload.js';
import { sampleFile } from '../../test/support/files.js';

/** A small multipart body held in memory (for autocannon and the paced pipeline). */
export function multipartBody(fields: Record<string, string>, files: { name: string; bytes: Buffer }[]): { body: Buffer; contentType: string } {
  const boundary = `----deskgatebench${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const file of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push(file.bytes, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface UploadRun {
  requests: number;
  bytes: number;
  seconds: number;
  mibPerSec: number;
  problems: string[];
}

const PNG_HEAD = sampleFile('png', 16);

/**
 * `clients` concurrent uploads, each one request carrying `filesPerRequest`
 * files of `fileBytes` generated on the fly (64 KiB at a time, never held),
 * repeated `rounds` times per client, one after another.
 */
export async function concurrentUploads(options: {
  url: string;
  token: string;
  fields: Record<string, string>;
  clients: number;
  rounds: number;
  filesPerRequest: number;
  fileBytes: number;
  expectStatus: number;
  label: string;
}): Promise<UploadRun> {
  const problems: string[] = [];
  let bytes = 0;
  let requests = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: options.clients }, async () => {
      for (let round = 0; round < options.rounds; round += 1) {
        const files = Array.from({ length: options.filesPerRequest }, (_, i) => ({ name: `big-${i + 1}.png`, head: PNG_HEAD, size: options.fileBytes }));
        const pieces = multipartPieces(options.fields, files);
        try {
          const result = await streamUpload(options.url, options.token, pieces);
          requests += 1;
          if ('aborted' in result) problems.push(`${options.label}: upload aborted`);
          else if (result.status !== options.expectStatus) problems.push(`${options.label}: answered ${result.status} ${JSON.stringify(result.body).slice(0, 300)}`);
          else bytes += pieces.length;
        } catch (error) {
          problems.push(`${options.label}: ${(error as Error).message}`);
        }
      }
    }),
  );
  const seconds = (performance.now() - start) / 1000;
  return { requests, bytes, seconds, mibPerSec: bytes / 1024 ** 2 / seconds, problems: [...new Set(problems)] };
}
