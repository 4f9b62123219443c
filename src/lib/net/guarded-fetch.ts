/**
 * The guarded network client: the only way verifier code reaches the network.
 *
 * Defends against SSRF: https only, no private/loopback/link-local targets, DNS resolved
 * once and the connection pinned to the checked address (no rebinding window), redirects
 * re-validated hop by hop, hard caps on time and size.
 */
import http from 'node:http';
import https from 'node:https';
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';
import { MicrocredError, type MicrocredErrorCode } from '../../errors.js';
import type { FetchedResource, ResourceFetcher } from './types.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface GuardedFetchOptions {
  /** Default false: https only. */
  allowHttp?: boolean;
  /** Default false: refuse loopback, private, link-local, CGNAT, multicast, reserved etc. */
  allowPrivateNetworks?: boolean;
  /** Hostnames exempt from the private-network rule (e.g. a test host or an intranet registry). */
  allowedHosts?: string[];
  /** Default 5000; covers the whole fetch including DNS, redirects and the body. */
  timeoutMs?: number;
  /** Default 1 MiB. */
  maxBytes?: number;
  /** Default 3; each hop is re-checked (scheme and address). */
  maxRedirects?: number;
  /** Default 300000; successful responses are cached by url + accept. 0 disables. */
  cacheTtlMs?: number;
  /** Injectable DNS (tests); default `dns.promises.lookup(host, { all: true })`. */
  lookup?: (hostname: string) => Promise<ResolvedAddress[]>;
  userAgent?: string;
}

/** The effective policy when an option is left out. */
export interface FetchPolicy {
  readonly allowHttp: boolean;
  readonly allowPrivateNetworks: boolean;
  readonly allowedHosts: readonly string[];
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;
  readonly cacheTtlMs: number;
  readonly userAgent: string;
}

export const DEFAULT_FETCH_POLICY: FetchPolicy = Object.freeze({
  allowHttp: false,
  allowPrivateNetworks: false,
  allowedHosts: Object.freeze([]) as readonly string[],
  timeoutMs: 5000,
  maxBytes: 1024 * 1024,
  maxRedirects: 3,
  cacheTtlMs: 300_000,
  userAgent: 'microcred/0.1 (+guarded-fetch)',
});

const CACHE_MAX_ENTRIES = 500;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Well-known NAT64 prefix (RFC 6052): the embedded IPv4 address decides. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
/** IANA allocates global unicast only from 2000::/3; anything else is not a public target. */
const IPV6_GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');

type Policy = Omit<FetchPolicy, 'allowedHosts'> & {
  allowedHosts: ReadonlySet<string>;
  lookup: (hostname: string) => Promise<ResolvedAddress[]>;
};

/**
 * True when `address` is not a public unicast address (or is not an IP address at all:
 * fail closed). IPv4-mapped and NAT64 IPv6 forms are judged by the IPv4 address they carry.
 */
export function isBlockedAddress(address: string): boolean {
  const literal = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  if (!ipaddr.isValid(literal)) return true;
  const parsed = ipaddr.parse(literal);
  if (parsed.kind() === 'ipv4') return parsed.range() !== 'unicast';
  return isBlockedIPv6(parsed as ipaddr.IPv6);
}

function isBlockedIPv6(addr: ipaddr.IPv6): boolean {
  if (addr.isIPv4MappedAddress()) return addr.toIPv4Address().range() !== 'unicast';
  if (addr.match(NAT64_WELL_KNOWN)) return embeddedIPv4(addr).range() !== 'unicast';
  const range: string = addr.range();
  if (range !== 'unicast' && range !== 'global') return true;
  // ipaddr reports e.g. IPv4-compatible ::7f00:1 as 'unicast'; only 2000::/3 is routable.
  return !addr.match(IPV6_GLOBAL_UNICAST);
}

function embeddedIPv4(addr: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = addr.toByteArray().slice(12);
  return new ipaddr.IPv4(bytes);
}

