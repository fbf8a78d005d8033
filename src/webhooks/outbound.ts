import { lookup as dnsLookup } from 'node:dns';
import type { LookupAddress, LookupAllOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';
import { parseRetryAfter } from './retry-schedule.js';

/**
 * Outbound HTTP to partner-controlled URLs (SPEC §4 "Outbound safety").
 *
 * Partners choose these URLs, so every request is treated as a potential SSRF:
 * the URL is checked statically, DNS answers are checked at connect time (the
 * address actually dialled, so DNS rebinding cannot reach internal hosts),
 * redirects are never followed, and only a small prefix of the response is read.
 */

export interface OutboundPolicy {
  /** Exact hostnames or IP literals (case-insensitive) that may use http and resolve to any address. */
  allowedHosts: string[];
}

export interface AttemptResult {
  /** The receiver answered 2xx. */
  ok: boolean;
  status: number | null;
  latencyMs: number;
  /** First 1 KiB of the response body, decoded leniently as UTF-8. */
  responseExcerpt: string;
  /** Network, timeout, blocked-address or redirect description; null when a response was read normally. */
  error: string | null;
  /** The receiver's Retry-After on 429/503. */
  retryAfterMs: number | null;
  /** 410 Gone: the receiver asks us to stop delivering to this endpoint. */
  gone: boolean;
}

export interface PostWebhookOptions {
  /** Total budget for connect, headers and body. Default 15000. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
  policy: OutboundPolicy;
  userAgent?: string;
}

export interface HeadCheckOptions {
  timeoutMs?: number;
  policy: OutboundPolicy;
}

export const MAX_ENDPOINT_URL_LENGTH = 2048;
const DEFAULT_TIMEOUT_MS = 15_000;
const DEFAULT_USER_AGENT = 'deskgate-webhooks/1';
const RESPONSE_READ_LIMIT_BYTES = 4096;
const RESPONSE_EXCERPT_BYTES = 1024;

// IANA special-purpose IPv4 ranges that are not globally reachable, plus multicast and the reserved 240/4.
const NON_PUBLIC_IPV4: ReadonlyArray<readonly [string, number]> = [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
];

const NON_PUBLIC_IPV6: ReadonlyArray<readonly [string, number]> = [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible block
  ['64:ff9b:1::', 48], // local-use NAT64
  ['100::', 64], // discard-only
  ['2001::', 23], // IETF protocol assignments, including Teredo
  ['2001:db8::', 32], // documentation
  ['3fff::', 20], // documentation
  ['5f00::', 16], // SRv6 SIDs
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // deprecated site-local
  ['ff00::', 8], // multicast
];

function buildNonPublicBlockList(): BlockList {
  const list = new BlockList();
  for (const [network, prefix] of NON_PUBLIC_IPV4) {
    list.addSubnet(network, prefix, 'ipv4');
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) embed an IPv4 address; block the embeddings of blocked ranges.
    // BlockList already applies IPv4 rules to IPv4-mapped addresses (::ffff:a.b.c.d).
    const [high, low] = ipv4AsHexGroups(network);
    list.addSubnet(`64:ff9b::${high}:${low}`, 96 + prefix, 'ipv6');
    list.addSubnet(`2002:${high}:${low}::`, 16 + prefix, 'ipv6');
  }
  for (const [network, prefix] of NON_PUBLIC_IPV6) list.addSubnet(network, prefix, 'ipv6');
  return list;
}

function ipv4AsHexGroups(address: string): [string, string] {
  const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
  return [((a << 8) | b).toString(16), ((c << 8) | d).toString(16)];
}

const NON_PUBLIC_ADDRESSES = buildNonPublicBlockList();

/** True for a globally routable unicast IP address; false for anything else, including non-IPs. */
export function isPublicAddress(address: string): boolean {
  const withoutZone = address.replace(/%.*$/, ''); // fe80::1%eth0: the zone id would defeat the lookup
  const family = isIP(withoutZone);
  if (family === 0) return false;
  return !NON_PUBLIC_ADDRESSES.check(withoutZone, family === 4 ? 'ipv4' : 'ipv6');
}

/** Hostname as compared with the allow-list: lower case, IPv6 literals without brackets. */
function hostnameOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

function isAllowListed(hostname: string, policy: OutboundPolicy): boolean {
  return policy.allowedHosts.some((allowed) => allowed.replace(/^\[(.*)\]$/, '$1').toLowerCase() === hostname);
}

/**
 * Static check of a partner-supplied endpoint URL. Returns a message fit to show
 * the partner, or null when the URL is acceptable. Hostnames are judged later,
 * at connect time, by the addresses they resolve to.
 */
export function checkEndpointUrl(url: string, policy: OutboundPolicy): string | null {
  if (url.length > MAX_ENDPOINT_URL_LENGTH) return `Endpoint URL must be at most ${MAX_ENDPOINT_URL_LENGTH} characters.`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'Endpoint URL must be an absolute URL.';
  }
  const hostname = hostnameOf(parsed);
  const allowListed = isAllowListed(hostname, policy);
  if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && allowListed)) return 'Endpoint URL must use https.';
  if (parsed.username !== '' || parsed.password !== '') return 'Endpoint URL must not contain a username or password.';
  // URL drops an empty fragment ("https://x/#"), so look at the raw text: '#' can only start a fragment.
  if (url.includes('#')) return 'Endpoint URL must not contain a fragment (#...).';
  if (isIP(hostname) !== 0 && !allowListed && !isPublicAddress(hostname)) {
    return 'Endpoint URL must not point to a private, loopback or otherwise non-public address.';
  }
  return null;
}

