import { generateKeyPairSync } from 'node:crypto';
import type { JwsAlgorithm } from '../../lib/jws/algorithms.js';
import { toPublicJwk, type PublicJwk } from '../../lib/keys/jwk.js';
import { issuerIdentifiersForKey, type IssuerIdentifier } from './identifiers.js';

export interface PrivateJwk extends PublicJwk {
  d: string;
}

export interface GeneratedKey {
  alg: JwsAlgorithm;
  privateJwk: PrivateJwk;
  publicJwk: PublicJwk;
  identifiers: IssuerIdentifier[];
}

/** Make a new signing key. The private JWK records its `alg` so it can never be used with another. */
export function generateKey(alg: JwsAlgorithm): GeneratedKey {
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'RS256'
        ? generateKeyPairSync('rsa', { modulusLength: 3072 })
        : generateKeyPairSync('ed25519');
  const privateJwk = { ...pair.privateKey.export({ format: 'jwk' }), alg } as PrivateJwk;
  const publicJwk = { ...toPublicJwk(privateJwk), alg };
  return { alg, privateJwk, publicJwk, identifiers: issuerIdentifiersForKey(publicJwk) };
}
