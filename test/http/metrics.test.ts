import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { eventually, startTestApp, type TestApp } from '../support/app.js';
import { scrapeMetrics } from '../support/metrics.js';
import { api, createTicket, partnerWithCustomer, ticketForm } from '../support/ripio.js';
import { sampleFile } from '../support/files.js';
import { scriptedDesk } from '../support/scripted-desk.js';

const desk = scriptedDesk();
let app: TestApp;
let idle: TestApp | null = null;

before(async () => {
  app = await startTestApp({ desk: desk.factory, env: { DESKGATE_REGISTRATION_BASE_DELAY_MS: '1', DESKGATE_REGISTRATION_MAX_DELAY_MS: '10' } });
});
after(async () => {
  await app.close();
  await idle?.close();
});

async function statusOf(target: TestApp, token: string, ticketId: string): Promise<string> {
  return (await api(target, 'GET', `/api/v1/supportTickets/${ticketId}/`, { token })).body.status;
}

const form = (customerId: string) => ticketForm({ customerId, summary: 's', description: 'd' }, [{ name: 'a.png', bytes: sampleFile('png', 1_000) }]);

test('/metrics reports HTTP traffic by route pattern, tickets by status, registration and desk calls', async () => {
  const { partner, customerId } = await partnerWithCustomer(app);

  // First ticket: a transient desk error, then a permanent one: FAILED.
  desk.faults.push({ transient: 'desk is down' }, { permanent: 'desk says no' });
  const failing = await createTicket(app, partner, form(customerId));
  assert.equal(failing.status, 202);
  await eventually(async () => (await statusOf(app, partner.token, failing.body.ticketId)) === 'FAILED');
  // Second ticket: registered at once.
  const ok = await createTicket(app, partner, form(customerId));
  await eventually(async () => (await statusOf(app, partner.token, ok.body.ticketId)) === 'CREATED');
  assert.equal((await api(app, 'GET', '/no/such/path')).status, 404);
  assert.equal((await api(app, 'GET', `/api/v1/supportTickets/${ok.body.ticketId}/`)).status, 401);
  app.deskgate.metrics.webhookDelivery('delivered');

  const m = await scrapeMetrics(app);
  const post = { route: '/api/v1/supportTickets/', method: 'POST', status: '202' };
  assert.equal(m.value('deskgate_http_requests_total', post), 2);
  assert.equal(m.value('deskgate_http_request_duration_seconds_count', post), 2);
  assert.ok(m.value('deskgate_http_request_duration_seconds_sum', post)! > 0);
  assert.equal(m.value('deskgate_http_request_duration_seconds_bucket', { ...post, le: '+Inf' }), 2);
  const getTicket = { route: '/api/v1/supportTickets/:ticketId/', method: 'GET' };
  assert.ok(m.value('deskgate_http_requests_total', { ...getTicket, status: '200' })! >= 2, 'ids do not become labels');
  assert.equal(m.value('deskgate_http_requests_total', { ...getTicket, status: '401' }), 1);
  assert.equal(m.value('deskgate_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' }), 1);

  assert.equal(m.value('deskgate_tickets', { status: 'CREATED' }), 1);
  assert.equal(m.value('deskgate_tickets', { status: 'FAILED' }), 1);
  assert.equal(m.value('deskgate_tickets', { status: 'PENDING' }), 0);
  assert.equal(m.value('deskgate_ticket_registration_seconds_count', { status: 'CREATED' }), 1);
  assert.equal(m.value('deskgate_ticket_registration_seconds_count', { status: 'FAILED' }), 1);
  for (const outcome of ['success', 'transient_error', 'permanent_error']) {
    assert.equal(m.value('deskgate_desk_call_duration_seconds_count', { desk: 'scripted', outcome }), 1, outcome);
  }
  assert.equal(m.value('deskgate_webhook_deliveries_total', { outcome: 'delivered' }), 1);
  assert.ok(m.value('process_resident_memory_bytes')! > 0, 'process metrics too');
  assert.match(m.text, /# TYPE deskgate_job_queue_depth gauge/);
});

test('job queue depth and oldest age come from the queue; each deskgate instance has its own registry', async () => {
  idle = await startTestApp({ worker: false });
  const { partner, customerId } = await partnerWithCustomer(idle);
  assert.equal((await createTicket(idle, partner, form(customerId))).status, 202);
  await new Promise((r) => setTimeout(r, 1_100));

  const m = await scrapeMetrics(idle);
  assert.equal(m.value('deskgate_job_queue_depth', { task: 'register_ticket' }), 1);
  assert.ok(m.value('deskgate_job_oldest_age_seconds', { task: 'register_ticket' })! >= 1);
  assert.equal(m.value('deskgate_tickets', { status: 'PENDING' }), 1);
  assert.equal(m.value('deskgate_http_requests_total', { route: '/api/v1/supportTickets/', method: 'POST', status: '202' }), 1);
  assert.equal(m.value('deskgate_webhook_deliveries_total', { outcome: 'delivered' }), undefined);
});
