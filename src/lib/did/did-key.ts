import { ECDH } from 'node:crypto';
import { base58btc } from 'multiformats/bases/base58';
import { decodeBase64url, encodeBase64url } from '../base64url.js';
import type { PublicJwk } from '../keys/jwk.js';

// Multicodec prefixes (unsigned varint) of the key types did:key carries for us.
const ED25519_PUB = Uint8Array.of(0xed, 0x01);
const P256_PUB = Uint8Array.of(0x80, 0x24);

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/** The multibase (base58btc, 'z…') Multikey value of an Ed25519 or P-256 public JWK. */
export function multikeyFromJwk(jwk: PublicJwk): string {
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && jwk.x) {
    const x = decodeBase64url(jwk.x);
    if (!x || x.length !== 32) throw new TypeError('invalid Ed25519 key');
    return base58btc.encode(concat(ED25519_PUB, x));
  }
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && jwk.x && jwk.y) {
    const x = decodeBase64url(jwk.x);
    const y = decodeBase64url(jwk.y);
    if (!x || !y || x.length !== 32 || y.length !== 32) throw new TypeError('invalid P-256 key');
    const compressed = concat(Uint8Array.of((y[31]! & 1) === 1 ? 0x03 : 0x02), x);
    return base58btc.encode(concat(P256_PUB, compressed));
  }
  throw new TypeError('did:key supports Ed25519 and P-256 keys only');
}

/** Decode a 'z…' Multikey value to a public JWK; null when it is not a key we support. */
export function jwkFromMultikey(multibase: string): PublicJwk | null {
  let bytes: Uint8Array;
  try {
    bytes = base58btc.decode(multibase);
  } catch {
    return null;
  }
  if (startsWith(bytes, ED25519_PUB) && bytes.length === 34) {
    return { kty: 'OKP', crv: 'Ed25519', x: encodeBase64url(bytes.subarray(2)) };
  }
  if (startsWith(bytes, P256_PUB) && bytes.length === 35) {
    let point: Buffer;
    try {
      point = ECDH.convertKey(Buffer.from(bytes.subarray(2)), 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
    } catch {
      return null;
    }
    return { kty: 'EC', crv: 'P-256', x: encodeBase64url(point.subarray(1, 33)), y: encodeBase64url(point.subarray(33, 65)) };
  }
  return null;
}

export function didKeyFromJwk(jwk: PublicJwk): { did: string; kid: string } {
  const mk = multikeyFromJwk(jwk);
  return { did: `did:key:${mk}`, kid: `did:key:${mk}#${mk}` };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