export class BlockedAddressError extends Error {
  override readonly name = 'BlockedAddressError';
}

type ResolveAll = (
  hostname: string,
  options: LookupAllOptions,
  callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for socket connects that refuses to hand back any non-public
 * address, so the check applies to the address actually dialled.
 * `resolve` is injectable to simulate hostile DNS answers in tests.
 */
export function createPublicOnlyLookup(resolve: ResolveAll = (hostname, options, callback) => dnsLookup(hostname, options, callback)): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '');
      // Any private answer is refused, even next to public ones: mixed answers are a rebinding pattern.
      const nonPublic = addresses.find((entry) => !isPublicAddress(entry.address));
      if (nonPublic) return callback(new BlockedAddressError(`${hostname} resolves to non-public address ${nonPublic.address}`), '');
      const [first] = addresses;
      if (!first) return callback(new BlockedAddressError(`${hostname} did not resolve to any address`), '');
      if (options.all) return callback(null, addresses);
      return callback(null, first.address, first.family);
    });
  };
}

const publicOnlyLookup = createPublicOnlyLookup();

interface GuardedRequest {
  method: 'POST' | 'HEAD';
  url: string;
  body?: string;
  headers: Record<string, string>;
  timeoutMs: number;
  connectTimeoutMs?: number;
  policy: OutboundPolicy;
  userAgent?: string;
}

interface GuardedResponse {
  status: number | null;
  headers: Record<string, string | string[] | undefined>;
  /** At most RESPONSE_READ_LIMIT_BYTES of the body. */
  bodyPrefix: Buffer;
  latencyMs: number;
  error: string | null;
}

/** Adds content-type and user-agent unless the caller set them (in any letter case). */
function withDefaultHeaders(headers: Record<string, string>, userAgent: string | undefined, hasBody: boolean): Record<string, string> {
  const present = new Set(Object.keys(headers).map((name) => name.toLowerCase()));
  const defaults: Record<string, string> = {};
  if (hasBody && !present.has('content-type')) defaults['content-type'] = 'application/json';
  if (!present.has('user-agent')) defaults['user-agent'] = userAgent ?? DEFAULT_USER_AGENT;
  return { ...defaults, ...headers };
}

async function readPrefix(body: AsyncIterable<Buffer> & { destroy(): unknown }, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) break;
    }
  } finally {
    // Never drain a large or endless body: closing the stream closes the connection.
    body.destroy();
  }
  return Buffer.concat(chunks).subarray(0, limit);
}

