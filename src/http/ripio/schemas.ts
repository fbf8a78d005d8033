import { Type, type Static } from '@sinclair/typebox';
import { errorResponsesFor } from '../schemas.js';

export const Uuid = Type.String({ format: 'uuid' });

export const ErrorResponse = Type.Object(
  {
    code: Type.Integer({ description: 'Application-specific error code.' }),
    type: Type.String({ description: 'Type of error or exception.' }),
    detail: Type.Object({ message: Type.Optional(Type.String()) }, { additionalProperties: true }),
    status: Type.Integer({ description: 'HTTP status code.' }),
  },
  { $id: 'RipioErrorResponse', title: 'ErrorResponse' },
);

export const errorResponses = errorResponsesFor('RipioErrorResponse');

export const TokenRequest = Type.Object({
  grant_type: Type.Optional(Type.String()),
  client_id: Type.Optional(Type.String()),
  client_secret: Type.Optional(Type.String()),
  scope: Type.Optional(Type.String()),
});

export const TokenResponse = Type.Object({
  accessToken: Type.String(),
  expiresIn: Type.Integer(),
  tokenType: Type.Literal('Bearer'),
  scope: Type.String(),
});

export const CustomerType = Type.Union([Type.Literal('INDIVIDUAL'), Type.Literal('BUSINESS')]);
const Email = Type.String({ format: 'email', maxLength: 254 });

export const CreateCustomerBody = Type.Object({
  email: Type.Optional(Type.Union([Email, Type.Null()])),
  type: CustomerType,
});

export const UpdateCustomerBody = Type.Object({ email: Type.Union([Email, Type.Null()]) });

export const CustomerResponse = Type.Object({
  customerId: Uuid,
  email: Type.Union([Type.String(), Type.Null()]),
  type: CustomerType,
  createdAt: Type.String({ format: 'date-time' }),
});

export const CustomerParams = Type.Object({ customerId: Type.String() });

export const TicketStatus = Type.Union([Type.Literal('PENDING'), Type.Literal('CREATED'), Type.Literal('FAILED')]);

/** The seed's SupportTicketResponse: exactly these three fields. */
export const SupportTicketResponse = Type.Object({
  ticketId: Uuid,
  status: TicketStatus,
  issueKey: Type.Union([Type.String(), Type.Null()]),
});
export type SupportTicketResponse = Static<typeof SupportTicketResponse>;

/** List items and webhook payloads carry the ticket's summary and timestamps too. */
export const SupportTicketSummary = Type.Object({
  ticketId: Uuid,
  status: TicketStatus,
  issueKey: Type.Union([Type.String(), Type.Null()]),
  customerId: Type.Union([Uuid, Type.Null()]),
  summary: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const TicketParams = Type.Object({ ticketId: Type.String() });

export const TicketListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  status: Type.Optional(TicketStatus),
  customerId: Type.Optional(Uuid),
});

export const TicketListResponse = Type.Object({
  count: Type.Integer(),
  next: Type.Union([Type.String(), Type.Null()]),
  previous: Type.Union([Type.String(), Type.Null()]),
  supportTickets: Type.Array(SupportTicketSummary),
});

/** Documents the multipart body of the create endpoint (parsed by hand, while streaming). */
export const CreateSupportTicketRequest = Type.Object({
  customerId: Uuid,
  summary: Type.String({ maxLength: 240 }),
  description: Type.String({ maxLength: 5000 }),
  files: Type.Optional(Type.Array(Type.String({ format: 'binary' }), { maxItems: 5 })),
});
