import * as nodeCrypto from 'node:crypto';

/**
 * One-shot digest: `crypto.hash` (Node ≥ 20.12) costs a third of a createHash object for inputs
 * this short, and a cohort hashes a few identifiers per learner. createHash where it is missing.
 */
const digestHex: (alg: string, data: string) => string =
  typeof nodeCrypto.hash === 'function' ? (alg, data) => nodeCrypto.hash(alg, data, 'hex') : (alg, data) => nodeCrypto.createHash(alg).update(data, 'utf8').digest('hex');

/** OB 3.0 IdentityHash: `sha256$<hex>` (or legacy `md5$<hex>`) over identifier + salt, UTF-8. */
export function identityHash(identifier: string, salt = '', alg: 'sha256' | 'md5' = 'sha256'): string {
  return `${alg}$${digestHex(alg, identifier + salt)}`;
}

/** Compare a plaintext identifier with a stored IdentityHash (hex case-insensitive). */
export function identityHashMatches(identifier: string, salt: string | undefined, stored: string): boolean {
  const m = /^(sha256|md5)\$([0-9a-fA-F]+)$/.exec(stored);
  if (!m) return false;
  const expected = Buffer.from(identityHash(identifier, salt ?? '', m[1] as 'sha256' | 'md5'));
  const actual = Buffer.from(`${m[1]}$${m[2]!.toLowerCase()}`);
  return expected.length === actual.length && nodeCrypto.timingSafeEqual(expected, actual);
}
