/**
 * The part of `node:crypto` that the verifier uses, for the browser bundle, on @noble/curves and
 * @noble/hashes (audited, synchronous, no WebCrypto round trip: src/lib/jws/compact.ts calls
 * `verify` synchronously). Semantics follow Node's:
 *
 * - `createPublicKey({ key: jwk, format: 'jwk' })` accepts EC P-256 (the point must be on the
 *   curve), OKP Ed25519 (x must be 32 bytes) and RSA public keys, and throws otherwise;
 * - `verify(digest, data, key | { key, dsaEncoding }, signature)` returns false for a signature
 *   that does not verify or is malformed, and throws for unusable arguments (wrong digest for
 *   the key type, unsupported key): ES256 (`ieee-p1363` r||s or DER, high-S accepted as OpenSSL
 *   does), Ed25519 (RFC 8032 strict decoding, no digest), RSASSA-PKCS1-v1_5 with SHA-1/-256/-384/-512;
 * - `createHash`, `timingSafeEqual`, `ECDH.convertKey` (P-256), `randomBytes`, `randomUUID`.
 *
 * Anything else is absent on purpose: an import of it fails the build (esbuild reports the
 * missing export) instead of failing at run time in an employer's browser.
 */
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256, sha384, sha512, sha224 } from '@noble/hashes/sha2.js';
import { md5, sha1 } from '@noble/hashes/legacy.js';
import { Buffer } from './buffer.js';

type Bytes = Uint8Array;
type BinaryLike = string | Uint8Array | ArrayBufferView;
type Encoding = 'hex' | 'base64' | 'base64url' | 'latin1' | 'binary' | 'utf8' | 'utf-8' | 'ascii';

interface Hasher {
  update(data: Bytes): Hasher;
  digest(): Bytes;
}

const HASHES: Record<string, () => Hasher> = {
  sha256: () => sha256.create(),
  sha224: () => sha224.create(),
  sha384: () => sha384.create(),
  sha512: () => sha512.create(),
  sha1: () => sha1.create(),
  md5: () => md5.create(),
};

function hashName(algorithm: string): string {
  const name = algorithm.toLowerCase().replace(/^rsa-/, '').replace(/^sha-/, 'sha');
  return name;
}

function toBytes(data: BinaryLike, encoding?: string): Bytes {
  if (typeof data === 'string') return Buffer.from(data, (encoding ?? 'utf8') as Encoding);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError('The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView.');
}

export interface Hash {
  update(data: BinaryLike, inputEncoding?: string): Hash;
  digest(): Buffer;
  digest(encoding: string): string;
}

/** node:crypto's one-shot `hash(algorithm, data, outputEncoding)` (Node ≥ 20.12). */
export function hash(algorithm: string, data: BinaryLike, outputEncoding: string = 'hex'): string {
  return createHash(algorithm).update(data).digest(outputEncoding);
}

export function createHash(algorithm: string): Hash {
  const make = HASHES[hashName(algorithm)];
  if (!make) throw new Error(`Digest method not supported: ${algorithm}`);
  const h = make();
  let done = false;
  const hash: Hash = {
    update(data: BinaryLike, inputEncoding?: string) {
      if (done) throw new Error('Digest already called');
      h.update(toBytes(data, inputEncoding));
      return hash;
    },
    digest(encoding?: string): never {
      if (done) throw new Error('Digest already called');
      done = true;
      const out = Buffer.from(h.digest());
      return (encoding === undefined || encoding === 'buffer' ? out : out.toString(encoding as Encoding)) as never;
    },
  };
  return hash;
}

function digestOf(algorithm: string, data: Bytes): Bytes {
  const make = HASHES[hashName(algorithm)];
  if (!make) throw new Error(`Invalid digest: ${algorithm}`);
  return make().update(data).digest();
}

// --- keys --------------------------------------------------------------------------------------

type KeyMaterial =
  | { kind: 'ec'; point: Bytes /* uncompressed SEC1 */ }
  | { kind: 'ed25519'; x: Bytes }
  | { kind: 'rsa'; n: bigint; e: bigint; size: number };

const MATERIAL = new WeakMap<KeyObject, KeyMaterial>();

/** A public key as `createPublicKey` returns it (only what the verifier needs). */
export class KeyObject {
  readonly type = 'public' as const;
  readonly asymmetricKeyType: 'ec' | 'ed25519' | 'rsa';
  readonly #jwk: Record<string, string>;

  private constructor(material: KeyMaterial, jwk: Record<string, string>) {
    this.asymmetricKeyType = material.kind;
    this.#jwk = jwk;
    MATERIAL.set(this, material);
  }

  /** Internal: only createPublicKey makes keys. */
  static _create(material: KeyMaterial, jwk: Record<string, string>): KeyObject {
    return new KeyObject(material, jwk);
  }

