import { createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { ALGORITHMS, type JwsAlgorithm } from '../lib/jws/algorithms.js';
import { algorithmForJwk, toPublicJwk, type PublicJwk } from '../lib/keys/jwk.js';
import { MicrocredError } from '../errors.js';
import type { PrivateJwk } from './keys/generate.js';

/**
 * Everything the issuer needs from a key. Issuance code only ever holds a Signer, never key
 * bytes, so a KMS or HSM can stand in for the local file by implementing this interface.
 */
export interface Signer {
  readonly alg: JwsAlgorithm;
  /** The verification method: a DID URL or an https URL that dereferences to the public key. */
  readonly kid: string;
  readonly publicJwk: PublicJwk;
  /** Sign the JWS signing input; returns the JWS signature bytes (r||s for ECDSA). */
  sign(data: Uint8Array): Promise<Uint8Array>;
  /**
   * Synchronous variant for local keys, used on hot batch paths. `data` is valid only during the
   * call (the issuer reuses its buffer for the next signing input): copy it to keep it.
   */
  signSync?(data: Uint8Array): Uint8Array;
}

/** The DID a signer's key belongs to (its kid without the fragment), or undefined for a non-DID kid. */
export function signerDid(signer: Signer): string | undefined {
  const { kid } = signer;
  if (!kid.startsWith('did:')) return undefined;
  const hash = kid.indexOf('#');
  return hash === -1 ? kid : kid.slice(0, hash);
}

/** A Signer backed by a private JWK held in this process. */
export function createLocalSigner(privateJwk: PrivateJwk, kid: string): Signer {
  const alg = algorithmForJwk(privateJwk);
  if (!alg) throw new MicrocredError('MC_ALG_UNSUPPORTED', 'key type is not one of P-256, RSA, Ed25519');
  const key: KeyObject = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const spec = ALGORITHMS[alg];
  const signSync = (data: Uint8Array): Uint8Array =>
    cryptoSign(spec.digest, data, spec.dsaEncoding ? { key, dsaEncoding: spec.dsaEncoding } : key);
  return Object.freeze({
    alg,
    kid,
    publicJwk: toPublicJwk(privateJwk),
    signSync,
    sign: async (data: Uint8Array) => signSync(data),
    // Keep the key out of JSON.stringify / util.inspect of the signer.
    toJSON: () => ({ alg, kid }),
  });
}
