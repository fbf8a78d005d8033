import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type AppErrorKind } from '../../domain/errors.js';
import { PaymentFileError } from '../../domain/payment-records.js';
import { OperatorError } from '../../services/accounts.js';
import { dialectErrorHandler, type RenderedError } from '../errors.js';

/** The admin API's error body: `{error: {code, message}}`. */
export interface AdminError {
  error: { code: string; message: string };
}

/** The catalogue: every error the admin API answers, with its stable code. */
const CATALOGUE: Record<AppErrorKind | 'route_not_found' | 'method_not_allowed' | 'server_error', { status: number; code: string; message: string }> = {
  validation: { status: 400, code: 'invalid_request', message: 'The request is invalid.' },
  malformed_body: { status: 400, code: 'malformed_body', message: 'The request body cannot be parsed.' },
  customer_without_email: { status: 400, code: 'invalid_request', message: 'The customer must have an email setup.' },
  not_authenticated: { status: 401, code: 'not_authenticated', message: 'An operator key is required: Authorization: Bearer <admin key>.' },
  malformed_credentials: { status: 401, code: 'authentication_failed', message: 'Invalid operator key.' },
  authentication_failed: { status: 401, code: 'authentication_failed', message: 'Invalid operator key.' },
  support_tickets_disabled: { status: 403, code: 'forbidden', message: 'Support tickets are not enabled for this account.' },
  ticket_not_found: { status: 404, code: 'not_found', message: 'Support ticket not found.' },
  customer_not_found: { status: 404, code: 'not_found', message: 'Customer not found.' },
  payment_not_found: { status: 404, code: 'not_found', message: 'Payment not found.' },
  not_found: { status: 404, code: 'not_found', message: 'Not found.' },
  webhook_endpoint_not_found: { status: 404, code: 'not_found', message: 'Webhook endpoint not found.' },
  webhook_delivery_not_found: { status: 404, code: 'not_found', message: 'Webhook delivery not found.' },
  webhook_endpoint_disabled: { status: 409, code: 'endpoint_disabled', message: 'The webhook endpoint is disabled.' },
  route_not_found: { status: 404, code: 'not_found', message: 'No such admin endpoint.' },
  method_not_allowed: { status: 405, code: 'method_not_allowed', message: 'Method not allowed.' },
  idempotency_key_reused: { status: 422, code: 'idempotency_key_reused', message: 'Idempotency key reused with a different request.' },
  idempotency_key_in_flight: { status: 409, code: 'idempotency_key_in_flight', message: 'A request with this idempotency key is in flight.' },
  payload_too_large: { status: 413, code: 'payload_too_large', message: 'Request body is too large.' },
  throttled: { status: 429, code: 'throttled', message: 'Too many requests.' },
  server_error: { status: 500, code: 'server_error', message: 'A server error occurred.' },
};

export function renderAdminError(kind: keyof typeof CATALOGUE, message?: string): RenderedError & { body: AdminError } {
  const entry = CATALOGUE[kind];
  return { status: entry.status, body: { error: { code: entry.code, message: message ?? entry.message } } };
}

/** The message of an invalid request: each broken rule as "field: rule". */
function messageOf(error: AppError): string | undefined {
  if (error.violations.length > 0) {
    return error.violations.map((v) => `${v.field || 'body'}: ${v.params?.message ?? v.rule.replace(/_/g, ' ')}`).join('; ');
  }
  return error.message !== error.kind ? error.message : undefined;
}

/** Operator-level failures of the services (unknown ids, unreadable payment files) as the shared error kinds. */
function asKnownError(error: FastifyError | AppError | Error): FastifyError | AppError {
  if (error instanceof OperatorError) return new AppError(error.reason === 'not_found' ? 'not_found' : 'validation', error.message);
  if (error instanceof PaymentFileError) return new AppError('validation', error.message);
  return error as FastifyError | AppError;
}

const render = dialectErrorHandler((error) => (error ? renderAdminError(error.kind, messageOf(error)) : renderAdminError('server_error')));

/** The one error handler of the admin API. */
export function adminErrorHandler(error: FastifyError | AppError, request: FastifyRequest, reply: FastifyReply) {
  return render(asKnownError(error), request, reply);
}

export function adminNotFound(allowedMethods: string[]): RenderedError {
  return renderAdminError(allowedMethods.length > 0 ? 'method_not_allowed' : 'route_not_found');
}
