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
  let tail = Buffer.alloc(0);
  let seen = false;
  const onData = (chunk: Buffer) => {
    const window = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
    if (window.includes(delimiter)) {
      seen = true;
      request.raw.off('data', onData);
      return;
    }
    tail = Buffer.from(window.subarray(Math.max(0, window.length - delimiter.length + 1)));
  };
  request.raw.on('data', onData);
  return () => seen;
}
