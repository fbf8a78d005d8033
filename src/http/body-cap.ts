import type { FastifyRequest } from 'fastify';
import { AppError } from '../domain/errors.js';

/** Refuses a declared Content-Length over the cap before a byte of the body is read. */
export function rejectDeclaredOversize(request: FastifyRequest, maxBytes: number): void {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new AppError('payload_too_large');
}

/**
 * Counts a streamed body (chunked bodies declare no length) and stops the
 * multipart parser, through the request's error path, once it passes the cap.
 * Attach it in the same tick as the parser: a 'data' listener starts the flow.
 * Returns a probe telling whether the cap was hit.
 */
export function countBodyAgainstCap(request: FastifyRequest, maxBytes: number): () => boolean {
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
