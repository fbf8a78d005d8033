import { Type, type Static } from '@sinclair/typebox';
import { CC_EMAILS_MAX, CPN_ISSUE_TYPES, DESCRIPTION_MAX_LENGTH, type CpnIssueType } from '../../domain/tickets.js';
import { CPN_NOTIFICATION_TYPES, type CpnNotificationType } from '../../domain/notifications.js';
import { MAX_ENDPOINT_URL_LENGTH } from '../../webhooks/outbound.js';
import { errorResponsesFor } from '../schemas.js';

/** TypeBox mirrors of Circle's CPN OpenAPI schemas (`../shared/reference/circle-cpn-ofi.openapi.yaml`). */

export const CPN_PAGE_SIZE_DEFAULT = 50;
export const CPN_PAGE_SIZE_MAX = 100;

const Id = Type.String({ format: 'uuid', description: 'System-generated unique identifier of the resource.' });
const Email = Type.String({ format: 'email', maxLength: 254, description: 'Contact email for follow-up.' });
const CcEmails = Type.Array(Type.String({ format: 'email', maxLength: 254 }), {
  maxItems: CC_EMAILS_MAX,
  uniqueItems: true,
  description: `Optional CC email addresses (at most ${CC_EMAILS_MAX}, distinct) for follow-up conversations on this support ticket.`,
});

// A plain string enum (not a union of literals), as in Circle's schema and so a bad value reports one `enum` error.
export const SupportTicketIssueType = Type.Unsafe<CpnIssueType>({ type: 'string', enum: [...CPN_ISSUE_TYPES], description: 'Type of the support ticket' });

export const CpnError = Type.Object(
  {
    code: Type.Integer({ description: 'Code that corresponds to the error.' }),
    message: Type.String({ description: 'Human-readable message that describes the error.' }),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          error: Type.Literal('MISSING_OR_INVALID_FIELD'),
          location: Type.Union([Type.String(), Type.Null()], { description: 'The key or path where the error occurred' }),
          message: Type.String(),
        }),
      ),
    ),
  },
  { $id: 'CpnError', title: 'Error' },
);
export type CpnError = Static<typeof CpnError>;

export const errorResponses = errorResponsesFor('CpnError');

export const CreateSupportTicket = Type.Object(
  {
    paymentId: Id,
    issueType: SupportTicketIssueType,
    description: Type.String({ maxLength: DESCRIPTION_MAX_LENGTH, description: 'Detailed message for the support ticket.' }),
    email: Email,
    idempotencyKey: Type.String({
      format: 'uuid',
      description: 'UUID v4 idempotency key: the same key with the same request returns the original response; with another request, 409.',
    }),
    ccEmails: Type.Optional(CcEmails),
  },
  { title: 'CreateSupportTicket', description: 'Request schema for creating a support ticket' },
);
export type CreateSupportTicket = Static<typeof CreateSupportTicket>;

export const SupportTicket = Type.Object(
  {
    id: Id,
    paymentId: Id,
    issueType: SupportTicketIssueType,
    description: Type.String(),
    caseRefId: Type.String({ description: 'External case reference: the help desk case key, "" until the desk has registered the ticket.' }),
    ticketRefId: Type.String({ format: 'uuid', description: 'The reference deskgate gave the help desk for this ticket.' }),
    email: Type.String(),
    ccEmails: Type.Array(Type.String()),
    createDate: Type.String({ format: 'date-time', description: 'Date and time when the resource was created' }),
  },
  { title: 'SupportTicket', description: 'Response schema for a support ticket' },
);

const TicketStatus = Type.Union([Type.Literal('PENDING'), Type.Literal('CREATED'), Type.Literal('FAILED')], {
  description: 'deskgate extension: PENDING until the help desk registers the ticket, then CREATED, or FAILED.',
});
export const SupportTicketWithStatus = Type.Composite([SupportTicket, Type.Object({ status: TicketStatus })], { title: 'SupportTicketWithStatus' });

export const SupportTicketResponse = Type.Object({ data: SupportTicket });
export const SupportTicketWithStatusResponse = Type.Object({ data: SupportTicketWithStatus });
export const SupportTicketListResponse = Type.Object({ data: Type.Array(SupportTicketWithStatus) });

