import http from 'node:http';
import { randomBytes } from 'node:crypto';

/** Hand-built multipart pieces, for uploads that fetch cannot make (huge, chunked, cut off). */
export function multipartPieces(fields: Record<string, string>, files: { name: string; head: Buffer; size: number }[]) {
  const boundary = `----deskgate${randomBytes(8).toString('hex')}`;
  const parts: (Buffer | { head: Buffer; size: number })[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  for (const file of files) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="files"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    parts.push({ head: file.head, size: file.size });
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  const length = parts.reduce((n, p) => n + (Buffer.isBuffer(p) ? p.length : p.size), 0);
  return { boundary, parts, length };
}

/**
 * Streams a multipart body generated on the fly (file bytes are the head then
 * zeros, 64 KiB at a time), so tests can send tens of MiB without holding them.
 * `abortAfterBytes` cuts the connection mid-body; `chunked` omits Content-Length.
 */
export function streamUpload(
  url: string,
  token: string,
  pieces: ReturnType<typeof multipartPieces>,
  options: {
    abortAfterBytes?: number;
    chunked?: boolean;
    headers?: Record<string, string>;
    /** Throttles the body to about this rate, so the upload lasts a while. */
    bytesPerSecond?: number;
    onProgress?: (sentBytes: number) => void;
  } = {},
): Promise<{ status: number; body: any } | { aborted: true }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${pieces.boundary}`,
      ...options.headers,
    };
    if (!options.chunked) headers['content-length'] = String(pieces.length);
    const req = http.request(url, { method: 'POST', headers });
    let sent = 0;
    let finished = false;
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        finished = true;
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : null });
      });
    });
    req.on('error', (error) => {
      if (finished) return;
      if (options.abortAfterBytes !== undefined) resolve({ aborted: true });
      else reject(error);
    });
    const zeros = Buffer.alloc(64 * 1024);
    const startedAt = Date.now();
    const write = async () => {
      for (const piece of pieces.parts) {
        const chunks: Buffer[] = [];
        if (Buffer.isBuffer(piece)) chunks.push(piece);
        else {
          chunks.push(piece.head);
          for (let left = piece.size - piece.head.length; left > 0; left -= zeros.length) chunks.push(zeros.subarray(0, Math.min(left, zeros.length)));
        }
        for (const chunk of chunks) {
          if (req.destroyed) return;
          if (options.abortAfterBytes !== undefined && sent + chunk.length > options.abortAfterBytes) {
            req.destroy();
            return;
          }
          sent += chunk.length;
          if (!req.write(chunk)) await new Promise((r) => req.once('drain', r));
          options.onProgress?.(sent);
          if (options.bytesPerSecond) {
            const due = startedAt + (sent / options.bytesPerSecond) * 1000;
            if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
          }
        }
      }
      req.end();
    };
    write().catch(reject);
  });
}
