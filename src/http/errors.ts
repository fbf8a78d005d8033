import type { FastifyError } from 'fastify';
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
