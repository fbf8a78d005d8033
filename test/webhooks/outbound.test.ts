import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { checkEndpointUrl, createPublicOnlyLookup, headCheck, isPublicAddress, postWebhook } from '../../src/webhooks/outbound.js';
import type { OutboundPolicy } from '../../src/webhooks/outbound.js';
import { startWebhookReceiver } from '../support/webhook-receiver.js';
import type { WebhookReceiver } from '../support/webhook-receiver.js';

// Only loopback is ever contacted: every non-loopback case is refused before a socket is opened.
const loopbackAllowed: OutboundPolicy = { allowedHosts: ['127.0.0.1', 'localhost'] };
const onlyLoopbackIp: OutboundPolicy = { allowedHosts: ['127.0.0.1'] };
const nothingAllowed: OutboundPolicy = { allowedHosts: [] };
const body = JSON.stringify({ eventType: 'SUPPORT_TICKET.CREATED', supportTicket: { ticketId: 't-1' } });

let receiver: WebhookReceiver;
before(async () => {
  receiver = await startWebhookReceiver();
});
after(async () => {
  await receiver.close();
});
beforeEach(() => {
  receiver.requests.length = 0;
});

const post = (path = '/hook', timeoutMs = 5_000, policy = loopbackAllowed) =>
  postWebhook(`${receiver.url}${path}`, body, { 'webhook-id': 'msg_1' }, { timeoutMs, policy });

