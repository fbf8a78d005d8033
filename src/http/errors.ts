import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, validationError } from '../domain/errors.js';
import { violationsFromValidation } from './validation.js';

/**
 * Fastify's own failures (schema validation, body parsing, size limits) as
 * dialect-neutral errors, so each dialect renders them like its other errors.
 * Anything unrecognised stays as it is: an unexpected failure (500).
 */
export function asAppError(error: FastifyError | AppError): AppError | FastifyError {
  if (error instanceof AppError) return error;
  if (error.validation) return validationError(violationsFromValidation(error.validation, error.validationContext));
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError('payload_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError('malformed_body', 'Unsupported media type in request.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new AppError('malformed_body', 'JSON parse error - the request body is not valid JSON.');
  }
  if (error instanceof SyntaxError || error.statusCode === 400) return new AppError('malformed_body', 'Malformed request body.');
  return error;
}

/** What a dialect answers for an error: the HTTP status and its own error body. */
export interface RenderedError {
  status: number;
  body: unknown;
}

/**
 * A dialect's error handler: `render` turns a known error (or null for an
 * unexpected one) into the dialect's body; the HTTP details are shared.
 */
export function dialectErrorHandler(render: (error: AppError | null) => RenderedError) {
  return (raised: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) => {
    const error = asAppError(raised);
    const known = error instanceof AppError ? error : null;
    const { status, body } = render(known);
    if (known?.retryAfterSeconds != null) reply.header('retry-after', String(known.retryAfterSeconds));
    if (status >= 500) request.log.error({ err: raised }, 'request failed');
    // The rest of an oversized body, or of one refused before it was read (e.g. a throttled upload),
    // is not read: closing beats draining megabytes just to reuse the connection.
    if (status === 413 || !request.raw.complete) reply.header('connection', 'close');
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  };
}
