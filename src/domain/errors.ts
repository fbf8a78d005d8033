/**
 * Dialect-neutral failures. Each HTTP dialect renders them in its own error
 * format (src/http/ripio/errors.ts, src/http/cpn/errors.ts); the domain never
 * decides wording or status codes.
 */

/** One broken rule on one input field. */
export interface Violation {
  field: string;
  rule:
    | 'required'
    | 'blank'
    | 'max_length'
    | 'invalid_uuid'
    | 'invalid_choice'
    | 'invalid_email'
    | 'invalid_type'
    | 'duplicate'
    | 'too_many_items'
    | 'too_many_files'
    | 'file_too_large'
    | 'files_too_large'
    | 'extension_not_allowed'
    | 'content_mismatch'
    | 'empty_file'
    | 'customer_not_found'
    | 'invalid';
  /** Values the message may quote (limits, the offending value, a file name). */
  params?: Record<string, string | number>;
}

export type AppErrorKind =
  | 'validation'
  | 'malformed_body'
  | 'payload_too_large'
  | 'not_authenticated'
  /** Credentials given, but not in the dialect's shape (e.g. an API key without three parts). */
  | 'malformed_credentials'
  | 'authentication_failed'
  | 'support_tickets_disabled'
  | 'ticket_not_found'
  | 'customer_not_found'
  | 'customer_without_email'
  | 'payment_not_found'
  | 'not_found'
  | 'idempotency_key_reused'
  | 'idempotency_key_in_flight'
  | 'webhook_endpoint_not_found'
  | 'webhook_delivery_not_found'
  | 'webhook_endpoint_disabled'
  | 'throttled';

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly kind: AppErrorKind,
    message: string = kind,
    readonly violations: Violation[] = [],
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(message);
  }
}

export function validationError(violations: Violation[]): AppError {
  return new AppError('validation', 'Invalid request', violations);
}
