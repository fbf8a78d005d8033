import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';

/**
 * Hard cap on a streamed request body. A declared Content-Length over the cap
 * is refused before reading a byte; a chunked body is counted as it arrives
 * and the multipart parser is stopped (via the request's error path) once it
 * passes the cap. Returns a probe telling whether the cap was hit.
 */
export function capRequestBody(request: FastifyRequest, maxBytes: number): () => boolean {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new AppError('payload_too_large');
  let received = 0;
  let exceeded = false;
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > maxBytes && !exceeded) {
      exceeded = true;
      request.raw.off('data', onData);
      request.raw.emit('error', new AppError('payload_too_large'));
    }
  };
  request.raw.on('data', onData);
  return () => exceeded;
}