  get asymmetricKeyDetails(): Record<string, unknown> {
    const m = MATERIAL.get(this)!;
    if (m.kind === 'ec') return { namedCurve: 'prime256v1' };
    if (m.kind === 'rsa') return { modulusLength: m.size * 8, publicExponent: m.e };
    return {};
  }

  export(options?: { format?: string }): Record<string, string> {
    if (options?.format !== 'jwk') throw new Error('only JWK export is supported in the browser build');
    return { ...this.#jwk };
  }

  equals(other: KeyObject): boolean {
    const a = JSON.stringify(this.#jwk);
    return other instanceof KeyObject && JSON.stringify(other.#jwk) === a;
  }
}

function invalidJwk(reason: string): Error {
  const e = new TypeError(`Invalid JWK: ${reason}`) as TypeError & { code: string };
  e.code = 'ERR_CRYPTO_INVALID_JWK';
  return e;
}

function jwkMember(jwk: Record<string, unknown>, name: string): Bytes {
  const v = jwk[name];
  if (typeof v !== 'string') {
    const e = new TypeError(`The "key.${name}" property must be of type string.`) as TypeError & { code: string };
    e.code = 'ERR_INVALID_ARG_TYPE';
    throw e;
  }
  // Node decodes JWK members leniently (as Buffer.from(v, 'base64url') does).
  return Buffer.from(v, 'base64url');
}

function bytesToBigInt(bytes: Bytes): bigint {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex === '' ? 0n : BigInt(`0x${hex}`);
}

function bigIntToBytes(n: bigint, length: number): Bytes {
  const out = new Uint8Array(length);
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

const P256_P = p256.Point.Fp.ORDER;

export function createPublicKey(input: { key: unknown; format?: string } | KeyObject): KeyObject {
  if (input instanceof KeyObject) return input;
  if (!input || typeof input !== 'object' || input.format !== 'jwk') throw new TypeError('only { key: <jwk>, format: "jwk" } keys are supported in the browser build');
  const jwk = input.key as Record<string, unknown>;
  if (!jwk || typeof jwk !== 'object') throw new TypeError('The "key.key" property must be of type object.');
  switch (jwk.kty) {
    case 'EC': {
      if (jwk.crv !== 'P-256') throw invalidJwk(`unsupported EC curve ${String(jwk.crv)}`);
      const x = bytesToBigInt(jwkMember(jwk, 'x'));
      const y = bytesToBigInt(jwkMember(jwk, 'y'));
      if (x >= P256_P || y >= P256_P) throw invalidJwk('EC coordinate out of range');
      let point: Bytes;
      try {
        const P = p256.Point.fromAffine({ x, y });
        P.assertValidity();
        point = P.toBytes(false);
      } catch {
        throw invalidJwk('the EC point is not on the curve');
      }
      return KeyObject._create({ kind: 'ec', point }, { kty: 'EC', crv: 'P-256', x: Buffer.from(point.subarray(1, 33)).toString('base64url'), y: Buffer.from(point.subarray(33)).toString('base64url') });
    }
    case 'OKP': {
      if (jwk.crv !== 'Ed25519') throw invalidJwk(`unsupported OKP curve ${String(jwk.crv)}`);
      const x = jwkMember(jwk, 'x');
      if (x.length !== 32) throw invalidJwk('Ed25519 x must be 32 bytes');
      return KeyObject._create({ kind: 'ed25519', x: new Uint8Array(x) }, { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(x).toString('base64url') });
    }
    case 'RSA': {
      const nBytes = jwkMember(jwk, 'n');
      const n = bytesToBigInt(nBytes);
      const e = bytesToBigInt(jwkMember(jwk, 'e'));
      if (n === 0n || e === 0n || (n & 1n) === 0n) throw invalidJwk('invalid RSA public key');
      const size = Math.ceil(n.toString(16).length / 2);
      return KeyObject._create({ kind: 'rsa', n, e, size }, { kty: 'RSA', n: Buffer.from(bigIntToBytes(n, size)).toString('base64url'), e: Buffer.from(bigIntToBytes(e, Math.ceil(e.toString(16).length / 2))).toString('base64url') });
    }
    default:
      throw invalidJwk(`unsupported key type ${String(jwk.kty)}`);
  }
}

// --- signatures --------------------------------------------------------------------------------

type VerifyKey = KeyObject | { key: KeyObject | { key: unknown; format?: string }; dsaEncoding?: 'der' | 'ieee-p1363'; padding?: number };

/** DER DigestInfo prefixes (RFC 8017 §9.2, note 1). */
const DIGEST_INFO: Record<string, string> = {
  sha1: '3021300906052b0e03021a05000414',
  sha224: '302d300d06096086480165030402040500041c',
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function hexToBytes(hex: string): Bytes {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2): recompute EM and compare it whole. */
function rsaPkcs1Verify(key: { n: bigint; e: bigint; size: number }, digestName: string, data: Bytes, signature: Bytes): boolean {
  const prefix = DIGEST_INFO[digestName];
  if (!prefix) throw new Error(`Invalid digest: ${digestName}`);
  if (signature.length !== key.size) return false;
  const s = bytesToBigInt(signature);
  if (s >= key.n) return false;
  const em = bigIntToBytes(modPow(s, key.e, key.n), key.size);
  const t = new Uint8Array([...hexToBytes(prefix), ...digestOf(digestName, data)]);
  if (key.size < t.length + 11) return false;
  const expected = new Uint8Array(key.size);
  expected[0] = 0x00;
  expected[1] = 0x01;
  expected.fill(0xff, 2, key.size - t.length - 1);
  expected[key.size - t.length - 1] = 0x00;
  expected.set(t, key.size - t.length);
  let diff = 0;
  for (let i = 0; i < key.size; i++) diff |= em[i]! ^ expected[i]!;
  return diff === 0;
}

export function verify(algorithm: string | null | undefined, data: BinaryLike, key: VerifyKey, signature: BinaryLike): boolean {
  const options = key instanceof KeyObject ? { key } : key;
  const keyObject = createPublicKey(options.key as KeyObject);
  const material = MATERIAL.get(keyObject);
  if (!material) throw new TypeError('not a public key');
  const message = toBytes(data);
  const sig = toBytes(signature);
  switch (material.kind) {
    case 'ed25519': {
      if (algorithm !== null && algorithm !== undefined) throw new Error('Ed25519 keys take no digest: pass null');
      try {
        return ed25519.verify(sig, message, material.x, { zip215: false });
      } catch {
        return false;
      }
    }
    case 'ec': {
      if (!algorithm) throw new Error('ECDSA needs a digest');
      const digest = digestOf(hashName(algorithm), message);
      const dsaEncoding = 'dsaEncoding' in options ? (options.dsaEncoding ?? 'der') : 'der';
      if (dsaEncoding !== 'der' && dsaEncoding !== 'ieee-p1363') throw new TypeError(`invalid dsaEncoding ${String(dsaEncoding)}`);
      try {
        return p256.verify(sig, digest, material.point, { prehash: false, lowS: false, format: dsaEncoding === 'der' ? 'der' : 'compact' });
      } catch {
        return false;
      }
    }
    case 'rsa': {
      if (!algorithm) throw new Error('RSA needs a digest');
      const padding = 'padding' in options ? options.padding : undefined;
      if (padding !== undefined && padding !== RSA_PKCS1_PADDING) throw new Error('only RSASSA-PKCS1-v1_5 is supported in the browser build');
      return rsaPkcs1Verify(material, hashName(algorithm), message, sig);
    }
  }
}

export const RSA_PKCS1_PADDING = 1;
export const constants = Object.freeze({ RSA_PKCS1_PADDING });

// --- other helpers -----------------------------------------------------------------------------

export function timingSafeEqual(a: ArrayBufferView, b: ArrayBufferView): boolean {
  const x = toBytes(a);
  const y = toBytes(b);
  if (x.byteLength !== y.byteLength) {
    const e = new RangeError('Input buffers must have the same byte length') as RangeError & { code: string };
    e.code = 'ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH';
    throw e;
  }
  let diff = 0;
  for (let i = 0; i < x.byteLength; i++) diff |= x[i]! ^ y[i]!;
  return diff === 0;
}

const P256_NAMES = new Set(['prime256v1', 'secp256r1', 'P-256']);

export const ECDH = Object.freeze({
  /** Convert an EC public point between compressed, uncompressed and hybrid forms (P-256 only). */
  convertKey(key: BinaryLike, curve: string, inputEncoding?: string, outputEncoding?: string, format: 'uncompressed' | 'compressed' | 'hybrid' = 'uncompressed'): Buffer | string {
    if (!P256_NAMES.has(curve)) throw new TypeError(`Invalid EC curve name ${curve} (the browser build supports prime256v1)`);
    let out: Bytes;
    try {
      const P = p256.Point.fromBytes(toBytes(key, inputEncoding));
      out = P.toBytes(format === 'compressed');
      if (format === 'hybrid') out[0] = 0x06 | (out[64]! & 1);
    } catch {
      throw new Error('Failed to convert Buffer to EC_POINT');
    }
    const buf = Buffer.from(out);
    return outputEncoding ? buf.toString(outputEncoding as Encoding) : buf;
  },
});

export function randomBytes(size: number): Buffer {
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i += 65536) globalThis.crypto.getRandomValues(out.subarray(i, Math.min(size, i + 65536)));
  return out;
}

export function randomUUID(): string {
  return globalThis.crypto.randomUUID();
}

export default { hash, createHash, createPublicKey, verify, timingSafeEqual, ECDH, KeyObject, randomBytes, randomUUID, constants };