/** Build the verifier's fetcher. Each call gets its own cache and policy. */
export function createGuardedFetcher(options: GuardedFetchOptions = {}): ResourceFetcher & { clearCache(): void } {
  const policy = resolvePolicy(options);
  const cache =
    policy.cacheTtlMs > 0
      ? new LRUCache<string, FetchedResource>({ max: CACHE_MAX_ENTRIES, ttl: policy.cacheTtlMs })
      : undefined;

  const fetcher = async (url: string, init?: { accept?: string }): Promise<FetchedResource> => {
    const accept = init?.accept ?? '*/*';
    const key = `${accept}\n${url}`;
    const hit = cache?.get(key);
    if (hit) return copyResource(hit);
    const result = await fetchWithDeadline(url, accept, policy);
    // Never keep a response longer than its server allows: status lists change on revocation.
    const ttl = result.maxAgeSec === undefined ? policy.cacheTtlMs : Math.min(policy.cacheTtlMs, result.maxAgeSec * 1000);
    if (ttl > 0) cache?.set(key, result, { ttl });
    return copyResource(result);
  };
  return Object.assign(fetcher, { clearCache: () => cache?.clear() });
}

function resolvePolicy(options: GuardedFetchOptions): Policy {
  const d = DEFAULT_FETCH_POLICY;
  return {
    allowHttp: options.allowHttp ?? d.allowHttp,
    allowPrivateNetworks: options.allowPrivateNetworks ?? d.allowPrivateNetworks,
    allowedHosts: new Set((options.allowedHosts ?? d.allowedHosts).map(normalizeHost)),
    timeoutMs: options.timeoutMs ?? d.timeoutMs,
    maxBytes: options.maxBytes ?? d.maxBytes,
    maxRedirects: options.maxRedirects ?? d.maxRedirects,
    cacheTtlMs: options.cacheTtlMs ?? d.cacheTtlMs,
    userAgent: options.userAgent ?? d.userAgent,
    lookup: options.lookup ?? defaultLookup,
  };
}

async function defaultLookup(hostname: string): Promise<ResolvedAddress[]> {
  const results = await dnsLookup(hostname, { all: true });
  return results.map((r) => ({ address: r.address, family: r.family === 6 ? 6 : 4 }));
}

/** Callers get their own copy so mutating a body cannot poison the cache. */
function copyResource(r: FetchedResource): FetchedResource {
  return { ...r, body: r.body.slice() };
}

