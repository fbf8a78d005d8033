import type { AppErrorKind, Violation } from '../../domain/errors.js';
import { dialectErrorHandler, type RenderedError } from '../errors.js';
import type { CpnError } from './schemas.js';

const IDEMPOTENCY_CONFLICT = { status: 409, code: 290001, message: 'A request with this idempotency key has already been processed.' };

/**
 * The catalogue: every error the CPN dialect can answer, as Circle's `Error`
 * `{code, message, errors?}`. Codes are Circle's `ErrorCode`s (2 invalid
 * request, 3 forbidden, 290001 idempotency, -1 unknown) or, where Circle's
 * own responses do so (401, 404, 429), the HTTP status. A missing payment is
 * code 404 (SPEC §3) with the wording of Circle's 290600.
 */
const CATALOGUE: Record<AppErrorKind | 'route_not_found' | 'method_not_allowed' | 'server_error', { status: number; code: number; message: string }> = {
  validation: { status: 400, code: 2, message: 'Invalid request.' },
  malformed_body: { status: 400, code: 2, message: 'Malformed request body.' },
  customer_without_email: { status: 400, code: 2, message: 'The customer must have an email setup.' },
  not_authenticated: { status: 401, code: 401, message: 'Malformed authorization.' },
  malformed_credentials: { status: 401, code: 401, message: 'Malformed key. Does it contain three parts?' },
  authentication_failed: { status: 401, code: 401, message: 'Invalid credentials.' },
  support_tickets_disabled: { status: 403, code: 3, message: 'Support tickets are not enabled for this account.' },
  ticket_not_found: { status: 404, code: 404, message: 'Support ticket not found.' },
  payment_not_found: { status: 404, code: 404, message: 'Payment not found with provided ID.' },
  customer_not_found: { status: 404, code: 404, message: 'Not found.' },
  not_found: { status: 404, code: 404, message: 'Not found.' },
  webhook_endpoint_not_found: { status: 404, code: 404, message: 'Not found.' },
  webhook_delivery_not_found: { status: 404, code: 404, message: 'Not found.' },
  webhook_endpoint_disabled: { status: 409, code: 409, message: 'The subscription is disabled.' },
  route_not_found: { status: 404, code: 404, message: 'Not found.' },
  method_not_allowed: { status: 405, code: 405, message: 'Method not allowed.' },
  idempotency_key_reused: IDEMPOTENCY_CONFLICT,
  idempotency_key_in_flight: IDEMPOTENCY_CONFLICT,
  payload_too_large: { status: 413, code: 413, message: 'Request body is too large.' },
  throttled: { status: 429, code: 429, message: 'Too many requests.' },
  server_error: { status: 500, code: -1, message: 'Unknown error occurred' },
};

/** The `message` of one `MISSING_OR_INVALID_FIELD` entry. */
function fieldMessage(v: Violation): string {
  const p = v.params ?? {};
  switch (v.rule) {
    case 'required':
      return 'Field is required.';
    case 'blank':
      return 'Field must not be blank.';
    case 'max_length':
      return `Must be at most ${p.max} characters long.`;
    case 'invalid_uuid':
      return 'Must be a valid UUID.';
    case 'invalid_choice':
      return p.allowed ? `Must be one of: ${p.allowed}.` : 'Not an allowed value.';
    case 'invalid_email':
      return 'Must be a valid email address.';
    case 'invalid_type':
      return `Must be of type ${p.expected ?? 'value'}.`;
    case 'duplicate':
      return 'Must not contain the same email address twice.';
    case 'too_many_items':
      return `Must contain at most ${p.max} items.`;
    case 'customer_not_found':
      return 'Customer not found.';
    case 'too_many_files':
    case 'file_too_large':
    case 'files_too_large':
    case 'extension_not_allowed':
    case 'content_mismatch':
    case 'empty_file':
      return 'Attachments are not accepted here.';
    case 'invalid':
      return String(p.message ?? 'Invalid value.');
  }
}

export function renderCpnError(kind: keyof typeof CATALOGUE, options: { violations?: Violation[]; message?: string } = {}): RenderedError & { body: CpnError } {
  const { status, code, message } = CATALOGUE[kind];
  const body: CpnError = { code, message: options.message ?? message };
  if (options.violations && options.violations.length > 0) {
    body.errors = options.violations.map((v) => ({ error: 'MISSING_OR_INVALID_FIELD', location: v.field || null, message: fieldMessage(v) }));
  }
  return { status, body };
}

/** The one error handler of the CPN dialect (also used by the server for `/v1/cpn/*` and `/v2/cpn/*` paths it does not route). */
export const cpnErrorHandler = dialectErrorHandler((error) =>
  error
    ? renderCpnError(error.kind, { violations: error.violations, message: error.kind === 'malformed_body' ? error.message : undefined })
    : renderCpnError('server_error'),
);

export function cpnNotFound(allowedMethods: string[]): RenderedError {
  return renderCpnError(allowedMethods.length > 0 ? 'method_not_allowed' : 'route_not_found');
}
