import { didKeyFromJwk } from '../../lib/did/did-key.js';
import { didJwkFromJwk } from '../../lib/did/did-jwk.js';
import type { PublicJwk } from '../../lib/keys/jwk.js';

export interface IssuerIdentifier {
  method: 'did:key' | 'did:jwk';
  /** The issuer id (goes into `issuer.id` and the JWT `iss`). */
  id: string;
  /** The DID URL of the key (goes into the JWT header `kid`). */
  kid: string;
}

/** The self-certifying issuer identifiers a key can serve as: did:key (P-256, Ed25519) and did:jwk (any). */
export function issuerIdentifiersForKey(jwk: PublicJwk): IssuerIdentifier[] {
  const out: IssuerIdentifier[] = [];
  if ((jwk.kty === 'EC' && jwk.crv === 'P-256') || (jwk.kty === 'OKP' && jwk.crv === 'Ed25519')) {
    const k = didKeyFromJwk(jwk);
    out.push({ method: 'did:key', id: k.did, kid: k.kid });
  }
  const j = didJwkFromJwk(jwk);
  out.push({ method: 'did:jwk', id: j.did, kid: j.kid });
  return out;
}
