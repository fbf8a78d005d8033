import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startFakeJira } from '../support/desk-fakes.js';
import { deskIntegrationSuite } from '../support/desk-integration-suite.js';

const suite = deskIntegrationSuite(startFakeJira);

test('Jira 429 with only X-RateLimit-Reset: the next attempt waits until that time', async () => {
  const { desk } = suite;
  const before = desk.server.requestsTo(desk.routes.create).length;
  const resetAt = Date.now() + 2_000;
  desk.server.inject(desk.routes.create, { status: 429, headers: { 'x-ratelimit-reset': new Date(resetAt).toISOString() } });
  const ticketId = await suite.submitRipio();
  const result = await suite.settledRipio(ticketId);
  assert.equal(result.status, 'CREATED');
  const [, retried] = desk.server.requestsTo(desk.routes.create).slice(before);
  assert.ok(retried!.at >= resetAt, `retried ${resetAt - retried!.at} ms before the reset time`);
});
