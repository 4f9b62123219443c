/**
 * The wallet's proof of possession of its key: a JWT key proof (OpenID4VCI 1.0 Appendix F.1).
 *
 * - header: `typ` exactly `openid4vci-proof+jwt`; `alg` ES256 or EdDSA (never `none`, never
 *   HMAC); the key as exactly one of `kid` (a did:key or did:jwk DID URL) or `jwk` (a public JWK);
 *   `x5c` is not supported;
 * - signature valid with that key (whose type must fit `alg`);
 * - payload: `aud` the Credential Issuer Identifier; `iat` within the allowed skew of now;
 *   `exp`, when present, not passed; `nonce` returned for the caller to check against c_nonces.
 *
 * The holder is identified by a DID: the did:key or did:jwk of `kid`, or the did:jwk of `jwk`.
 */
import { jwkFromDidJwk, didJwkFromJwk } from '../lib/did/did-jwk.js';
import { jwkFromMultikey } from '../lib/did/did-key.js';
import { jwkFitsAlgorithm, type JwsAlgorithm } from '../lib/jws/algorithms.js';
import { decodeUtf8, parseCompactJws, verifyJwsSignature } from '../lib/jws/compact.js';
import { importPublicJwk, toPublicJwk, type PublicJwk } from '../lib/keys/jwk.js';
import { Oid4vciError } from './errors.js';
import { PROOF_ALGORITHMS, PROOF_JWT_TYP } from './metadata.js';

export interface ProofCheckOptions {
  /** The Credential Issuer Identifier: the proof's `aud`. */
  audience: string;
  now: Date;
  /** Allowed difference between `iat` and now, in seconds. Default 300. */
  maxSkewSec?: number;
}

export interface VerifiedProof {
  /** The holder DID the credential is bound to (credentialSubject.id). */
  holderDid: string;
  jwk: PublicJwk;
  alg: JwsAlgorithm;
  /** The `nonce` claim, when present (the caller checks it against issued c_nonces). */
  nonce: string | undefined;
}

const fail = (description: string): Oid4vciError => new Oid4vciError(400, 'invalid_proof', description);

/** The public key and holder DID a `kid` DID URL names (did:key and did:jwk only: resolvable offline). */
function keyFromKid(kid: string): { jwk: PublicJwk; did: string } {
  const hash = kid.indexOf('#');
  const did = hash === -1 ? kid : kid.slice(0, hash);
  const fragment = hash === -1 ? null : kid.slice(hash + 1);
  if (did.startsWith('did:key:')) {
    const mb = did.slice('did:key:'.length);
    if (fragment !== null && fragment !== mb) throw fail('a did:key kid must be did:key:<key>#<key>');
    const jwk = /^z[1-9A-HJ-NP-Za-km-z]+$/.test(mb) ? jwkFromMultikey(mb) : null;
    if (!jwk) throw fail('the did:key in kid is not an Ed25519 or P-256 key');
    return { jwk, did };
  }
  if (did.startsWith('did:jwk:')) {
    if (fragment !== null && fragment !== '0') throw fail('a did:jwk kid must be did:jwk:<jwk>#0');
    let jwk: PublicJwk | null = null;
    try {
      jwk = jwkFromDidJwk(did);
    } catch {
      jwk = null;
    }
    if (!jwk) throw fail('the did:jwk in kid does not hold a public JWK');
    return { jwk, did };
  }
  if (did.startsWith('did:')) throw fail(`the DID method of kid is not supported here (use did:key, did:jwk or a jwk header): ${did.split(':').slice(0, 2).join(':')}`);
  throw fail('kid must be a DID URL (did:key or did:jwk); otherwise give the key as a jwk header');
}

export function verifyProofJwt(jwt: unknown, options: ProofCheckOptions): VerifiedProof {
  if (typeof jwt !== 'string' || jwt.length > 16_384) throw fail('the jwt proof must be a compact JWS string');
  const parsed = parseCompactJws(jwt);
  if ('code' in parsed) throw fail(`the jwt proof is malformed: ${parsed.message}`);
  const { header } = parsed;
  if (header.typ !== PROOF_JWT_TYP) throw fail(`the proof header typ must be "${PROOF_JWT_TYP}"`);
  const alg = header.alg;
  if (typeof alg !== 'string' || !(PROOF_ALGORITHMS as readonly string[]).includes(alg)) {
    throw fail(`the proof alg must be one of ${PROOF_ALGORITHMS.join(', ')}${typeof alg === 'string' ? `, not ${alg}` : ''}`);
  }
  const given = (['kid', 'jwk', 'x5c'] as const).filter((k) => header[k] !== undefined);
  if (given.length !== 1) throw fail('the proof header must name the key with exactly one of kid or jwk');
  let jwk: PublicJwk;
  let holderDid: string;
  if (header.x5c !== undefined) throw fail('x5c key proofs are not supported; use kid (did:key, did:jwk) or jwk');
  if (header.kid !== undefined) {
    if (typeof header.kid !== 'string') throw fail('kid must be a string');
    ({ jwk, did: holderDid } = keyFromKid(header.kid));
  } else {
    const raw = header.jwk;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw fail('jwk must be a JSON Web Key object');
    if ('d' in raw || 'p' in raw || 'k' in raw) throw fail('the jwk header must be a public key (it carries private key material)');
    try {
      jwk = toPublicJwk(raw as Record<string, unknown>);
    } catch {
      throw fail('the jwk header is not an EC, OKP or RSA public key');
    }
    holderDid = didJwkFromJwk(jwk).did;
  }
  if (!jwkFitsAlgorithm(jwk, alg as JwsAlgorithm)) throw fail(`the proof key does not fit alg ${alg}`);
  let key;
  try {
    key = importPublicJwk(jwk);
  } catch {
    throw fail('the proof key is not a valid public key');
  }
  if (!verifyJwsSignature(alg as JwsAlgorithm, key, parsed.signingInput, parsed.signature)) throw fail('the proof signature does not verify with its key');

  const text = decodeUtf8(parsed.payloadBytes);
  let payload: unknown;
  try {
    payload = text === null ? null : JSON.parse(text);
  } catch {
    payload = null;
  }
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw fail('the proof payload is not a JSON object');
  const claims = payload as Record<string, unknown>;
  const aud = claims.aud;
  const audOk = aud === options.audience || (Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string') && aud.includes(options.audience));
  if (!audOk) throw fail(`the proof aud must be the credential issuer ${options.audience}`);
  const skew = options.maxSkewSec ?? 300;
  const now = Math.floor(options.now.getTime() / 1000);
  if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) throw fail('the proof needs an iat (issued-at time, in seconds)');
  if (Math.abs(now - claims.iat) > skew) throw fail(`the proof iat is not within ${skew} seconds of the issuer's time: make a fresh proof`);
  if (claims.exp !== undefined && (typeof claims.exp !== 'number' || claims.exp + skew < now)) throw fail('the proof has expired');
  if (claims.nonce !== undefined && typeof claims.nonce !== 'string') throw fail('the proof nonce must be a string');
  return { holderDid, jwk, alg: alg as JwsAlgorithm, nonce: claims.nonce as string | undefined };
}
