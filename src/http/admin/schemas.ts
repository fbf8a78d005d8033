import { Type } from '@sinclair/typebox';
import { errorResponsesFor } from '../schemas.js';

/** TypeBox schemas of the admin API; the records mirror the operator views of src/services/operator.ts. */

const Id = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const TicketStatus = Type.Union([Type.Literal('PENDING'), Type.Literal('CREATED'), Type.Literal('FAILED')]);

export const AdminError = Type.Object(
  { error: Type.Object({ code: Type.String(), message: Type.String() }) },
  { $id: 'AdminError', title: 'AdminError' },
);

export const errorResponses = errorResponsesFor('AdminError');

export const AccountParams = Type.Object({ accountId: Type.String() });

export const Account = Type.Object({ id: Id, name: Type.String(), supportTicketsEnabled: Type.Boolean(), createdAt: Timestamp, updatedAt: Timestamp });
export const AccountList = Type.Object({ accounts: Type.Array(Account) });
export const CreateAccountBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }), supportTicketsEnabled: Type.Optional(Type.Boolean({ default: false })) });
export const UpdateAccountBody = Type.Object({ supportTicketsEnabled: Type.Boolean() });

export const OAuthClient = Type.Object({ clientId: Type.String(), name: Type.String(), createdAt: Timestamp, revokedAt: Nullable(Timestamp) });
export const OAuthClientList = Type.Object({ oauthClients: Type.Array(OAuthClient) });
export const NewOAuthClient = Type.Object({ clientId: Type.String(), clientSecret: Type.String({ description: 'Shown once; only a keyed hash is stored.' }), accountId: Id, name: Type.String() });
export const CreateOAuthClientBody = Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })) });
export const OAuthClientParams = Type.Object({ clientId: Type.String() });

const Environment = Type.Union([Type.Literal('TEST'), Type.Literal('LIVE')]);
const apiKeyFields = { id: Type.String(), accountId: Id, environment: Environment, name: Type.String(), createdAt: Timestamp, revokedAt: Nullable(Timestamp) };
export const ApiKey = Type.Object(apiKeyFields);
export const ApiKeyList = Type.Object({ apiKeys: Type.Array(ApiKey) });
export const NewApiKey = Type.Object({ ...apiKeyFields, apiKey: Type.String({ description: 'PREFIX:ID:SECRET, shown once; only a keyed hash of SECRET is stored.' }) });
export const CreateApiKeyBody = Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })), live: Type.Optional(Type.Boolean({ default: false, description: 'LIVE_API_KEY instead of TEST_API_KEY' })) });
export const ApiKeyListQuery = Type.Object({ accountId: Type.Optional(Id) });
export const ApiKeyParams = Type.Object({ keyId: Type.String() });

export const Paging = { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })), offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })) };

export const Customer = Type.Object({
  id: Id,
  accountId: Id,
  email: Nullable(Type.String()),
  type: Type.Union([Type.Literal('INDIVIDUAL'), Type.Literal('BUSINESS')]),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});
export const CustomerList = Type.Object({ customers: Type.Array(Customer) });
export const CustomerListQuery = Type.Object(Paging);
export const CustomerParams = Type.Object({ accountId: Type.String(), customerId: Type.String() });

export const PaymentImportReport = Type.Object({
  accepted: Type.Integer({ description: 'Lines upserted (created, updated or unchanged).' }),
  rejected: Type.Integer({ description: 'Lines refused; nothing of them was stored.' }),
  lines: Type.Array(
    Type.Union([
      Type.Object({ line: Type.Integer(), id: Id, outcome: Type.Union([Type.Literal('created'), Type.Literal('updated'), Type.Literal('unchanged')]) }),
      Type.Object({ line: Type.Integer(), reason: Type.String() }),
    ]),
  ),
});

const ticketFields = {
  id: Id,
  accountId: Id,
  dialect: Type.Union([Type.Literal('ripio'), Type.Literal('cpn')]),
  status: TicketStatus,
  deskReference: Nullable(Type.String()),
  customerId: Nullable(Id),
  paymentId: Nullable(Id),
  issueType: Nullable(Type.String()),
  summary: Type.String(),
  requesterEmail: Type.String(),
  ccEmails: Type.Array(Type.String()),
  registrationAttempts: Type.Integer(),
  createdAt: Timestamp,
  updatedAt: Timestamp,
  registeredAt: Nullable(Timestamp),
};
export const Ticket = Type.Object(ticketFields);
export const TicketList = Type.Object({ count: Type.Integer(), tickets: Type.Array(Ticket) });
export const TicketListQuery = Type.Object({
  ...Paging,
  status: Type.Optional(TicketStatus),
  dialect: Type.Optional(Type.Union([Type.Literal('ripio'), Type.Literal('cpn')])),
  customerId: Type.Optional(Id),
  paymentId: Type.Optional(Id),
});
export const TicketDetail = Type.Object({
  ...ticketFields,
  description: Type.String(),
  externalRef: Type.String(),
  failureReason: Nullable(Type.String({ description: 'Why registration failed or is being retried; never shown to partners.' })),
  attachments: Type.Array(
    Type.Object({
      id: Id,
      position: Type.Integer(),
      filename: Type.String(),
      contentType: Type.String(),
      sizeBytes: Type.Integer(),
      sha256: Type.String(),
      purgedAt: Nullable(Timestamp),
    }),
  ),
});
export const TicketParams = Type.Object({ ticketId: Type.String() });

export const DeskCheck = Type.Object({ ok: Type.Boolean(), lines: Type.Array(Type.String()) });

/** The document fields every admin operation shares. */
export const adminOperation = (summary: string) => ({ tags: ['Admin'], summary, security: [{ AdminKey: [] }] });
