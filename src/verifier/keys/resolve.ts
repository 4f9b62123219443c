import { jwkFromMultikey } from '../../lib/did/did-key.js';
import { jwkFromDidJwk } from '../../lib/did/did-jwk.js';
import { decodeUtf8 } from '../../lib/jws/compact.js';
import { LRUCache } from 'lru-cache';
import { jwkThumbprint, sameKey, toPublicJwk, type PublicJwk } from '../../lib/keys/jwk.js';
import type { ResourceFetcher } from '../../lib/net/types.js';
import { MicrocredError } from '../../errors.js';

export type KeyResolutionFailure = {
  ok: false;
  code: 'MC_KEY_UNRESOLVABLE' | 'MC_KEY_NOT_FOUND' | 'MC_KEY_FETCH_BLOCKED' | 'MC_DID_METHOD_UNSUPPORTED' | 'MC_KEY_COMPROMISED';
  message: string;
};
export type KeyResolution = { ok: true; jwk: PublicJwk; source: string } | KeyResolutionFailure;

/** Answers whether an issuer publishes a key: `true`, `false`, or a failure when it could not be checked. */
export type BindingResult = { ok: true; bound: boolean; message: string } | KeyResolutionFailure;

export interface KeyResolver {
  /** Dereference a `kid` (DID URL or https URL) to a public JWK. */
  resolveKid(kid: string): Promise<KeyResolution>;
  /** Does the issuer (a DID or an https id) publish this key? */
  issuerPublishesKey(issuerId: string, jwk: PublicJwk): Promise<BindingResult>;
}

export interface KeyResolverOptions {
  fetcher: ResourceFetcher;
  /** Keys known to be compromised (by JWK thumbprint check). They never verify. */
  compromisedKeys?: PublicJwk[];
}

interface DidDocument {
  id?: string;
  verificationMethod?: Array<{ id?: string; type?: string; controller?: string; publicKeyJwk?: Record<string, unknown>; publicKeyMultibase?: string }>;
  assertionMethod?: Array<string | { id?: string; type?: string; controller?: string; publicKeyJwk?: Record<string, unknown>; publicKeyMultibase?: string }>;
}

/**
 * The methods a DID controller authorises for issuing credentials: those listed (by reference
 * or embedded) under assertionMethod. A key meant only for key agreement or authentication
 * must not sign credentials.
 */
function assertionMethods(doc: DidDocument, did: string): Array<VerificationMethod & { absoluteId: string }> {
  const abs = (id: string | undefined) => (id === undefined ? '' : id.startsWith('#') ? did + id : id);
  const out: Array<VerificationMethod & { absoluteId: string }> = [];
  const byId = new Map((doc.verificationMethod ?? []).map((vm) => [abs(vm.id), vm]));
  for (const entry of doc.assertionMethod ?? []) {
    if (typeof entry === 'string') {
      const vm = byId.get(abs(entry));
      if (vm) out.push({ ...vm, absoluteId: abs(entry) });
    } else if (entry && typeof entry === 'object') {
      out.push({ ...entry, absoluteId: abs(entry.id) });
    }
  }
  return out;
}

function fail(code: KeyResolutionFailure['code'], message: string): KeyResolutionFailure {
  return { ok: false, code, message };
}

function fetchFailure(e: unknown, what: string): KeyResolutionFailure {
  if (e instanceof MicrocredError && e.code === 'MC_FETCH_BLOCKED') return fail('MC_KEY_FETCH_BLOCKED', `${what}: ${e.message}`);
  return fail('MC_KEY_UNRESOLVABLE', `${what}: ${e instanceof Error ? e.message : String(e)}`);
}

async function fetchJson(fetcher: ResourceFetcher, url: string, accept: string): Promise<unknown> {
  const res = await fetcher(url, { accept });
  const text = decodeUtf8(res.body);
  if (text === null) throw new Error(`${url} is not UTF-8`);
  return JSON.parse(text) as unknown;
}

