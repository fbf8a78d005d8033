import type { Violation } from './errors.js';

export const SUMMARY_MAX_LENGTH = 240;
export const DESCRIPTION_MAX_LENGTH = 5000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Pragmatic address syntax (what Django's EmailValidator accepts in spirit): one @, a dotted domain, no spaces.
const EMAIL = /^[^\s@"<>()[\],;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}

/** A required text field: present, not blank, within its length (counted in characters). */
export function checkText(field: string, value: string | undefined, maxLength: number, out: Violation[]): void {
  if (value === undefined) out.push({ field, rule: 'required' });
  else if (value.trim() === '') out.push({ field, rule: 'blank' });
  else if ([...value].length > maxLength) out.push({ field, rule: 'max_length', params: { max: maxLength } });
}

export function checkUuid(field: string, value: string | undefined, out: Violation[]): void {
  if (value === undefined || value === '') out.push({ field, rule: 'required' });
  else if (!isUuid(value)) out.push({ field, rule: 'invalid_uuid' });
}

export interface RipioTicketFields {
  customerId?: string;
  summary?: string;
  description?: string;
}

/** The seed's field rules for `POST /api/v1/supportTickets/` (attachments are checked while streaming). */
export function ripioTicketViolations(fields: RipioTicketFields): Violation[] {
  const out: Violation[] = [];
  checkUuid('customerId', fields.customerId, out);
  checkText('summary', fields.summary, SUMMARY_MAX_LENGTH, out);
  checkText('description', fields.description, DESCRIPTION_MAX_LENGTH, out);
  return out;
}

/** Circle's `SupportTicketIssueType`. */
export const CPN_ISSUE_TYPES = [
  'PAYMENT_SETTLEMENT_DELAY',
  'PAYMENT_SENT_TO_WRONG_RECIPIENT',
  'PAYMENT_AMOUNT_INCORRECT',
  'REQUEST_FOR_INFORMATION_OFI',
  'REQUEST_FOR_INFORMATION_SENDER',
  'REQUEST_FOR_INFORMATION_RECEIVER',
  'FUNDING_AMOUNT_DISCREPANCY',
  'REVERSE_FUNDS',
  'EXISTING_TICKET',
  'OTHER',
] as const;
export type CpnIssueType = (typeof CPN_ISSUE_TYPES)[number];
export const CC_EMAILS_MAX = 10;

/**
 * The CPN create rules a JSON schema cannot state (the schema checks types,
 * formats, choices and sizes): bare uuids, a non-blank description, and cc
 * addresses distinct regardless of letter case (they reach the same mailbox).
 */
export function cpnTicketViolations(body: { paymentId?: unknown; idempotencyKey?: unknown; description?: unknown; ccEmails?: unknown }): Violation[] {
  const out: Violation[] = [];
  // The schema's uuid format also admits a `urn:uuid:` prefix; the API takes bare uuids only.
  for (const field of ['paymentId', 'idempotencyKey'] as const) {
    const value = body[field];
    if (typeof value === 'string' && !isUuid(value)) out.push({ field, rule: 'invalid_uuid' });
  }
  if (body.description === undefined || typeof body.description === 'string') checkText('description', body.description, DESCRIPTION_MAX_LENGTH, out);
  if (Array.isArray(body.ccEmails) && body.ccEmails.every((e) => typeof e === 'string')) {
    const distinct = new Set(body.ccEmails.map((e: string) => e.toLowerCase()));
    if (distinct.size < body.ccEmails.length) out.push({ field: 'ccEmails', rule: 'duplicate' });
  }
  return out;
}

/** The desk's one-line summary of a CPN ticket (CPN has no summary field). */
export function cpnTicketSummary(issueType: string, paymentId: string): string {
  return `${issueType} - payment ${paymentId}`;
}