/** One timer bounds the whole fetch (DNS, every redirect hop, the body). */
async function fetchWithDeadline(url: string, accept: string, policy: Policy): Promise<FetchedResource> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), policy.timeoutMs);
  try {
    return await followRedirects(url, accept, policy, controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function followRedirects(
  startUrl: string,
  accept: string,
  policy: Policy,
  signal: AbortSignal,
): Promise<FetchedResource> {
  let current = startUrl;
  for (let hop = 0; hop <= policy.maxRedirects; hop++) {
    const target = parseAndCheckUrl(current, policy);
    const address = await resolveAndCheck(target, policy, signal);
    const outcome = await requestOnce(target, address, accept, policy, signal);
    if (outcome.kind === 'done') return outcome.resource;
    current = outcome.location;
  }
  throw fetchError('MC_FETCH_FAILED', startUrl, `more than ${policy.maxRedirects} redirects`);
}

function parseAndCheckUrl(raw: string, policy: Policy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new MicrocredError('MC_FETCH_FAILED', `Fetch failed: not a valid URL: ${JSON.stringify(raw.slice(0, 200))}`, {
      cause,
    });
  }
  const schemeOk = url.protocol === 'https:' || (url.protocol === 'http:' && policy.allowHttp);
  if (!schemeOk) throw fetchError('MC_FETCH_BLOCKED', url, `scheme ${url.protocol} not allowed`);
  // Credentials in URLs leak secrets into logs and let one URL impersonate another host.
  if (url.username !== '' || url.password !== '') {
    throw fetchError('MC_FETCH_BLOCKED', url, 'URLs with credentials are not allowed');
  }
  return url;
}

/** Resolve once and check every address; the returned address is the one we connect to. */
async function resolveAndCheck(url: URL, policy: Policy, signal: AbortSignal): Promise<ResolvedAddress> {
  const host = normalizeHost(url.hostname);
  // Decide "literal or name" exactly as node:net will, so a literal never skips the check.
  const literalFamily = isIP(host);
  const addresses = literalFamily !== 0
    ? [{ address: host, family: literalFamily === 6 ? 6 : 4 } as const]
    : await lookupWithDeadline(host, url, policy, signal);
  const first = addresses[0];
  if (first === undefined) throw fetchError('MC_FETCH_FAILED', url, 'host did not resolve');
  const exempt = policy.allowPrivateNetworks || policy.allowedHosts.has(host);
  // Any blocked address blocks: a mixed answer must not let the OS pick the private one.
  const blocked = exempt ? undefined : addresses.find((a) => isBlockedAddress(a.address));
  if (blocked) throw fetchError('MC_FETCH_BLOCKED', url, `address ${blocked.address} is not public`);
  return first;
}

async function lookupWithDeadline(
  host: string,
  url: URL,
  policy: Policy,
  signal: AbortSignal,
): Promise<ResolvedAddress[]> {
  // dns.lookup cannot be cancelled; stop waiting for it when the deadline passes.
  const timedOut = new Promise<never>((_, reject) => {
    const onAbort = (): void => reject(timeoutError(url, policy));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  timedOut.catch(() => undefined);
  try {
    return await Promise.race([policy.lookup(host), timedOut]);
  } catch (cause) {
    if (cause instanceof MicrocredError) throw cause;
    throw fetchError('MC_FETCH_FAILED', url, `DNS lookup failed (${describe(cause)})`, cause);
  }
}

/** Hostname as compared against allowedHosts: lowercase, no IPv6 brackets, no trailing dot. */
function normalizeHost(host: string): string {
  let h = host.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.')) h = h.slice(0, -1);
  return h;
}

type HopOutcome = { kind: 'done'; resource: FetchedResource } | { kind: 'redirect'; location: string };

function requestOnce(
  url: URL,
  address: ResolvedAddress,
  accept: string,
  policy: Policy,
  signal: AbortSignal,
): Promise<HopOutcome> {
  return new Promise<HopOutcome>((resolve, reject) => {
    let settled = false;
    const onAbort = (): void => fail(timeoutError(url, policy));
    const finish = (): void => {
      settled = true;
      signal.removeEventListener('abort', onAbort);
    };
    const fail = (err: MicrocredError): void => {
      if (settled) return;
      finish();
      req.destroy();
      reject(err);
    };
    const succeed = (outcome: HopOutcome): void => {
      if (settled) return;
      finish();
      // Never drain a redirect body: it could be endless.
      if (outcome.kind === 'redirect') req.destroy();
      resolve(outcome);
    };

    const req = buildRequest(url, address, accept, policy);
    req.on('error', (cause) => fail(fetchError('MC_FETCH_FAILED', url, describe(cause), cause)));
    req.on('response', (res) => handleResponse(url, res, policy, succeed, fail));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    req.end();
  });
}

function buildRequest(url: URL, address: ResolvedAddress, accept: string, policy: Policy): http.ClientRequest {
  const host = normalizeHost(url.hostname);
  const isTls = url.protocol === 'https:';
  const options: https.RequestOptions = {
    method: 'GET',
    host, // keeps the Host header and TLS certificate check on the hostname
    port: url.port === '' ? undefined : Number(url.port),
    path: `${url.pathname}${url.search}`,
    headers: { accept, 'accept-encoding': 'identity', 'user-agent': policy.userAgent },
    lookup: pinnedLookup(address),
    // No pooling: a pooled socket may have been opened under another fetcher's policy.
    agent: false,
  };
  // SNI must carry the hostname, never an IP literal (RFC 6066).
  if (isTls && isIP(host) === 0) options.servername = host;
  return (isTls ? https : http).request(options);
}

/** A lookup that always answers with the already-checked address, so no rebinding window exists. */
function pinnedLookup(checked: ResolvedAddress): LookupFunction {
  return (_hostname, opts, callback) => {
    if (opts.all) callback(null, [{ address: checked.address, family: checked.family }]);
    else callback(null, checked.address, checked.family);
  };
}

function handleResponse(
  url: URL,
  res: http.IncomingMessage,
  policy: Policy,
  succeed: (o: HopOutcome) => void,
  fail: (e: MicrocredError) => void,
): void {
  const status = res.statusCode ?? 0;
  const location = res.headers.location;
  if (REDIRECT_STATUSES.has(status) && location !== undefined) {
    succeed({ kind: 'redirect', location: new URL(location, url).href });
    return;
  }
  const problem = responseProblem(url, res, policy);
  if (problem) {
    fail(problem);
    return;
  }
  readBody(url, res, policy, fail, (body) =>
    succeed({
      kind: 'done',
      resource: withMaxAge({ url: url.href, status, contentType: headerValue(res.headers['content-type']), body }, headerValue(res.headers['cache-control'])),
    }),
  );
}

/** Reasons to reject a response before reading its body. */
function responseProblem(url: URL, res: http.IncomingMessage, policy: Policy): MicrocredError | undefined {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 299) return fetchError('MC_FETCH_HTTP_STATUS', url, `HTTP status ${status}`);
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > policy.maxBytes) {
    return fetchError('MC_FETCH_TOO_LARGE', url, `Content-Length ${declared} exceeds ${policy.maxBytes} bytes`);
  }
  // We asked for identity; silently returning compressed bytes would corrupt the document.
  const encoding = headerValue(res.headers['content-encoding']).trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    return fetchError('MC_FETCH_FAILED', url, `unsupported Content-Encoding ${encoding}`);
  }
  return undefined;
}