/** Circle's `Id` path parameter. */
export const IdParams = Type.Object({ id: Id });

/** Circle's list conventions (`/v1/cpn/payments`): pageAfter/pageBefore ticket ids, pageSize. */
export const SupportTicketListQuery = Type.Object({
  paymentId: Type.Optional(Type.String({ format: 'uuid', description: "Only this payment's tickets." })),
  pageAfter: Type.Optional(Type.String({ format: 'uuid', description: 'A ticket id: the page holds the tickets after it (older). Not with pageBefore.' })),
  pageBefore: Type.Optional(Type.String({ format: 'uuid', description: 'A ticket id: the page holds the tickets before it (newer). Not with pageAfter.' })),
  pageSize: Type.Optional(
    Type.Integer({
      minimum: 1,
      default: CPN_PAGE_SIZE_DEFAULT,
      description: `Items per page (default ${CPN_PAGE_SIZE_DEFAULT}); as in Circle's collections, a value above the limit (${CPN_PAGE_SIZE_MAX}) uses the limit.`,
    }),
  ),
});

// Notifications (`/v2/cpn/notifications/...`): Circle's Subscription and NotificationSignaturePublicKey.

const DateTime = (description: string) => Type.String({ format: 'date-time', description });

export const NotificationType = Type.Unsafe<CpnNotificationType>({
  type: 'string',
  enum: [...CPN_NOTIFICATION_TYPES],
  description: "The type of notification that can be subscribed to. 'cpn.supportTicket.*' covers the support-ticket types, '*' every type.",
});

export const SUBSCRIPTION_NAME_MAX_LENGTH = 255;
const SubscriptionName = Type.String({ maxLength: SUBSCRIPTION_NAME_MAX_LENGTH, description: 'Name of the webhook notification subscription.' });

export const CreateSubscription = Type.Object(
  {
    endpoint: Type.String({
      maxLength: MAX_ENDPOINT_URL_LENGTH,
      description: 'URL of the endpoint to subscribe to notifications. Must be publicly accessible, use HTTPS, and respond with a 2XX status to a HEAD request.',
    }),
    notificationTypes: Type.Optional(
      Type.Array(NotificationType, {
        description: "The notification types to subscribe to. None, or any combination including '*': unrestricted. Otherwise restricted to these types.",
      }),
    ),
    name: Type.Optional(SubscriptionName),
  },
  { title: 'CreateSubscription' },
);
export type CreateSubscription = Static<typeof CreateSubscription>;

export const UpdateSubscription = Type.Object(
  { name: SubscriptionName, enabled: Type.Boolean({ description: 'Whether the subscription is enabled; true re-enables one deskgate disabled after failures or a 410.' }) },
  { title: 'UpdateSubscription' },
);
export type UpdateSubscription = Static<typeof UpdateSubscription>;

export const Subscription = Type.Object(
  {
    id: Id,
    name: Type.String(),
    endpoint: Type.String(),
    enabled: Type.Boolean(),
    createDate: DateTime('Date and time when the resource was created'),
    updateDate: DateTime('Date and time when the resource was last updated'),
    notificationTypes: Type.Array(Type.String()),
    restricted: Type.Boolean({ description: 'Whether only the notificationTypes are sent (else every type).' }),
  },
  { title: 'Subscription' },
);

export const SubscriptionResponse = Type.Object({ data: Subscription }, { title: 'SubscriptionResponse' });
export const Subscriptions = Type.Object({ data: Type.Array(Subscription) }, { title: 'SubscriptionsResponse' });

export const NotificationSignaturePublicKey = Type.Object(
  {
    data: Type.Object({
      id: Id,
      algorithm: Type.Literal('ECDSA_SHA_256'),
      publicKey: Type.String({ description: 'Base64 of the SPKI DER encoding of the ECDSA P-256 public key.' }),
      createDate: DateTime('Date and time when the key was created'),
    }),
  },
  { title: 'NotificationSignaturePublicKeyResponse' },
);
