import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { createLogger } from '../src/log.js';
import { startTestApp, type TestApp } from './support/app.js';
import { createCpnPartner, type CpnPartner } from './support/cpn.js';
import { api } from './support/http.js';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
    done();
  },
});
let app: TestApp;
let partner: CpnPartner;

before(async () => {
  app = await startTestApp({ log: createLogger('info', sink) });
  partner = await createCpnPartner(app);
});
after(() => app.close());

const settle = () => new Promise((r) => setTimeout(r, 50));

test('every answered request is one access-log line with its request id (the caller\'s X-Request-Id when sane), method, url, status and time', async () => {
  lines.length = 0;
  const res = await api(app, 'GET', '/v1/cpn/supportTickets?pageSize=1', { token: partner.apiKey, headers: { 'x-request-id': 'trace-abc.123' } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-request-id'), 'trace-abc.123');
  const fresh = await api(app, 'GET', '/v1/cpn/supportTickets/not-a-ticket', { token: partner.apiKey, headers: { 'x-request-id': 'bad id with spaces' } });
  assert.match(fresh.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
  await settle();

  const perRequest = (reqId: string) => lines.filter((l) => l.reqId === reqId);
  const [first, ...more] = perRequest('trace-abc.123');
  assert.deepEqual(more, [], 'one line per request');
  assert.equal(first?.msg, 'request completed');
  assert.equal(first?.method, 'GET');
  assert.equal(first?.url, '/v1/cpn/supportTickets?pageSize=1');
  assert.equal(first?.statusCode, 200);
  assert.equal(typeof first?.responseTimeMs, 'number');
  assert.equal(perRequest(fresh.headers.get('x-request-id')!)[0]?.statusCode, fresh.status);
  assert.ok(!JSON.stringify(lines).includes(partner.apiKey.split(':')[2]!), 'the API key secret is never logged');
});

test('secrets in logged objects are redacted wherever they appear', async () => {
  lines.length = 0;
  app.deskgate.log.info({ headers: { authorization: 'Bearer abc' }, client: { client_secret: 's1', clientSecret: 's2' }, desk: { apiToken: 't', password: 'p' }, token: { accessToken: 'a' }, endpoint: { secret: 'w' } }, 'configured');
  await settle();
  const [line] = lines;
  assert.deepEqual(
    { headers: line?.headers, client: line?.client, desk: line?.desk, token: line?.token, endpoint: line?.endpoint },
    {
      headers: { authorization: '[redacted]' },
      client: { client_secret: '[redacted]', clientSecret: '[redacted]' },
      desk: { apiToken: '[redacted]', password: '[redacted]' },
      token: { accessToken: '[redacted]' },
      endpoint: { secret: '[redacted]' },
    },
  );
});
