import type { FastifyRequest } from 'fastify';
import { AppError, type Violation } from '../../domain/errors.js';
import { DESCRIPTION_MAX_LENGTH, SUMMARY_MAX_LENGTH, type RipioTicketFields } from '../../domain/tickets.js';
import type { AttachmentIntake } from '../../services/attachment-intake.js';
import { countBodyAgainstCap } from '../body-cap.js';
import { watchClosingBoundary } from '../multipart-end.js';

const TEXT_FIELDS = ['customerId', 'summary', 'description'] as const;

// Generous enough for any valid form; small enough that nothing big is ever buffered.
const PARSER_LIMITS = {
  fieldSize: 64 * 1024,
  fields: 50,
  files: 50,
  parts: 100,
  fileSize: 25 * 1024 * 1024 + 1, // one byte over the rule, so the intake sees the breach
  headerPairs: 100,
};

/**
 * Reads the create-ticket form while it streams in: text fields are kept, files
 * go straight through the attachment intake (checked, hashed, stored). Returns
 * the fields and every broken rule found along the way.
 */
export async function readTicketForm(request: FastifyRequest, intake: AttachmentIntake, maxBodyBytes: number): Promise<{ fields: RipioTicketFields; violations: Violation[] }> {
  if (!request.isMultipart()) {
    throw new AppError('malformed_body', `Unsupported media type "${request.headers['content-type'] ?? ''}" in request; expected multipart/form-data.`);
  }
  const fields: RipioTicketFields = {};
  const violations: Violation[] = [];
  // All three consumers of the raw body attach in this same tick, before any of it flows.
  const capHit = countBodyAgainstCap(request, maxBodyBytes);
  const closed = watchClosingBoundary(request);
  try {
    for await (const part of request.parts({ limits: PARSER_LIMITS })) {
      if (part.type === 'file') {
        if (part.fieldname === 'files') await intake.accept(part.filename, part.file);
        else await part.toBuffer().catch(() => undefined); // unknown file fields are ignored, like unknown text fields
        continue;
      }
      const name = part.fieldname as (typeof TEXT_FIELDS)[number];
      if (!TEXT_FIELDS.includes(name) || fields[name] !== undefined) continue;
      fields[name] = String(part.value);
      if (part.valueTruncated) {
        violations.push({ field: name, rule: 'max_length', params: { max: name === 'summary' ? SUMMARY_MAX_LENGTH : DESCRIPTION_MAX_LENGTH } });
      }
    }
  } catch (error) {
    if (capHit() || (error instanceof AppError && error.kind === 'payload_too_large')) throw new AppError('payload_too_large');
    if (request.raw.destroyed && !request.raw.complete) throw error; // client went away: nothing to answer
    const code = (error as { code?: string }).code;
    if (code === 'FST_FILES_LIMIT') return { fields, violations: [...violations, { field: 'files', rule: 'too_many_files', params: { max: 5 } }] };
    throw new AppError('malformed_body', `Multipart form parse error - ${(error as Error).message}`);
  }
  if (!request.raw.complete) throw new Error('request body ended early (client disconnected)');
  if (!closed()) throw new AppError('malformed_body', 'Multipart form parse error - the body ends before its closing boundary.');
  return { fields, violations };
}