/** did:web → https URL of its DID document (W3C did:web method spec). */
export function didWebToUrl(did: string): string | null {
  const parts = did.slice('did:web:'.length).split(':');
  if (parts.length === 0 || parts[0] === '') return null;
  const host = decodeURIComponent(parts[0]!);
  if (/[/?#@]/.test(host)) return null;
  const path = parts.slice(1).map((p) => encodeURIComponent(decodeURIComponent(p)));
  return path.length === 0 ? `https://${host}/.well-known/did.json` : `https://${host}/${path.join('/')}/did.json`;
}

/**
 * The public part of a published key, keeping `alg` and `use` so that the verifier can refuse
 * a key published for another algorithm or for encryption.
 */
export function publishedKey(src: Record<string, unknown>): PublicJwk {
  const pub = toPublicJwk(src);
  if (typeof src.alg === 'string') pub.alg = src.alg;
  if (typeof src.use === 'string') pub.use = src.use;
  return pub;
}

type VerificationMethod = NonNullable<DidDocument['verificationMethod']>[number];

function thumbprintOf(jwk: Record<string, unknown>): string | null {
  try {
    return jwkThumbprint(jwk);
  } catch {
    return null;
  }
}

function methodJwk(vm: VerificationMethod): PublicJwk | null {
  try {
    if (vm.publicKeyJwk && typeof vm.publicKeyJwk === 'object' && !('d' in vm.publicKeyJwk)) return publishedKey(vm.publicKeyJwk);
    if (typeof vm.publicKeyMultibase === 'string') return jwkFromMultikey(vm.publicKeyMultibase);
  } catch {
    return null;
  }
  return null;
}

/**
 * The default resolver. did:key and did:jwk are decoded locally; did:web documents and https
 * keys are fetched through the injected (guarded, caching) fetcher.
 */
export function createKeyResolver(options: KeyResolverOptions): KeyResolver {
  const { fetcher } = options;
  const compromised = options.compromisedKeys ?? [];
  // Bounded and expiring: issuer ids come from untrusted credentials, and keys rotate.
  const docCache = new LRUCache<string, Promise<DidDocument>>({ max: 500, ttl: 300_000 });
  // did:key and did:jwk are the key itself: decoding (P-256 point decompression) is cached per kid.
  const selfCertifying = new LRUCache<string, KeyResolution>({ max: 2000 });

  const checkCompromised = (r: KeyResolution): KeyResolution =>
    r.ok && compromised.some((k) => sameKey(k, r.jwk))
      ? fail('MC_KEY_COMPROMISED', `the key ${r.source} is marked compromised by its issuer`)
      : r;

  async function didWebDocument(did: string): Promise<DidDocument> {
    const url = didWebToUrl(did);
    if (!url) throw new Error(`malformed did:web identifier ${did}`);
    let p = docCache.get(url);
    if (!p) {
      p = fetchJson(fetcher, url, 'application/did+json, application/json') as Promise<DidDocument>;
      docCache.set(url, p);
      p.catch(() => docCache.delete(url));
    }
    const doc = await p;
    if (doc === null || typeof doc !== 'object' || doc.id !== did) throw new Error(`DID document at ${url} is not for ${did}`);
    return doc;
  }

  function findMethod(doc: DidDocument, did: string, kid: string): PublicJwk | null {
    const vm = assertionMethods(doc, did).find((m) => m.absoluteId === kid);
    return vm ? methodJwk(vm) : null;
  }

  /** A verification method the controller marked `revoked` (DID Core / security vocabulary). */
  function revokedMethod(doc: DidDocument, did: string, kid: string): string | null {
    const vm = (doc.verificationMethod ?? []).find((m) => (m.id?.startsWith('#') ? did + m.id : m.id) === kid) as { revoked?: unknown } | undefined;
    return vm && vm.revoked !== undefined ? String(vm.revoked) : null;
  }

  async function resolveDid(kid: string): Promise<KeyResolution> {
    const did = kid.split('#')[0]!;
    if (did.startsWith('did:key:')) {
      const mk = did.slice('did:key:'.length);
      const frag = kid.includes('#') ? kid.slice(kid.indexOf('#') + 1) : mk;
      if (frag !== mk) return fail('MC_KEY_NOT_FOUND', `did:key verification method #${frag} does not match the key ${mk}`);
      const jwk = jwkFromMultikey(mk);
      return jwk ? { ok: true, jwk, source: kid } : fail('MC_KEY_UNRESOLVABLE', `did:key ${did} is not an Ed25519 or P-256 key`);
    }
    if (did.startsWith('did:jwk:')) {
      const frag = kid.includes('#') ? kid.slice(kid.indexOf('#') + 1) : '0';
      if (frag !== '0') return fail('MC_KEY_NOT_FOUND', `did:jwk has only the verification method #0, not #${frag}`);
      const jwk = jwkFromDidJwk(did);
      return jwk ? { ok: true, jwk, source: kid } : fail('MC_KEY_UNRESOLVABLE', `did:jwk ${did} does not decode to a public JWK`);
    }
    if (did.startsWith('did:web:')) {
      let doc: DidDocument;
      try {
        doc = await didWebDocument(did);
      } catch (e) {
        return fetchFailure(e, `cannot resolve ${did}`);
      }
      // A bare DID as kid is only unambiguous when the document has exactly one method.
      const revoked = kid.includes('#') ? revokedMethod(doc, did, kid) : null;
      if (revoked !== null) return fail('MC_KEY_COMPROMISED', `${did} marks the key ${kid} compromised (revoked ${revoked})`);
      const methods = assertionMethods(doc, did);
      const jwk = kid.includes('#') ? findMethod(doc, did, kid) : methods.length === 1 ? methodJwk(methods[0]!) : null;
      return jwk ? { ok: true, jwk, source: kid } : fail('MC_KEY_NOT_FOUND', `${did} has no assertion method ${kid}`);
    }
    return fail('MC_DID_METHOD_UNSUPPORTED', `DID method ${did.split(':').slice(0, 2).join(':')} is not supported (did:key, did:jwk, did:web are)`);
  }

  async function resolveHttps(kid: string): Promise<KeyResolution> {
    let body: unknown;
    try {
      body = await fetchJson(fetcher, kid, 'application/jwk+json, application/jwk-set+json, application/ld+json, application/json');
    } catch (e) {
      return fetchFailure(e, `cannot fetch key ${kid}`);
    }
    if (body === null || typeof body !== 'object') return fail('MC_KEY_UNRESOLVABLE', `${kid} is not a JWK or JWK Set`);
    const obj = body as Record<string, unknown>;
    if (Array.isArray(obj.keys)) {
      const keys = obj.keys as Array<Record<string, unknown>>;
      const fragment = kid.includes('#') ? kid.slice(kid.indexOf('#') + 1) : null;
      // The fragment may also be the key's RFC 7638 thumbprint, which a set whose kids have changed form still yields.
      const match = keys.find((k) => k.kid === kid || (fragment !== null && (k.kid === fragment || thumbprintOf(k) === fragment)));
      const chosen = match ?? (keys.length === 1 && fragment === null ? keys[0] : undefined);
      if (!chosen) return fail('MC_KEY_NOT_FOUND', `JWK Set at ${kid} has no key with that kid`);
      if ('d' in chosen) return fail('MC_KEY_UNRESOLVABLE', `${kid} serves a private key; refusing it`);
      if (chosen.revoked !== undefined) return fail('MC_KEY_COMPROMISED', `the issuer marked the key ${kid} compromised (revoked ${String(chosen.revoked)})`);
      try {
        return { ok: true, jwk: publishedKey(chosen), source: kid };
      } catch {
        return fail('MC_KEY_UNRESOLVABLE', `key in ${kid} is not a supported key type`);
      }
    }
    if ('d' in obj) return fail('MC_KEY_UNRESOLVABLE', `${kid} serves a private key; refusing it`);
    if (obj.revoked !== undefined) return fail('MC_KEY_COMPROMISED', `the issuer marked the key ${kid} compromised (revoked ${String(obj.revoked)})`);
    // A verification method document (a Data Integrity key at its own URL: Multikey or JsonWebKey),
    // which must describe the key it was fetched for.
    if (typeof obj.publicKeyMultibase === 'string' || (obj.publicKeyJwk !== null && typeof obj.publicKeyJwk === 'object')) {
      if (obj.id !== kid) return fail('MC_KEY_UNRESOLVABLE', `${kid} serves the verification method ${String(obj.id).slice(0, 120)}, not its own`);
      const jwk = methodJwk(obj as VerificationMethod);
      return jwk ? { ok: true, jwk, source: kid } : fail('MC_KEY_UNRESOLVABLE', `${kid} is not a supported verification method (Ed25519 or P-256)`);
    }
    try {
      return { ok: true, jwk: publishedKey(obj), source: kid };
    } catch {
      return fail('MC_KEY_UNRESOLVABLE', `${kid} is not a supported JWK`);
    }
  }

  return {
    async resolveKid(kid) {
      if (kid.startsWith('did:key:') || kid.startsWith('did:jwk:')) {
        let r = selfCertifying.get(kid);
        if (!r) {
          r = await resolveDid(kid);
          // Frozen, so the signature check may remember its imported KeyObject by this object.
          if (r.ok) Object.freeze(r.jwk);
          selfCertifying.set(kid, r);
        }
        return checkCompromised(r);
      }
      if (kid.startsWith('did:')) return checkCompromised(await resolveDid(kid));
      if (/^https?:\/\//i.test(kid)) return checkCompromised(await resolveHttps(kid));
      return fail('MC_KEY_UNRESOLVABLE', `kid "${kid.slice(0, 80)}" is neither a DID URL nor an https URL`);
    },

    async issuerPublishesKey(issuerId, jwk) {
      if (issuerId.startsWith('did:key:') || issuerId.startsWith('did:jwk:')) {
        const r = await resolveDid(issuerId);
        if (!r.ok) return r;
        return { ok: true, bound: sameKey(r.jwk, jwk), message: `issuer ${issuerId} is the key itself` };
      }
      if (issuerId.startsWith('did:web:')) {
        let doc: DidDocument;
        try {
          doc = await didWebDocument(issuerId);
        } catch (e) {
          return fetchFailure(e, `cannot resolve issuer ${issuerId}`);
        }
        const bound = assertionMethods(doc, issuerId).some((vm) => {
          const k = methodJwk(vm);
          return k !== null && sameKey(k, jwk);
        });
        return { ok: true, bound, message: bound ? `${issuerId} lists the key` : `${issuerId} does not list the key` };
      }
      if (issuerId.startsWith('did:')) return fail('MC_DID_METHOD_UNSUPPORTED', `DID method of issuer ${issuerId} is not supported`);
      let url: URL;
      try {
        url = new URL('/.well-known/jwks.json', issuerId);
      } catch {
        return fail('MC_KEY_UNRESOLVABLE', `issuer id ${issuerId} is neither a DID nor a URL`);
      }
      let set: unknown;
      try {
        set = await fetchJson(fetcher, url.href, 'application/jwk-set+json, application/json');
      } catch (e) {
        return fetchFailure(e, `cannot fetch the issuer's key set ${url.href}`);
      }
      const keys = (set as { keys?: unknown })?.keys;
      if (!Array.isArray(keys)) return fail('MC_KEY_UNRESOLVABLE', `${url.href} is not a JWK Set`);
      // A published private key is a leaked key: it binds nothing.
      const bound = keys.some((k) => k !== null && typeof k === 'object' && !('d' in k) && !('revoked' in k) && sameKey(k as Record<string, unknown>, jwk));
      return { ok: true, bound, message: bound ? `${url.href} lists the key` : `${url.href} does not list the key` };
    },
  };
}
