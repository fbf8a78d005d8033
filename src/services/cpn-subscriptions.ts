import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { webhookEndpointQueries } from '../db/queries/webhooks.js';
import type { Database, WebhookEndpoint } from '../db/schema.js';
import { validationError } from '../domain/errors.js';
import { subscribedTypes } from '../domain/notifications.js';
import { headCheck, type OutboundPolicy } from '../webhooks/outbound.js';
import { acceptableEndpointUrl, enabledChanges, requireWebhookEndpoint } from './webhook-endpoints.js';

export interface SubscriptionInput {
  endpoint: string;
  /** Default (and with any `*`): every notification type. */
  notificationTypes?: string[];
  name?: string;
}

export interface SubscriptionPatch {
  name: string;
  enabled: boolean;
}

/**
 * Circle CPN notification subscriptions: webhook endpoints of the 'cpn'
 * dialect, so the shared delivery engine (retries, disabling, log, replay)
 * serves them. A partner only ever sees its own subscriptions.
 */
export function createCpnSubscriptionService(deps: { db: Kysely<Database>; outbound: OutboundPolicy; headCheckTimeoutMs: number }) {
  const endpoints = webhookEndpointQueries(deps.db);
  const scopeOf = (accountId: string) => ({ accountId, dialect: 'cpn' as const });

  /** Circle accepts an endpoint only once it answers a HEAD request with 2xx. */
  async function reachableEndpoint(url: string): Promise<string> {
    acceptableEndpointUrl(url, deps.outbound, 'endpoint');
    const probe = await headCheck(url, { timeoutMs: deps.headCheckTimeoutMs, policy: deps.outbound });
    if (probe.ok) return url;
    const outcome = probe.status !== null ? `it answered ${probe.status}` : `the request failed (${probe.error})`;
    throw validationError([{ field: 'endpoint', rule: 'invalid', params: { message: `The endpoint must answer a HEAD request with a 2xx status; ${outcome}.` } }]);
  }

  return {
    async create(accountId: string, input: SubscriptionInput): Promise<WebhookEndpoint> {
      return endpoints.insert({
        id: randomUUID(),
        account_id: accountId,
        dialect: 'cpn',
        name: input.name ?? '',
        url: await reachableEndpoint(input.endpoint),
        event_types: subscribedTypes(input.notificationTypes),
        enabled: true,
        sealed_secret: null,
      });
    },
    /** One account's subscriptions (operators: every account's when none is given), oldest first. */
    list: (filter: { accountId?: string }) => endpoints.list({ ...filter, dialect: 'cpn' }),
    get: (accountId: string, id: string) => requireWebhookEndpoint(deps.db, scopeOf(accountId), id),
    async update(accountId: string, id: string, patch: SubscriptionPatch): Promise<WebhookEndpoint> {
      const current = await requireWebhookEndpoint(deps.db, scopeOf(accountId), id);
      return endpoints.update(id, { name: patch.name, ...enabledChanges(current, patch.enabled) });
    },
    /** Its deliveries go with it; pending jobs then find nothing to do. */
    async remove(accountId: string, id: string): Promise<void> {
      await requireWebhookEndpoint(deps.db, scopeOf(accountId), id);
      await endpoints.remove(id);
    },
  };
}

export type CpnSubscriptionService = ReturnType<typeof createCpnSubscriptionService>;