function readBody(
  url: URL,
  res: http.IncomingMessage,
  policy: Policy,
  fail: (e: MicrocredError) => void,
  done: (body: Uint8Array) => void,
): void {
  const chunks: Buffer[] = [];
  let total = 0;
  res.on('data', (chunk: Buffer) => {
    total += chunk.length;
    if (total > policy.maxBytes) {
      fail(fetchError('MC_FETCH_TOO_LARGE', url, `body exceeds ${policy.maxBytes} bytes`));
      return;
    }
    chunks.push(chunk);
  });
  res.on('end', () => done(new Uint8Array(Buffer.concat(chunks, total))));
  res.on('error', (cause) => fail(fetchError('MC_FETCH_FAILED', url, describe(cause), cause)));
  res.on('aborted', () => fail(fetchError('MC_FETCH_FAILED', url, 'connection closed mid-body')));
}

function headerValue(value: string | string[] | undefined): string {
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

function timeoutError(url: URL, policy: Policy): MicrocredError {
  return fetchError('MC_FETCH_TIMEOUT', url, `no complete response within ${policy.timeoutMs} ms`);
}

function fetchError(code: MicrocredErrorCode, url: URL | string, reason: string, cause?: unknown): MicrocredError {
  return new MicrocredError(code, `Fetch of ${displayUrl(url)} failed: ${reason}`, { cause });
}

/** URL for messages: no credentials or query string (may carry tokens), one line. */
function displayUrl(url: URL | string): string {
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return JSON.stringify(String(url).slice(0, 200));
  }
}

function describe(cause: unknown): string {
  const text = cause instanceof Error ? cause.message : String(cause);
  return text.replace(/\s+/g, ' ').trim();
}

function withMaxAge(resource: FetchedResource, cacheControl: string): FetchedResource {
  const cc = cacheControl.toLowerCase();
  if (/\b(no-store|no-cache)\b/.test(cc)) return { ...resource, maxAgeSec: 0 };
  const m = /\bmax-age=(\d+)/.exec(cc);
  return m ? { ...resource, maxAgeSec: Number(m[1]) } : resource;
}
