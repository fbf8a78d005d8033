import type { FastifyRequest } from 'fastify';

/**
 * The multipart parser accepts a body that stops before its closing boundary
 * (truncated or garbage) as an empty form. Watching the raw stream for the
 * closing delimiter lets us answer "not valid multipart" instead.
 */
export function watchClosingBoundary(request: FastifyRequest): () => boolean {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(request.headers['content-type'] ?? '');
  const boundary = match?.[1] ?? match?.[2]?.trim();
  if (!boundary) return () => false;
  const delimiter = Buffer.from(`--${boundary}--`);
  // The last bytes seen, fewer than a delimiter: a delimiter split across chunks starts there.
  let tail = Buffer.alloc(0);
  let seen = false;
  const onData = (chunk: Buffer) => {
    // Only the seam is copied, never the chunk itself.
    const seam = tail.length > 0 ? Buffer.concat([tail, chunk.subarray(0, delimiter.length - 1)]) : null;
    if ((seam && seam.includes(delimiter)) || chunk.includes(delimiter)) {
      seen = true;
      request.raw.off('data', onData);
      return;
    }
    const keep = delimiter.length - 1;
    tail = chunk.length >= keep ? Buffer.from(chunk.subarray(chunk.length - keep)) : Buffer.concat([tail, chunk]).subarray(-keep);
  };
  request.raw.on('data', onData);
  return () => seen;
}
