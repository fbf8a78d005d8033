import { verifyCircleWebhook } from '../../docs/examples/verify-circle-webhook.js';
import { eventually, type TestApp } from './app.js';
import { createCpnTicket, importPayment, ticketBody, type CpnPartner } from './cpn.js';
import { api } from './http.js';
import type { ReceivedRequest, WebhookReceiver } from './webhook-receiver.js';

/** Subscribes the partner's `endpoint` (Circle's create body); returns the Subscription. */
export async function subscribe(app: TestApp, partner: CpnPartner, endpoint: string, extra: Record<string, unknown> = {}) {
  const res = await api(app, 'POST', '/v2/cpn/notifications/subscriptions', { token: partner.apiKey, json: { endpoint, ...extra } });
  if (res.status !== 200) throw new Error(`subscription failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** Creates a CPN ticket on a freshly imported payment; the desk then settles it. Returns the ticket id. */
export async function raiseCpnTicket(app: TestApp, partner: CpnPartner): Promise<string> {
  const res = await createCpnTicket(app, partner, ticketBody(await importPayment(app, partner)));
  if (res.status !== 201) throw new Error(`ticket create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.id;
}

/** The first `count` notifications (POSTs; the subscription's HEAD check is not one) the receiver got. */
export function notificationsAt(receiver: WebhookReceiver, count: number, timeoutMs = 15_000): Promise<ReceivedRequest[]> {
  return eventually(
    async () => {
      const posts = receiver.requests.filter((r) => r.method === 'POST');
      return posts.length >= count ? posts.slice(0, count) : null;
    },
    timeoutMs,
    `${count} notification(s)`,
  );
}

/** The partner's check: the public key for X-Circle-Key-Id, fetched from the API, verifies the raw body (docs example). */
export async function verifiedByPublishedKey(app: TestApp, partner: CpnPartner, request: ReceivedRequest): Promise<boolean> {
  const keyId = String(request.headers['x-circle-key-id']);
  const res = await api(app, 'GET', `/v2/cpn/notifications/publicKey/${keyId}`, { token: partner.apiKey });
  if (res.status !== 200) throw new Error(`public key ${keyId}: ${res.status} ${JSON.stringify(res.body)}`);
  return verifyCircleWebhook(request.body, String(request.headers['x-circle-signature']), res.body.data.publicKey);
}
