import { isUuid } from './tickets.js';

/**
 * Reading the operator's payment files (CSV with a header row, or JSON Lines):
 * each record is accepted or rejected with its line number and the reasons.
 */

export type PaymentFileFormat = 'csv' | 'jsonl';

/** Circle's `PaymentStatus`. */
export const PAYMENT_STATUSES = ['CREATED', 'CRYPTO_FUNDS_PENDING', 'FIAT_PAYMENT_INITIATED', 'COMPLETED', 'FAILED'] as const;
const FIELDS = ['id', 'status', 'amount', 'currency', 'createDate'] as const;

const DECIMAL = /^\d{1,30}(\.\d{1,18})?$/;
const CURRENCY = /^[A-Z][A-Z0-9]{2,9}$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export interface PaymentRecord {
  id: string;
  status: string | null;
  amount: string | null;
  currency: string | null;
  createDate: string | null;
}

export interface ParsedPaymentFile {
  records: { line: number; record: PaymentRecord }[];
  rejected: { line: number; reason: string }[];
}

/** A problem with the file as a whole (no record can be read), as opposed to a rejected row. */
export class PaymentFileError extends Error {
  override readonly name = 'PaymentFileError';
}

export function paymentFileFormat(fileName: string): PaymentFileFormat | null {
  const lower = fileName.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  return null;
}

export function parsePaymentFile(content: string, format: PaymentFileFormat): ParsedPaymentFile {
  const rows = format === 'csv' ? csvRows(content) : jsonlRows(content);
  const result: ParsedPaymentFile = { records: [], rejected: [] };
  const firstLineOf = new Map<string, number>();
  for (const row of rows) {
    const reasons = 'error' in row ? [row.error] : [];
    const record = 'fields' in row ? toRecord(row.fields, reasons) : null;
    if (record) {
      const earlier = firstLineOf.get(record.id);
      if (earlier !== undefined) reasons.push(`payment ${record.id} already appears on line ${earlier}`);
      else firstLineOf.set(record.id, row.line);
    }
    if (reasons.length > 0 || !record) result.rejected.push({ line: row.line, reason: reasons.join('; ') });
    else result.records.push({ line: row.line, record });
  }
  return result;
}

type Row = { line: number; fields: Record<string, unknown> } | { line: number; error: string };

function toRecord(fields: Record<string, unknown>, reasons: string[]): PaymentRecord | null {
  for (const name of Object.keys(fields)) if (!(FIELDS as readonly string[]).includes(name)) reasons.push(`unknown field "${name}"`);
  const text = (name: (typeof FIELDS)[number]): string | null => {
    const value = fields[name];
    if (value === undefined || value === null || value === '') return null;
    if (typeof value === 'string') return value.trim();
    if (name === 'amount' && typeof value === 'number' && Number.isFinite(value)) return String(value);
    reasons.push(`${name} must be a string`);
    return null;
  };
  const id = text('id');
  const status = text('status');
  const amount = text('amount');
  const currency = text('currency');
  const createDate = text('createDate');
  if (id === null) reasons.push('id is required');
  else if (!isUuid(id)) reasons.push(`id "${id}" is not a uuid`);
  if (status !== null && !(PAYMENT_STATUSES as readonly string[]).includes(status)) reasons.push(`status must be one of ${PAYMENT_STATUSES.join(', ')}`);
  if (amount !== null && !DECIMAL.test(amount)) reasons.push(`amount "${amount}" is not a non-negative decimal number`);
  if (currency !== null && !CURRENCY.test(currency)) reasons.push(`currency "${currency}" is not a currency code (e.g. USDC, MXN)`);
  if (createDate !== null && (!DATE_TIME.test(createDate) || Number.isNaN(Date.parse(createDate)))) {
    reasons.push(`createDate "${createDate}" is not an ISO 8601 date-time with a time zone`);
  }
  if (reasons.length > 0 || id === null) return null;
  return { id: id.toLowerCase(), status, amount, currency, createDate };
}

function jsonlRows(content: string): Row[] {
  const rows: Row[] = [];
  content.split(/\r?\n/).forEach((text, index) => {
    const line = index + 1;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      rows.push({ line, error: 'not valid JSON' });
      return;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) rows.push({ line, error: 'not a JSON object' });
    else rows.push({ line, fields: value as Record<string, unknown> });
  });
  return rows;
}

/** RFC 4180 CSV: the first record names the columns; quoted fields may hold commas, quotes ("") and line breaks. */
function csvRows(content: string): Row[] {
  const records = csvRecords(content.replace(/^\uFEFF/, ''));
  const header = records.shift();
  if (!header) throw new PaymentFileError('The CSV file is empty; it needs a header row naming its columns (at least "id").');
  const columns = header.cells.map((c) => c.trim());
  const unknown = columns.filter((c) => !(FIELDS as readonly string[]).includes(c));
  if (unknown.length > 0) throw new PaymentFileError(`Unknown CSV column(s) ${unknown.map((c) => `"${c}"`).join(', ')}; the columns are ${FIELDS.join(', ')}.`);
  if (!columns.includes('id')) throw new PaymentFileError('The CSV header has no "id" column.');
  return records
    .filter((r) => r.cells.some((c) => c.trim() !== ''))
    .map((r): Row => {
      if (r.cells.length !== columns.length) return { line: r.line, error: `expected ${columns.length} columns, found ${r.cells.length}` };
      return { line: r.line, fields: Object.fromEntries(columns.map((c, i) => [c, r.cells[i]])) };
    });
}

function csvRecords(content: string): { line: number; cells: string[] }[] {
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  const endRecord = () => {
    cells.push(cell);
    records.push({ line: recordLine, cells });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < content.length; i++) {
    const ch = content[i]!;
    if (quoted) {
      if (ch === '"' && content[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && content[i + 1] === '\n') i++;
      endRecord();
      line++;
      recordLine = line;
    } else cell += ch;
  }
  if (cell !== '' || cells.length > 0) endRecord();
  return records;
}
