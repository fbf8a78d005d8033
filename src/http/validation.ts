import type { FastifyRequest, FastifySchemaValidationError } from 'fastify';
import type { TObject, TSchema } from '@sinclair/typebox';
import type { Violation } from '../domain/errors.js';

/** Field path of an ajv error: `/ccEmails/1` → `ccEmails[1]`, a missing property → its name, the body itself → ''. */
function fieldOf(error: FastifySchemaValidationError, context: string | undefined): string {
  const segments = error.instancePath.split('/').filter(Boolean);
  const missing = (error.params as { missingProperty?: string }).missingProperty;
  if (missing) segments.push(missing);
  if (segments.length === 0) return context === 'body' || !context ? '' : context;
  return segments.reduce((path, s) => (/^\d+$/.test(s) ? `${path}[${s}]` : path ? `${path}.${s}` : s), '');
}

/** Turns schema-validation errors (from TypeBox schemas) into dialect-neutral violations. */
export function violationsFromValidation(errors: FastifySchemaValidationError[], context: string | undefined): Violation[] {
  const out: Violation[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const field = fieldOf(error, context);
    if (seen.has(field)) continue; // one message per field, the first rule broken
    const params = error.params as Record<string, unknown>;
    let violation: Violation;
    switch (error.keyword) {
      case 'required':
        violation = { field, rule: 'required' };
        break;
      case 'maxLength':
        violation = { field, rule: 'max_length', params: { max: Number(params.limit) } };
        break;
      case 'minLength':
        violation = { field, rule: 'blank' };
        break;
      case 'maxItems':
        violation = { field, rule: 'too_many_items', params: { max: Number(params.limit) } };
        break;
      case 'uniqueItems':
        violation = { field, rule: 'duplicate' };
        break;
      case 'format':
        violation =
          params.format === 'uuid'
            ? { field, rule: 'invalid_uuid' }
            : params.format === 'email'
              ? { field, rule: 'invalid_email' }
              : { field, rule: 'invalid', params: { message: `Must be a valid ${String(params.format)}.` } };
        break;
      case 'enum':
      case 'const':
      case 'anyOf':
        violation = {
          field,
          rule: 'invalid_choice',
          params: { value: valueAt(error), ...(Array.isArray(params.allowedValues) ? { allowed: params.allowedValues.join(', ') } : {}) },
        };
        break;
      case 'type':
        violation = { field, rule: 'invalid_type', params: { expected: String(params.type) } };
        break;
      case 'additionalProperties':
        violation = { field: String(params.additionalProperty), rule: 'invalid', params: { message: 'Unknown field.' } };
        break;
      case 'minimum':
      case 'maximum':
        violation = { field, rule: 'invalid', params: { message: `Ensure this value is ${error.keyword === 'minimum' ? 'greater' : 'less'} than or equal to ${String(params.limit)}.` } };
        break;
      default:
        violation = { field, rule: 'invalid', params: { message: error.message ?? 'Invalid value.' } };
    }
    seen.add(field);
    out.push(violation);
  }
  return out;
}

function valueAt(error: FastifySchemaValidationError): string {
  const data = (error as { data?: unknown }).data;
  return typeof data === 'string' ? data : JSON.stringify(data ?? null);
}

/** Several checks' violations as one list, keeping the first broken rule of each field. */
export function onePerField(...lists: Violation[][]): Violation[] {
  const seen = new Set<string>();
  return lists.flat().filter((v) => !seen.has(v.field) && seen.add(v.field));
}

function hasJsonType(value: unknown, type: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

/**
 * Fastify's ajv coerces types for every request part (42 → "42", "a" → ["a"]),
 * which a JSON API must not do. Run on the body as received (before
 * validation): fields (and array items) of the wrong JSON type.
 */
export function jsonTypeViolations(schema: TObject, body: unknown): Violation[] {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return [];
  const out: Violation[] = [];
  for (const [field, property] of Object.entries(schema.properties as Record<string, TSchema>)) {
    const value = (body as Record<string, unknown>)[field];
    if (value === undefined) continue;
    if (!hasJsonType(value, property.type)) {
      out.push({ field, rule: 'invalid_type', params: { expected: String(property.type) } });
    } else if (Array.isArray(value) && property.items) {
      const itemType = (property.items as TSchema).type;
      value.forEach((item, i) => {
        if (!hasJsonType(item, itemType)) out.push({ field: `${field}[${i}]`, rule: 'invalid_type', params: { expected: String(itemType) } });
      });
    }
  }
  return out;
}

/**
 * A JSON body validated by its schema without ajv's type coercion. Spread
 * `routeOptions` into the route (schema errors are attached, not thrown), then
 * `violations(request)` in the handler lists the type and schema errors, one
 * per field, so they can be reported with any further rules in one 400.
 */
export function strictJsonBody(schema: TObject) {
  const typeErrors = new WeakMap<object, Violation[]>();
  return {
    routeOptions: {
      attachValidation: true,
      preValidation: async (request: FastifyRequest) => {
        typeErrors.set(request, jsonTypeViolations(schema, request.body));
      },
    },
    violations(request: FastifyRequest): Violation[] {
      const schemaViolations = request.validationError ? violationsFromValidation(request.validationError.validation, 'body') : [];
      return onePerField(typeErrors.get(request) ?? [], schemaViolations);
    },
  };
}