function describeFailure(err: unknown): string {
  for (let cause: unknown = err; cause instanceof Error; cause = cause.cause) {
    if (cause instanceof BlockedAddressError) return `blocked: ${cause.message}`;
  }
  if (!(err instanceof Error)) return String(err);
  const withCode = (e: Error): string => {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
  };
  return err.cause instanceof Error ? `${withCode(err)} (${withCode(err.cause)})` : withCode(err);
}

/**
 * The one place that talks to partner URLs. Never throws for network problems;
 * failures come back in `error`.
 */
async function sendGuarded(req: GuardedRequest): Promise<GuardedResponse> {
  const startedAt = performance.now();
  const elapsed = (): number => Math.round(performance.now() - startedAt);
  const response: GuardedResponse = { status: null, headers: {}, bodyPrefix: Buffer.alloc(0), latencyMs: 0, error: null };

  // Re-checked at send time: the policy may have changed since registration, and IP literals bypass `lookup`.
  const staticProblem = checkEndpointUrl(req.url, req.policy);
  if (staticProblem !== null) return { ...response, error: `blocked: ${staticProblem}`, latencyMs: elapsed() };

  const allowListed = isAllowListed(hostnameOf(new URL(req.url)), req.policy);
  // A fresh agent per request: no pooled connection outlives the DNS check that admitted it, and no
  // idle keep-alive socket closed by the receiver can fail the next delivery.
  const agent = new Agent({
    connect: { timeout: req.connectTimeoutMs ?? req.timeoutMs, ...(allowListed ? {} : { lookup: publicOnlyLookup }) },
  });
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), req.timeoutMs);
  try {
    const answer = await request(req.url, {
      method: req.method,
      headers: withDefaultHeaders(req.headers, req.userAgent, req.body !== undefined),
      body: req.body,
      dispatcher: agent,
      signal: deadline.signal,
    });
    response.status = answer.statusCode;
    response.headers = answer.headers;
    response.bodyPrefix = await readPrefix(answer.body, RESPONSE_READ_LIMIT_BYTES);
  } catch (err) {
    const phase = response.status === null ? '' : ' reading the response body';
    response.error = deadline.signal.aborted ? `timed out after ${req.timeoutMs} ms${phase}` : describeFailure(err);
  } finally {
    clearTimeout(timer);
    await agent.destroy();
  }
  return { ...response, latencyMs: elapsed() };
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const isSuccess = (status: number | null): boolean => status !== null && status >= 200 && status < 300;

export async function postWebhook(url: string, body: string, headers: Record<string, string>, opts: PostWebhookOptions): Promise<AttemptResult> {
  const response = await sendGuarded({
    method: 'POST',
    url,
    body,
    headers,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    connectTimeoutMs: opts.connectTimeoutMs,
    policy: opts.policy,
    userAgent: opts.userAgent,
  });
  const { status } = response;
  const isRedirect = status !== null && status >= 300 && status < 400;
  return {
    ok: isSuccess(status),
    status,
    latencyMs: response.latencyMs,
    // stream: true holds back a multi-byte character cut at the 1 KiB boundary instead of emitting U+FFFD.
    responseExcerpt: new TextDecoder('utf-8').decode(response.bodyPrefix.subarray(0, RESPONSE_EXCERPT_BYTES), { stream: true }),
    error: response.error ?? (isRedirect ? `redirect not followed (Location: ${firstHeader(response.headers.location) ?? 'none'})` : null),
    retryAfterMs: status === 429 || status === 503 ? parseRetryAfter(firstHeader(response.headers['retry-after'])) : null,
    gone: status === 410,
  };
}

/** HEAD probe of an endpoint before it is accepted (Circle subscriptions); ok = 2xx. */
export async function headCheck(url: string, opts: HeadCheckOptions): Promise<{ ok: boolean; status: number | null; error: string | null }> {
  const response = await sendGuarded({ method: 'HEAD', url, headers: {}, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, policy: opts.policy });
  return { ok: isSuccess(response.status), status: response.status, error: response.error };
}
