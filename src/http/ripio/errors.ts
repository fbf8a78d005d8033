import type { AppError, AppErrorKind, Violation } from '../../domain/errors.js';
import { dialectErrorHandler, type RenderedError } from '../errors.js';

/** The Ripio `ErrorResponse`: `{code, type, detail, status}`. */
export interface RipioError {
  code: number;
  type: string;
  detail: Record<string, unknown>;
  status: number;
}

/** The catalogue: every error the Ripio dialect can answer, with its stable code. */
const CATALOGUE: Record<AppErrorKind | 'route_not_found' | 'method_not_allowed' | 'server_error', { status: number; code: number; type: string; message?: string }> = {
  validation: { status: 400, code: 20000, type: 'ValidationError' },
  malformed_body: { status: 400, code: 20001, type: 'ParseError' },
  customer_without_email: { status: 400, code: 20014, type: 'EmailRequiredException', message: 'The customer must have an email setup.' },
  not_authenticated: { status: 401, code: 40001, type: 'NotAuthenticated', message: 'Authentication credentials were not provided.' },
  malformed_credentials: { status: 401, code: 40002, type: 'AuthenticationFailed', message: 'Incorrect authentication credentials.' },
  authentication_failed: { status: 401, code: 40002, type: 'AuthenticationFailed', message: 'Incorrect authentication credentials.' },
  support_tickets_disabled: { status: 403, code: 20061, type: 'SupportTicketsNotEnabledException', message: 'Support tickets are not enabled for this account.' },
  ticket_not_found: { status: 404, code: 40017, type: 'SupportTicketNotFoundException', message: 'Support ticket not found.' },
  customer_not_found: { status: 404, code: 40016, type: 'CustomerNotFoundException', message: 'Customer not found.' },
  webhook_endpoint_not_found: { status: 404, code: 40018, type: 'WebhookEndpointNotFoundException', message: 'Webhook endpoint not found.' },
  webhook_delivery_not_found: { status: 404, code: 40019, type: 'WebhookDeliveryNotFoundException', message: 'Webhook delivery not found.' },
  webhook_endpoint_disabled: {
    status: 409,
    code: 20070,
    type: 'WebhookEndpointDisabledException',
    message: 'The webhook endpoint is disabled; enable it before replaying deliveries.',
  },
  payment_not_found: { status: 404, code: 40400, type: 'NotFound', message: 'Not found.' },
  not_found: { status: 404, code: 40400, type: 'NotFound', message: 'Not found.' },
  route_not_found: { status: 404, code: 40400, type: 'NotFound', message: 'Not found.' },
  method_not_allowed: { status: 405, code: 40500, type: 'MethodNotAllowed' },
  payload_too_large: { status: 413, code: 20002, type: 'PayloadTooLarge', message: 'Request body is too large.' },
  idempotency_key_reused: {
    status: 422,
    code: 20003,
    type: 'IdempotencyKeyReused',
    message: 'This Idempotency-Key was already used with a different request.',
  },
  idempotency_key_in_flight: {
    status: 409,
    code: 20004,
    type: 'IdempotencyKeyInFlight',
    message: 'A request with this Idempotency-Key is still being processed; retry later.',
  },
  throttled: { status: 429, code: 42900, type: 'Throttled' },
  server_error: { status: 500, code: 50000, type: 'ServerError', message: 'A server error occurred.' },
};

const AUTH_CODES: Partial<Record<AppErrorKind, string>> = {
  not_authenticated: 'not_authenticated',
  malformed_credentials: 'authentication_failed',
  authentication_failed: 'authentication_failed',
};

/** DRF-style wording for each broken rule. */
function message(v: Violation): string {
  const p = v.params ?? {};
  switch (v.rule) {
    case 'required':
      return 'This field is required.';
    case 'blank':
      return 'This field may not be blank.';
    case 'max_length':
      return `Ensure this field has no more than ${p.max} characters.`;
    case 'invalid_uuid':
      return 'Must be a valid UUID.';
    case 'invalid_choice':
      return `"${p.value}" is not a valid choice.`;
    case 'invalid_email':
      return 'Enter a valid email address.';
    case 'invalid_type':
      return `Not a valid ${p.expected ?? 'value'}.`;
    case 'duplicate':
      return 'This list may not contain duplicates.';
    case 'too_many_items':
      return `Ensure this field has no more than ${p.max} elements.`;
    case 'too_many_files':
      return `A maximum of ${p.max} files is allowed per request.`;
    case 'file_too_large':
      return `File "${p.name}" exceeds the maximum size of 25 MB per file.`;
    case 'files_too_large':
      return 'The attachments exceed the maximum total size of 50 MB.';
    case 'extension_not_allowed':
      return `File extension "${p.extension}" is not allowed. Allowed extensions are: ${p.allowed}.`;
    case 'content_mismatch':
      return `File "${p.name}" content does not match its extension.`;
    case 'empty_file':
      return `The submitted file "${p.name}" is empty.`;
    case 'customer_not_found':
      return 'Customer does not exist.';
    case 'invalid':
      return String(p.message ?? 'Invalid value.');
  }
}

function fieldErrors(violations: Violation[]): Record<string, string[]> {
  const detail: Record<string, string[]> = {};
  // DRF names errors about the body as a whole `non_field_errors`.
  for (const v of violations) (detail[v.field || 'non_field_errors'] ??= []).push(message(v));
  return detail;
}

export function renderRipioError(kind: keyof typeof CATALOGUE, options: { violations?: Violation[]; message?: string } = {}): RipioError {
  const entry = CATALOGUE[kind];
  const authCode = AUTH_CODES[kind as AppErrorKind];
  let detail: Record<string, unknown>;
  if (kind === 'validation') detail = fieldErrors(options.violations ?? []);
  else detail = { message: options.message ?? entry.message ?? kind, ...(authCode ? { code: authCode } : {}) };
  return { code: entry.code, type: entry.type, detail, status: entry.status };
}

/** The error's own message, if it has one; a throttled request gets DRF's wording. */
function messageOf(error: AppError): string | undefined {
  if (error.kind === 'throttled') return `Request was throttled. Expected available in ${error.retryAfterSeconds ?? 1} seconds.`;
  return error.message !== error.kind ? error.message : undefined;
}

/** The one error handler of the Ripio dialect. */
export const ripioErrorHandler = dialectErrorHandler((error) => {
  const body = error ? renderRipioError(error.kind, { violations: error.violations, message: messageOf(error) }) : renderRipioError('server_error');
  return { status: body.status, body };
});

export function ripioNotFound(allowedMethods: string[], method: string): RenderedError {
  const body =
    allowedMethods.length > 0 ? renderRipioError('method_not_allowed', { message: `Method "${method}" not allowed.` }) : renderRipioError('route_not_found');
  return { status: body.status, body };
}
