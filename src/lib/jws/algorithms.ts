/**
 * The JWS algorithms microcred signs and accepts. The allow-list is closed: `none`, HMAC and
 * anything else are refused before a key is even looked up.
 */
export const SUPPORTED_ALGORITHMS = ['ES256', 'RS256', 'EdDSA'] as const;
export type JwsAlgorithm = (typeof SUPPORTED_ALGORITHMS)[number];

interface AlgorithmSpec {
  /** Digest passed to node:crypto sign/verify; null for Ed25519 (pure EdDSA). */
  digest: 'sha256' | null;
  kty: 'EC' | 'RSA' | 'OKP';
  crv?: 'P-256' | 'Ed25519';
  /** ECDSA signatures in JWS are r||s (IEEE P1363), not DER. */
  dsaEncoding?: 'ieee-p1363';
}

export const ALGORITHMS: Readonly<Record<JwsAlgorithm, AlgorithmSpec>> = Object.freeze({
  ES256: { digest: 'sha256', kty: 'EC', crv: 'P-256', dsaEncoding: 'ieee-p1363' },
  RS256: { digest: 'sha256', kty: 'RSA' },
  EdDSA: { digest: null, kty: 'OKP', crv: 'Ed25519' },
});

export function isSupportedAlgorithm(alg: unknown): alg is JwsAlgorithm {
  return typeof alg === 'string' && (SUPPORTED_ALGORITHMS as readonly string[]).includes(alg);
}

/** Does this public JWK fit the algorithm (key type and curve)? Stops key/alg confusion. */
export function jwkFitsAlgorithm(jwk: { kty?: unknown; crv?: unknown }, alg: JwsAlgorithm): boolean {
  const spec = ALGORITHMS[alg];
  if (jwk.kty !== spec.kty) return false;
  return spec.crv === undefined || jwk.crv === spec.crv;
}
