import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../domain/errors.js';
import type { PaymentFileFormat } from '../../domain/payment-records.js';
import type { AdminDeps } from './plugin.js';
import { AccountParams, PaymentImportReport, adminOperation, errorResponses } from './schemas.js';

/** The body's media type names the file format, as the file name does for the CLI. */
export const PAYMENT_FILE_MEDIA_TYPES: Record<PaymentFileFormat, string> = { csv: 'text/csv', jsonl: 'application/x-ndjson' };
const PAYMENT_FILE_MAX_BYTES = 32 * 1024 * 1024;

function formatOf(request: FastifyRequest): PaymentFileFormat {
  const mediaType = request.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
  return mediaType === PAYMENT_FILE_MEDIA_TYPES.csv ? 'csv' : 'jsonl';
}

/** Payments import: the same upsert-and-report as `deskgate payments import`, with the file as the body. */
export async function paymentRoutes(app: FastifyInstance, { operator }: AdminDeps) {
  app.addContentTypeParser(Object.values(PAYMENT_FILE_MEDIA_TYPES), { parseAs: 'string', bodyLimit: PAYMENT_FILE_MAX_BYTES }, (_request, body, done) => done(null, body));

  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/accounts/:accountId/payments/import',
    {
      schema: {
        ...adminOperation('Import payments (CSV with a header row, or JSON Lines); upserts by id and reports every line'),
        consumes: Object.values(PAYMENT_FILE_MEDIA_TYPES),
        params: AccountParams,
        body: Type.String({ description: 'The file: fields id, status, amount, currency, createDate.' }),
        response: { 200: PaymentImportReport, ...errorResponses(400, 401, 404, 413) },
      },
    },
    async (request) => {
      if (request.body.trim() === '') throw new AppError('validation', 'The payments file is empty.');
      return operator.importPayments(request.params.accountId, request.body, formatOf(request));
    },
  );
}
