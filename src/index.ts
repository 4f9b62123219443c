/** microcred: the issuer and verifier together. Prefer the `microcred/verifier` entry to embed verification alone. */
export * from './issuer/index.js';
export {
  verifyCredential,
  createVerifier,
  recipientMatches,
  createKeyResolver,
  createGuardedFetcher,
  isBlockedAddress,
  type VerifyOptions,
  type VerificationReport,
  type CheckResult,
  type CheckStatus,
  type CheckName,
  type CheckCode,
  type KeyResolver,
  type ResourceFetcher,
} from './verifier/index.js';
export { bakePng, bakeSvg, unbake } from './baking/index.js';
