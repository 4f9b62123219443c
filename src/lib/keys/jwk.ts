import { createPublicKey, createHash, type KeyObject } from 'node:crypto';
import { ALGORITHMS, type JwsAlgorithm } from '../jws/algorithms.js';

/** A public JSON Web Key as we handle it (only the members of the supported key types). */
export interface PublicJwk {
  kty: 'EC' | 'RSA' | 'OKP';
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  kid?: string;
  alg?: string;
  use?: string;
  [member: string]: unknown;
}

const PUBLIC_MEMBERS: Record<string, readonly string[]> = {
  EC: ['kty', 'crv', 'x', 'y'],
  RSA: ['kty', 'n', 'e'],
  OKP: ['kty', 'crv', 'x'],
};

/** Strip a JWK down to its public key members (drops `d`, primes, kid, …). */
export function toPublicJwk(jwk: Record<string, unknown>): PublicJwk {
  const members = PUBLIC_MEMBERS[String(jwk.kty)];
  if (!members) throw new TypeError(`unsupported key type ${String(jwk.kty)}`);
  const out: Record<string, unknown> = {};
  for (const m of members) if (jwk[m] !== undefined) out[m] = jwk[m];
  return out as PublicJwk;
}

/** RFC 7638 thumbprint (SHA-256, base64url) of the key's required members. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = PUBLIC_MEMBERS[String(jwk.kty)];
  if (!members) throw new TypeError(`unsupported key type ${String(jwk.kty)}`);
  const sorted = [...members].sort();
  const json = '{' + sorted.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(',') + '}';
  return createHash('sha256').update(json).digest('base64url');
}

// Importing a key is far more expensive than verifying with it; keep imported keys by thumbprint.
const keyCache = new Map<string, KeyObject>();
const KEY_CACHE_MAX = 1000;

const importedFrozen = new WeakMap<object, KeyObject>();

/** Import a public JWK as a node:crypto KeyObject (cached). Throws on malformed keys. */
export function importPublicJwk(jwk: Record<string, unknown>): KeyObject {
  // A frozen JWK (a resolver's cached key) cannot change: remember its KeyObject by identity
  // and skip hashing the thumbprint on every verification.
  const frozen = Object.isFrozen(jwk);
  if (frozen) {
    const known = importedFrozen.get(jwk);
    if (known) return known;
  }
  const pub = toPublicJwk(jwk);
  const id = jwkThumbprint(pub);
  let key = keyCache.get(id);
  if (!key) {
    key = createPublicKey({ key: pub as import('node:crypto').JsonWebKey, format: 'jwk' });
    if (keyCache.size >= KEY_CACHE_MAX) keyCache.clear();
    keyCache.set(id, key);
  }
  if (frozen) importedFrozen.set(jwk, key);
  return key;
}

/** The algorithm a key is meant for, inferred from its type; null when no supported one fits. */
export function algorithmForJwk(jwk: { kty?: unknown; crv?: unknown }): JwsAlgorithm | null {
  for (const [alg, spec] of Object.entries(ALGORITHMS) as Array<[JwsAlgorithm, (typeof ALGORITHMS)[JwsAlgorithm]]>) {
    if (jwk.kty === spec.kty && (spec.crv === undefined || jwk.crv === spec.crv)) return alg;
  }
  return null;
}

/** Two JWKs denote the same public key. */
export function sameKey(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  try {
    return jwkThumbprint(toPublicJwk(a)) === jwkThumbprint(toPublicJwk(b));
  } catch {
    return false;
  }
}