test('2xx: delivered, with the body, given headers and defaults sent as-is', async () => {
  receiver.enqueue({ status: 204 });
  const result = await postWebhook(`${receiver.url}/hook?x=1`, body, { 'X-Wh-Signature-256': 'sha256=ab', 'webhook-id': 'msg_1' }, { timeoutMs: 5_000, policy: loopbackAllowed });

  assert.deepEqual({ ...result, latencyMs: 0 }, { ok: true, status: 204, latencyMs: 0, responseExcerpt: '', error: null, retryAfterMs: null, gone: false });
  assert.ok(result.latencyMs >= 0 && result.latencyMs < 5_000);
  const [received] = await receiver.waitForRequests(1);
  assert.equal(received?.method, 'POST');
  assert.equal(received?.path, '/hook?x=1');
  assert.equal(received?.body, body);
  assert.equal(received?.headers['content-type'], 'application/json');
  assert.equal(received?.headers['x-wh-signature-256'], 'sha256=ab');
  assert.equal(received?.headers['webhook-id'], 'msg_1');
  assert.match(received?.headers['user-agent'] ?? '', /^deskgate-webhooks\//);
});

test('a caller-given content-type and user agent win over the defaults', async () => {
  await postWebhook(`${receiver.url}/hook`, 'a=1', { 'Content-Type': 'application/x-www-form-urlencoded' }, { policy: loopbackAllowed, userAgent: 'deskgate-test/9' });
  const [received] = await receiver.waitForRequests(1);
  assert.equal(received?.headers['content-type'], 'application/x-www-form-urlencoded');
  assert.equal(received?.headers['user-agent'], 'deskgate-test/9');
});

test('500: not delivered, response excerpt kept for the attempt log', async () => {
  receiver.enqueue({ status: 500, body: 'database is down' });
  const result = await post();
  assert.equal(result.ok, false);
  assert.equal(result.status, 500);
  assert.equal(result.responseExcerpt, 'database is down');
  assert.equal(result.error, null);
  assert.equal(result.retryAfterMs, null, 'Retry-After only matters on 429/503');
});

test('timeout: a receiver that does not answer in time is abandoned after timeoutMs', async () => {
  receiver.enqueue({ delayMs: 3_000 });
  const result = await post('/slow', 300);
  assert.equal(result.ok, false);
  assert.equal(result.status, null);
  assert.equal(result.error, 'timed out after 300 ms');
  assert.ok(result.latencyMs >= 280 && result.latencyMs < 2_000, `latency ${result.latencyMs}`);
});

test('timeout covers the body too: a 2xx whose body trickles is delivered but the wait is bounded', async () => {
  receiver.enqueue({ status: 200, bodyDelayMs: 3_000, body: 'late' });
  const result = await post('/trickle', 300);
  assert.equal(result.ok, true);
  assert.equal(result.status, 200);
  assert.equal(result.error, 'timed out after 300 ms reading the response body');
  assert.ok(result.latencyMs < 2_000, `latency ${result.latencyMs}`);
});

test('429 with Retry-After seconds, 503 with an HTTP-date', async () => {
  receiver.enqueue({ status: 429, headers: { 'retry-after': '120' } });
  const throttled = await post();
  assert.equal(throttled.ok, false);
  assert.equal(throttled.status, 429);
  assert.equal(throttled.retryAfterMs, 120_000);

  receiver.enqueue({ status: 503, headers: { 'retry-after': new Date(Date.now() + 600_000).toUTCString() } });
  const unavailable = await post();
  assert.equal(unavailable.status, 503);
  assert.ok(unavailable.retryAfterMs !== null && unavailable.retryAfterMs > 590_000 && unavailable.retryAfterMs <= 600_000, `${unavailable.retryAfterMs}`);
});

test('410 marks the endpoint as gone', async () => {
  receiver.enqueue({ status: 410 });
  const result = await post();
  assert.equal(result.ok, false);
  assert.equal(result.status, 410);
  assert.equal(result.gone, true);
});

test('connection reset: reported, not thrown', async () => {
  receiver.enqueue({ reset: true });
  const result = await post();
  assert.equal(result.ok, false);
  assert.equal(result.status, null);
  assert.match(result.error ?? '', /ECONNRESET|socket|closed/i);
});

test('redirects are not followed', async () => {
  receiver.enqueue({ redirectTo: `${receiver.url}/elsewhere` });
  const result = await post('/moved');
  assert.equal(result.ok, false);
  assert.equal(result.status, 302);
  assert.equal(result.error, `redirect not followed (Location: ${receiver.url}/elsewhere)`);
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.deepEqual(receiver.requests.map((r) => r.path), ['/moved']);
});

test('an endless response body is cut to a 1 KiB excerpt and the connection dropped', async () => {
  receiver.enqueue({ status: 500, endlessBody: true });
  const result = await post('/hook', 5_000);
  assert.equal(result.status, 500);
  assert.equal(result.error, null);
  assert.equal(result.responseExcerpt, 'a'.repeat(1024));
  const [received] = await receiver.waitForRequests(1);
  assert.deepEqual(await received?.responseSettled, { completed: false });
});

test('the excerpt never ends in half a character', async () => {
  const body = Buffer.alloc(2048, 'a');
  body.write('é', 1023); // two bytes straddling the 1 KiB boundary
  receiver.enqueue({ status: 500, body });
  const result = await post();
  assert.equal(result.responseExcerpt, 'a'.repeat(1023));
});

test('excerpt decoding is lenient with invalid UTF-8', async () => {
  receiver.enqueue({ status: 400, body: Buffer.from([0x6f, 0x6b, 0xff, 0x21]) });
  const result = await post();
  assert.equal(result.responseExcerpt, 'ok\uFFFD!');
});

test('a hostname resolving to loopback is refused at connect time unless that hostname is allow-listed', async () => {
  const port = new URL(receiver.url).port;
  const blocked = await postWebhook(`https://localhost:${port}/hook`, body, {}, { timeoutMs: 5_000, policy: onlyLoopbackIp });
  assert.equal(blocked.ok, false);
  assert.equal(blocked.status, null);
  assert.match(blocked.error ?? '', /^blocked: localhost resolves to non-public address (127\.0\.0\.1|::1)$/);

  const allowed = await postWebhook(`http://localhost:${port}/hook`, body, {}, { timeoutMs: 5_000, policy: loopbackAllowed });
  assert.equal(allowed.ok, true);
  assert.equal(receiver.requests.length, 1, 'only the allow-listed request arrived');
});

test('non-public IP literals are refused before any connection is attempted', async () => {
  for (const url of ['https://10.0.0.1/hook', 'https://169.254.169.254/latest/meta-data', 'https://[::ffff:192.168.1.1]/', `${receiver.url}/hook`]) {
    const result = await postWebhook(url, body, {}, { timeoutMs: 5_000, policy: nothingAllowed });
    assert.equal(result.status, null, url);
    assert.match(result.error ?? '', /^blocked: Endpoint URL must (use https|not point to a private)/, url);
    assert.ok(result.latencyMs < 100, `${url} took ${result.latencyMs} ms`);
  }
  assert.equal(receiver.requests.length, 0);
});

test('headCheck: HEAD request, ok only on 2xx, same safety', async () => {
  receiver.enqueue({ status: 200 }, { status: 404 });
  assert.deepEqual(await headCheck(`${receiver.url}/endpoint`, { timeoutMs: 5_000, policy: loopbackAllowed }), { ok: true, status: 200, error: null });
  assert.deepEqual(await headCheck(`${receiver.url}/endpoint`, { timeoutMs: 5_000, policy: loopbackAllowed }), { ok: false, status: 404, error: null });
  assert.deepEqual(receiver.requests.map((r) => [r.method, r.path]), [['HEAD', '/endpoint'], ['HEAD', '/endpoint']]);

  const port = new URL(receiver.url).port;
  const blocked = await headCheck(`https://localhost:${port}/endpoint`, { timeoutMs: 5_000, policy: onlyLoopbackIp });
  assert.equal(blocked.ok, false);
  assert.match(blocked.error ?? '', /^blocked: localhost resolves to non-public/);
  assert.equal(receiver.requests.length, 2);
});

test('isPublicAddress: private, loopback, link-local, CGNAT, multicast, reserved and their IPv6 forms are not public', () => {
  const nonPublic = [
    '0.0.0.0', '0.1.2.3', '10.1.2.3', '100.64.0.1', '100.127.255.254', '127.0.0.1', '127.255.0.9', '169.254.169.254', '172.16.0.1',
    '172.31.255.255', '192.0.0.8', '192.0.2.1', '192.168.0.1', '198.18.0.1', '198.51.100.7', '203.0.113.9', '224.0.0.251',
    '239.255.255.250', '240.0.0.1', '255.255.255.255',
    '::', '::1', '::127.0.0.1', '::ffff:127.0.0.1', '::ffff:a00:1', '::ffff:169.254.169.254', '64:ff9b::10.0.0.1', '2002:c0a8:101::1',
    'fc00::1', 'fd12:3456::1', 'fe80::1', 'fe80::1%eth0', 'fec0::1', 'ff02::1', '2001:db8::1', '2001::1', '100::1',
    'localhost', 'not-an-ip', '',
  ];
  const isPublic = ['8.8.8.8', '1.1.1.1', '100.63.255.255', '100.128.0.1', '172.32.0.1', '192.169.0.1', '11.0.0.1',
    '2606:4700:4700::1111', '2a00:1450:4001::200e', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8', '2002:808:808::1'];
  for (const address of nonPublic) assert.equal(isPublicAddress(address), false, address);
  for (const address of isPublic) assert.equal(isPublicAddress(address), true, address);
});

test('the connect-time lookup refuses DNS answers pointing inside (rebinding) and passes public ones through', async () => {
  const lookupWith = (addresses: LookupAddress[]) =>
    new Promise<{ err: Error | null; address: unknown; family: unknown }>((resolve) => {
      const lookup = createPublicOnlyLookup((_hostname, _options, callback) => callback(null, addresses));
      lookup('partner.example', { family: 0 }, (err, address, family) => resolve({ err, address, family }));
    });
  const lookupAllWith = (addresses: LookupAddress[]) =>
    new Promise<unknown>((resolve) => {
      const lookup = createPublicOnlyLookup((_hostname, _options, callback) => callback(null, addresses));
      lookup('partner.example', { all: true }, (err, resolved) => resolve(err ?? resolved));
    });

  const rebound = await lookupWith([{ address: '10.0.0.1', family: 4 }]);
  assert.match(rebound.err?.message ?? '', /partner\.example resolves to non-public address 10\.0\.0\.1/);
  const mixed = await lookupWith([{ address: '93.184.216.34', family: 4 }, { address: 'fd00::1', family: 6 }]);
  assert.match(mixed.err?.message ?? '', /non-public address fd00::1/);

  assert.deepEqual(await lookupWith([{ address: '93.184.216.34', family: 4 }]), { err: null, address: '93.184.216.34', family: 4 });
  const both = [{ address: '2606:2800:220:1::1', family: 6 }, { address: '93.184.216.34', family: 4 }];
  assert.deepEqual(await lookupAllWith(both), both);
});

test('checkEndpointUrl: accepted URLs', () => {
  assert.equal(checkEndpointUrl('https://hooks.partner.example/deskgate?token=abc', nothingAllowed), null);
  assert.equal(checkEndpointUrl('https://8.8.8.8:8443/hook', nothingAllowed), null);
  assert.equal(checkEndpointUrl('http://127.0.0.1:9000/hook', onlyLoopbackIp), null, 'allow-listed hosts may use http');
  assert.equal(checkEndpointUrl('http://LocalHost:9000/hook', { allowedHosts: ['LOCALHOST'] }), null, 'allow-list is case-insensitive');
  assert.equal(checkEndpointUrl('https://[::1]/hook', { allowedHosts: ['::1'] }), null);
  assert.equal(checkEndpointUrl('https://localhost/hook', nothingAllowed), null, 'hostnames are judged at connect time');
});

test('checkEndpointUrl: rejected URLs come with a partner-readable reason', () => {
  const cases: Array<[string, RegExp]> = [
    ['not a url', /absolute URL/],
    ['/relative/path', /absolute URL/],
    ['http://hooks.partner.example/hook', /must use https/],
    ['ftp://hooks.partner.example/hook', /must use https/],
    ['http://localhost:9000/hook', /must use https/],
    ['https://user:pass@hooks.partner.example/hook', /username or password/],
    ['https://hooks.partner.example/hook#frag', /fragment/],
    ['https://hooks.partner.example/hook#', /fragment/],
    ['https://10.0.0.1/', /non-public address/],
    ['https://127.0.0.1/', /non-public address/],
    ['https://0x7f000001/', /non-public address/],
    ['https://[::1]/', /non-public address/],
    ['https://[::ffff:10.0.0.1]/', /non-public address/],
    ['https://[fe80::1]/', /non-public address/],
    ['https://100.64.0.1/', /non-public address/],
    [`https://hooks.partner.example/${'a'.repeat(2048)}`, /at most 2048 characters/],
  ];
  for (const [url, reason] of cases) assert.match(checkEndpointUrl(url, nothingAllowed) ?? 'accepted', reason, url);
  assert.match(checkEndpointUrl('https://10.0.0.1/', onlyLoopbackIp) ?? 'accepted', /non-public/, 'allow-listing one IP does not open others');
});
