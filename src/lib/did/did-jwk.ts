import { decodeBase64url, encodeBase64url } from '../base64url.js';
import { toPublicJwk, type PublicJwk } from '../keys/jwk.js';
import { decodeUtf8 } from '../jws/compact.js';

/** did:jwk encodes the public JWK itself; the verification method fragment is always `#0`. */
export function didJwkFromJwk(jwk: PublicJwk): { did: string; kid: string } {
  const did = `did:jwk:${encodeBase64url(JSON.stringify(toPublicJwk(jwk)))}`;
  return { did, kid: `${did}#0` };
}

export function jwkFromDidJwk(did: string): PublicJwk | null {
  const encoded = did.slice('did:jwk:'.length);
  const bytes = decodeBase64url(encoded);
  if (!bytes) return null;
  const text = decodeUtf8(bytes);
  if (text === null) return null;
  try {
    const jwk = JSON.parse(text) as Record<string, unknown>;
    if (jwk === null || typeof jwk !== 'object' || 'd' in jwk) return null;
    return toPublicJwk(jwk);
  } catch {
    return null;
  }
}
