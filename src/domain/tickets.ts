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
