/**
 * microcred/verifier: verify Open Badges 3.0 credentials. Never imports issuer code, so an
 * employer or wallet can embed it alone.
 */
export { verifyCredential, createVerifier, type VerifyOptions, type StatusChecker, type ProofVerifier } from './verify.js';
export { recipientMatches, type KnownRecipient } from './recipient.js';
export { createKeyResolver, didWebToUrl, type KeyResolver, type KeyResolution, type KeyResolverOptions } from './keys/resolve.js';
export { createGuardedFetcher, isBlockedAddress, DEFAULT_FETCH_POLICY, type GuardedFetchOptions } from '../lib/net/guarded-fetch.js';
export type { ResourceFetcher, FetchedResource } from '../lib/net/types.js';
export type { VerificationReport, CheckResult, CheckStatus, CheckName, CheckCode, CredentialFormat } from './report.js';
export type { VerifierInput } from './input.js';
export { SUPPORTED_ALGORITHMS, type JwsAlgorithm } from '../lib/jws/algorithms.js';
export { stackCredentials, type StackOptions, type StackReport, type StackedCredential, type CreditTotal, type StackNote } from './stack.js';
export { evaluateBenchmarks, type BenchmarkResult, type EvaluateOptions } from '../benchmark/evaluate.js';
export { loadProfiles, profileIds } from '../benchmark/registry.js';
export type { ProfileDefinition, ProfileReport, RuleOutcome, RuleDefinition } from '../benchmark/types.js';
export { parseTrustRegistry, trustRegistryFromReport, checkTrust, withTrust, lookupIssuer, type TrustRegistry } from './trust.js';
