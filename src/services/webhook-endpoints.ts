import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { webhookEndpointQueries, type EndpointChanges, type EndpointFilter, type WebhookScope } from '../db/queries/webhooks.js';
import type { Database, WebhookEndpoint } from '../db/schema.js';
import { AppError, validationError } from '../domain/errors.js';
import { isUuid } from '../domain/tickets.js';
import { sealSecret } from '../security/sealed-box.js';
import type { WebhookDeliverer } from '../webhooks/deliver.js';
import type { WebhookDialects } from '../webhooks/dialect.js';
import { recordEvent } from '../webhooks/events.js';
import { checkEndpointUrl, type OutboundPolicy } from '../webhooks/outbound.js';
import { RIPIO_EVENT_TYPES, SECRET_ROTATION_OVERLAP_MS } from '../webhooks/ripio-dialect.js';
import { generateWebhookSecret } from '../webhooks/ripio-signature.js';
import type { LoggedDelivery, WebhookDeliveryService } from './webhook-deliveries.js';

export interface EndpointInput {
  url: string;
  /** Default: every event type. */
  eventTypes?: string[];
  enabled?: boolean;
}

export type EndpointPatch = Partial<EndpointInput>;

/** An endpoint with its signing secret: returned by create and rotate only, never stored in clear. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

/** The endpoint in `scope`, or 404 (another account's endpoint, or the other dialect's, does not exist). */
export async function requireWebhookEndpoint(db: Kysely<Database>, scope: WebhookScope, id: string): Promise<WebhookEndpoint> {
  const endpoint = isUuid(id) ? await webhookEndpointQueries(db).find(scope, id) : undefined;
  if (!endpoint) throw new AppError('webhook_endpoint_not_found', 'Webhook endpoint not found.');
  return endpoint;
}

/** The URL if the outbound policy accepts it (https, public address, ...), else a 400 naming `field`. */
export function acceptableEndpointUrl(url: string, outbound: OutboundPolicy, field: string): string {
  const problem = checkEndpointUrl(url, outbound);
  if (problem) throw validationError([{ field, rule: 'invalid', params: { message: problem } }]);
  return url;
}

/** Turning an endpoint on or off: enabling it again clears why it was disabled and its failure streak. */
export function enabledChanges(current: WebhookEndpoint, enabled: boolean | undefined): EndpointChanges {
  if (enabled === true && !current.enabled) return { enabled: true, disabled_reason: null, failing_since: null };
  if (enabled === false && current.enabled) return { enabled: false, disabled_reason: 'Disabled by request.' };
  return {};
}

/**
 * Ripio-dialect webhook endpoints (secret-signed): partner self-service and
 * operator commands. Operators may also test and delete CPN subscriptions here;
 * what only Ripio endpoints have (event types, secrets) is refused for them.
 */
export function createWebhookEndpointService(deps: {
  db: Kysely<Database>;
  sealingKey: Buffer;
  dialects: WebhookDialects;
  outbound: OutboundPolicy;
  deliverer: WebhookDeliverer;
  deliveries: WebhookDeliveryService;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  const endpoints = webhookEndpointQueries(deps.db);

  const checkedUrl = (url: string) => acceptableEndpointUrl(url, deps.outbound, 'url');

  /** HTTP requests are already checked by their schema; operator commands are checked here. */
  function checkedEventTypes(eventTypes: string[]): string[] {
    const unknown = eventTypes.find((type) => !(RIPIO_EVENT_TYPES as readonly string[]).includes(type));
    if (unknown !== undefined) throw validationError([{ field: 'eventTypes', rule: 'invalid_choice', params: { value: unknown } }]);
    if (eventTypes.length === 0) throw validationError([{ field: 'eventTypes', rule: 'blank' }]);
    return [...new Set(eventTypes)];
  }

  async function requireRipioEndpoint(scope: WebhookScope, id: string): Promise<WebhookEndpoint> {
    const endpoint = await requireWebhookEndpoint(deps.db, scope, id);
    if (endpoint.dialect !== 'ripio') throw new AppError('webhook_endpoint_not_found', `${id} is a CPN subscription, not a Ripio webhook endpoint.`);
    return endpoint;
  }

  return {
    async create(accountId: string, input: EndpointInput): Promise<EndpointWithSecret> {
      const secret = generateWebhookSecret();
      const endpoint = await endpoints.insert({
        id: randomUUID(),
        account_id: accountId,
        dialect: 'ripio',
        url: checkedUrl(input.url),
        event_types: checkedEventTypes(input.eventTypes ?? [...RIPIO_EVENT_TYPES]),
        enabled: input.enabled ?? true,
        sealed_secret: sealSecret(secret, deps.sealingKey),
      });
      return { endpoint, secret };
    },
    /** A partner's scope lists its Ripio endpoints; operators may list both dialects. */
    list: (filter: EndpointFilter) => endpoints.list(filter),
    get: (scope: WebhookScope, id: string) => requireWebhookEndpoint(deps.db, scope, id),
    async update(scope: WebhookScope, id: string, patch: EndpointPatch): Promise<WebhookEndpoint> {
      const current = await requireRipioEndpoint(scope, id);
      const changes: EndpointChanges = enabledChanges(current, patch.enabled);
      if (patch.url !== undefined) changes.url = checkedUrl(patch.url);
      if (patch.eventTypes !== undefined) changes.event_types = checkedEventTypes(patch.eventTypes);
      return endpoints.update(id, changes);
    },
    /** Its deliveries go with it; pending jobs then find nothing to do. */
    async remove(scope: WebhookScope, id: string): Promise<void> {
      await requireWebhookEndpoint(deps.db, scope, id);
      await endpoints.remove(id);
    },
    /** A new secret signs from now on; the previous one keeps signing alongside it for 24 h. */
    async rotateSecret(scope: WebhookScope, id: string): Promise<EndpointWithSecret> {
      await requireRipioEndpoint(scope, id);
      const secret = generateWebhookSecret();
      const endpoint = await endpoints.rotateSecret(id, sealSecret(secret, deps.sealingKey), new Date(now().getTime() + SECRET_ROTATION_OVERLAP_MS));
      return { endpoint, secret };
    },
    /** Sends a test event now (also to a disabled endpoint), logged like any delivery, not retried. */
    async sendTest(scope: WebhookScope, id: string): Promise<LoggedDelivery> {
      const endpoint = await requireWebhookEndpoint(deps.db, scope, id);
      const [delivery] = await deps.db.transaction().execute((trx) =>
        recordEvent(trx, deps.dialects, { accountId: endpoint.account_id, kind: 'test', ticket: null, occurredAt: now(), endpoints: [endpoint], firstAttemptAt: null }),
      );
      await deps.deliverer.deliverOnce(delivery!.id);
      return deps.deliveries.get(scope, delivery!.id);
    },
  };
}

export type WebhookEndpointService = ReturnType<typeof createWebhookEndpointService>;
