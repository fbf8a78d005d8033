import { Type } from '@sinclair/typebox';
import { MAX_ENDPOINT_URL_LENGTH } from '../../webhooks/outbound.js';
import { RIPIO_EVENT_TYPES } from '../../webhooks/ripio-dialect.js';
import { Uuid } from './schemas.js';

const DateTime = Type.String({ format: 'date-time' });
const NullableDateTime = Type.Union([DateTime, Type.Null()]);

export const WebhookEventType = Type.Union(RIPIO_EVENT_TYPES.map((type) => Type.Literal(type)));

const EventTypes = Type.Array(WebhookEventType, { minItems: 1, uniqueItems: true, description: 'Events sent to this endpoint.' });
const EndpointUrl = Type.String({ maxLength: MAX_ENDPOINT_URL_LENGTH, description: 'https URL resolving to public addresses.' });

export const CreateWebhookBody = Type.Object({
  url: EndpointUrl,
  eventTypes: Type.Optional(EventTypes),
  enabled: Type.Optional(Type.Boolean({ default: true })),
});

export const UpdateWebhookBody = Type.Object({
  url: Type.Optional(EndpointUrl),
  eventTypes: Type.Optional(EventTypes),
  enabled: Type.Optional(Type.Boolean({ description: 'true re-enables an endpoint disabled after failures or a 410.' })),
});

export const WebhookResponse = Type.Object({
  id: Uuid,
  url: Type.String(),
  eventTypes: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  disabledReason: Type.Union([Type.String(), Type.Null()]),
  /** While set, the previous secret still signs next to the current one. */
  previousSecretExpiresAt: NullableDateTime,
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const WebhookWithSecretResponse = Type.Composite([
  WebhookResponse,
  Type.Object({ secret: Type.String({ description: 'Signing secret (whsec_...). Shown only in this response.' }) }),
]);

export const WebhookListResponse = Type.Object({ webhooks: Type.Array(WebhookResponse) });

export const WebhookParams = Type.Object({ webhookId: Type.String() });
export const DeliveryParams = Type.Object({ webhookId: Type.String(), deliveryId: Type.String() });

export const DeliveryStatus = Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]);

export const DeliveryListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
  status: Type.Optional(DeliveryStatus),
});

export const DeliveryResponse = Type.Object({
  deliveryId: Uuid,
  eventType: Type.String(),
  /** The `webhook-id` header: the same on every attempt and replay. */
  messageId: Type.String(),
  status: DeliveryStatus,
  attempts: Type.Integer(),
  createdAt: DateTime,
  lastAttemptAt: NullableDateTime,
  nextAttemptAt: NullableDateTime,
  deliveredAt: NullableDateTime,
  failureReason: Type.Union([Type.String(), Type.Null()]),
  attemptLog: Type.Array(
    Type.Object({
      number: Type.Integer(),
      attemptedAt: DateTime,
      statusCode: Type.Union([Type.Integer(), Type.Null()]),
      latencyMs: Type.Integer(),
      responseExcerpt: Type.String({ description: 'First 1 KiB of the response body.' }),
      error: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
});

export const DeliveryListResponse = Type.Object({
  count: Type.Integer(),
  next: Type.Union([Type.String(), Type.Null()]),
  previous: Type.Union([Type.String(), Type.Null()]),
  deliveries: Type.Array(DeliveryResponse),
});
