/**
 * The verifier's network client in the browser bundle, standing in for
 * src/lib/net/guarded-fetch.ts (same exports, same error codes, same caching rules).
 *
 * In a browser there is no DNS to pin and no socket to guard: the page can only reach what any
 * web page can, under CORS, mixed-content rules and Private Network Access. What remains of the
 * policy is kept: https only (plain http only to the page's own origin, or when `allowHttp`),
 * no credentials in URLs, no cookies or referrer sent, one deadline for the whole fetch, a hard
 * cap on the body, and a cache that never outlives the server's Cache-Control.
 */
import { LRUCache } from 'lru-cache';
import { MicrocredError, type MicrocredErrorCode } from '../../errors.js';
import type * as Guarded from '../../lib/net/guarded-fetch.js';
import type { FetchedResource, ResourceFetcher } from '../../lib/net/types.js';

export interface GuardedFetchOptions {
  /** Default false: https only (the page's own origin may also be plain http). */
  allowHttp?: boolean;
  /** Accepted for compatibility; a browser cannot see addresses. */
  allowPrivateNetworks?: boolean;
  /** Accepted for compatibility; a browser cannot see addresses. */
  allowedHosts?: string[];
  /** Default 5000; covers the whole fetch including redirects and the body. */
  timeoutMs?: number;
  /** Default 1 MiB. */
  maxBytes?: number;
  /** Accepted for compatibility; the browser follows redirects itself (the final URL is checked). */
  maxRedirects?: number;
  /** Default 300000; successful responses are cached by url + accept. 0 disables. */
  cacheTtlMs?: number;
  /** Accepted for compatibility; there is no DNS lookup in a browser. */
  lookup?: unknown;
  /** Accepted for compatibility; browsers set their own User-Agent. */
  userAgent?: string;
}

export type FetchPolicy = Guarded.FetchPolicy;

export const DEFAULT_FETCH_POLICY: FetchPolicy = Object.freeze({
  allowHttp: false,
  allowPrivateNetworks: false,
  allowedHosts: Object.freeze([]) as readonly string[],
  timeoutMs: 5000,
  maxBytes: 1024 * 1024,
  maxRedirects: 3,
  cacheTtlMs: 300_000,
  userAgent: 'microcred/0.1 (+browser)',
});

/**
 * Addresses are never seen in a browser (no DNS access), so nothing is judged here: always
 * false. Kept so that the bundle has the verifier's full API.
 */
export function isBlockedAddress(_address: string): boolean {
  return false;
}

const CACHE_MAX_ENTRIES = 500;

interface Policy {
  allowHttp: boolean;
  timeoutMs: number;
  maxBytes: number;
  cacheTtlMs: number;
}

/** Build the verifier's fetcher on window.fetch. Each call gets its own cache and policy. */
export function createGuardedFetcher(options: GuardedFetchOptions = {}): ResourceFetcher & { clearCache(): void } {
  const d = DEFAULT_FETCH_POLICY;
  const policy: Policy = {
    allowHttp: options.allowHttp ?? d.allowHttp,
    timeoutMs: options.timeoutMs ?? d.timeoutMs,
    maxBytes: options.maxBytes ?? d.maxBytes,
    cacheTtlMs: options.cacheTtlMs ?? d.cacheTtlMs,
  };
  const cache = policy.cacheTtlMs > 0 ? new LRUCache<string, FetchedResource>({ max: CACHE_MAX_ENTRIES, ttl: policy.cacheTtlMs }) : undefined;

  const fetcher = async (url: string, init?: { accept?: string }): Promise<FetchedResource> => {
    const accept = init?.accept ?? '*/*';
    const key = `${accept}\n${url}`;
    const hit = cache?.get(key);
    if (hit) return { ...hit, body: hit.body.slice() };
    const result = await fetchWithDeadline(url, accept, policy);
    const ttl = result.maxAgeSec === undefined ? policy.cacheTtlMs : Math.min(policy.cacheTtlMs, result.maxAgeSec * 1000);
    if (ttl > 0) cache?.set(key, result, { ttl });
    return { ...result, body: result.body.slice() };
  };
  return Object.assign(fetcher, { clearCache: () => cache?.clear() });
}

