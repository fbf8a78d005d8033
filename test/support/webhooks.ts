import type { DatabaseHandle } from '../../src/db/database.js';
import { createBuiltinDesk } from '../../src/desks/builtin.js';
import { PermanentDeskError, type Desk } from '../../src/desks/desk.js';
import type { TestAppOptions } from './app.js';
import { api, createCustomer, createTicket, ticketForm, type ApiTarget, type Partner } from './ripio.js';
import type { ReceivedRequest } from './webhook-receiver.js';
import { verifyRipioWebhook } from '../../docs/examples/verify-ripio-webhook.js';

/** Settings for apps that deliver webhooks to local receivers within seconds. */
export const FAST_WEBHOOKS: Record<string, string> = {
  DESKGATE_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  DESKGATE_WEBHOOK_RETRY_SCHEDULE_MS: '0,200,400',
  DESKGATE_WEBHOOK_TIMEOUT_MS: '1000',
};

/** The builtin desk, except that tickets whose summary starts with "FAIL" are refused for good (→ FAILED). */
export const deskFailingOnRequest: TestAppOptions['desk'] = (database: DatabaseHandle): Desk => {
  const builtin = createBuiltinDesk(database.db, 'SUP');
  return {
    kind: 'test',
    register: (ticket, signal) => (ticket.summary.startsWith('FAIL') ? Promise.reject(new PermanentDeskError('refused by the test desk')) : builtin.register(ticket, signal)),
    check: (signal) => builtin.check(signal),
  };
};

export interface RegisteredEndpoint {
  id: string;
  secret: string;
}

export async function registerEndpoint(app: ApiTarget, partner: Partner, url: string, extra: Record<string, unknown> = {}): Promise<RegisteredEndpoint> {
  const res = await api(app, 'POST', '/api/v1/webhooks/', { token: partner.token, json: { url, ...extra } });
  if (res.status !== 201) throw new Error(`webhook registration failed: ${res.status} ${JSON.stringify(res.body)}`);
  return { id: res.body.id, secret: res.body.secret };
}

/** Creates a ticket for a fresh customer; the desk then settles it (CREATED, or FAILED for a "FAIL..." summary). */
export async function raiseTicket(app: ApiTarget, partner: Partner, summary = 'Payment missing'): Promise<string> {
  const customerId = await createCustomer(app, partner);
  const res = await createTicket(app, partner, ticketForm({ customerId, summary, description: 'Details.' }));
  if (res.status !== 202) throw new Error(`ticket create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.ticketId;
}

/** The partner-side check of a received delivery, with the documented snippet. */
export const verifiedWith = (request: ReceivedRequest, secret: string): boolean => verifyRipioWebhook(request.body, request.headers, secret);