function pageOrigin(): string | undefined {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin;
  return origin && origin !== 'null' ? origin : undefined;
}

function checkUrl(raw: string, policy: Policy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new MicrocredError('MC_FETCH_FAILED', `Fetch failed: not a valid URL: ${JSON.stringify(raw.slice(0, 200))}`, { cause });
  }
  const schemeOk = url.protocol === 'https:' || (url.protocol === 'http:' && (policy.allowHttp || url.origin === pageOrigin()));
  if (!schemeOk) throw fetchError('MC_FETCH_BLOCKED', url, `scheme ${url.protocol} not allowed`);
  if (url.username !== '' || url.password !== '') throw fetchError('MC_FETCH_BLOCKED', url, 'URLs with credentials are not allowed');
  return url;
}

async function fetchWithDeadline(raw: string, accept: string, policy: Policy): Promise<FetchedResource> {
  const url = checkUrl(raw, policy);
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, policy.timeoutMs);
  try {
    let res: Response;
    try {
      res = await fetch(url.href, {
        method: 'GET',
        headers: { accept },
        credentials: 'omit',
        mode: 'cors',
        redirect: 'follow',
        referrerPolicy: 'no-referrer',
        cache: 'no-store',
        signal: controller.signal,
      });
    } catch (cause) {
      if (timedOut) throw timeoutError(url, policy);
      throw fetchError('MC_FETCH_FAILED', url, 'network error, or the server does not allow cross-origin requests (CORS)', cause);
    }
    // The browser followed any redirects; the place it ended up must pass the same rules.
    const finalUrl = res.url ? checkUrl(res.url, policy) : url;
    if (res.status < 200 || res.status > 299) throw fetchError('MC_FETCH_HTTP_STATUS', finalUrl, `HTTP status ${res.status}`);
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > policy.maxBytes) {
      throw fetchError('MC_FETCH_TOO_LARGE', finalUrl, `Content-Length ${declared} exceeds ${policy.maxBytes} bytes`);
    }
    const body = await readBody(res, finalUrl, policy, () => timedOut);
    const resource: FetchedResource = { url: finalUrl.href, status: res.status, contentType: res.headers.get('content-type') ?? '', body };
    return withMaxAge(resource, res.headers.get('cache-control') ?? '');
  } finally {
    clearTimeout(timer);
  }
}

async function readBody(res: Response, url: URL, policy: Policy, timedOut: () => boolean): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0);
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > policy.maxBytes) {
        void reader.cancel().catch(() => undefined);
        throw fetchError('MC_FETCH_TOO_LARGE', url, `body exceeds ${policy.maxBytes} bytes`);
      }
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof MicrocredError) throw cause;
    if (timedOut()) throw timeoutError(url, policy);
    throw fetchError('MC_FETCH_FAILED', url, 'connection closed mid-body', cause);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

function timeoutError(url: URL, policy: Policy): MicrocredError {
  return fetchError('MC_FETCH_TIMEOUT', url, `no complete response within ${policy.timeoutMs} ms`);
}

function fetchError(code: MicrocredErrorCode, url: URL, reason: string, cause?: unknown): MicrocredError {
  return new MicrocredError(code, `Fetch of ${url.protocol}//${url.host}${url.pathname} failed: ${reason}`, { cause });
}

function withMaxAge(resource: FetchedResource, cacheControl: string): FetchedResource {
  const cc = cacheControl.toLowerCase();
  if (/\b(no-store|no-cache)\b/.test(cc)) return { ...resource, maxAgeSec: 0 };
  const m = /\bmax-age=(\d+)/.exec(cc);
  return m ? { ...resource, maxAgeSec: Number(m[1]) } : resource;
}

// Compile-time check: this module can stand in for guarded-fetch wherever the verifier imports it.
type Assert<T extends true> = T;
type Replaces = Pick<typeof Guarded, 'createGuardedFetcher' | 'isBlockedAddress' | 'DEFAULT_FETCH_POLICY'>;
export type StandsInForGuardedFetch = Assert<{ createGuardedFetcher: typeof createGuardedFetcher; isBlockedAddress: typeof isBlockedAddress; DEFAULT_FETCH_POLICY: typeof DEFAULT_FETCH_POLICY } extends Replaces ? true : false>;
