/**
 * The verification report: the same object is returned by `verifyCredential`, printed by
 * `microcred verify --json` and (later) served by the HTTP verifier.
 */

export type CheckStatus = 'passed' | 'failed' | 'warning' | 'skipped';

/** Stable names of the checks, in the order they run. */
export type CheckName =
  | 'parse'
  | 'format'
  | 'jose-header'
  | 'key-resolution'
  | 'signature'
  | 'key-binding'
  | 'proof'
  | 'claims'
  | 'context'
  | 'type'
  | 'schema'
  | 'subject'
  | 'validity-period'
  | 'status'
  | 'jsonld'
  | 'benchmark'
  | 'trust';

/** Stable codes of check outcomes. Documented in the README; tests assert on these. */
export type CheckCode =
  | 'MC_OK'
  | 'MC_SKIPPED'
  // parse / format
  | 'MC_INPUT_EMPTY'
  | 'MC_INPUT_TOO_LARGE'
  | 'MC_INPUT_UNRECOGNIZED'
  | 'MC_JWS_MALFORMED'
  | 'MC_JSON_INVALID'
  | 'MC_JSON_DUPLICATE_KEY'
  | 'MC_JSON_TOO_DEEP'
  | 'MC_PAYLOAD_NOT_OBJECT'
  | 'MC_LEGACY_VCDM11'
  | 'MC_VC_CLAIM_CONTEXT_MISMATCH'
  // baked badges (PNG / SVG images)
  | 'MC_BAKED_INVALID'
  | 'MC_BAKED_NOT_FOUND'
  // header
  | 'MC_ALG_NOT_ALLOWED'
  | 'MC_HEADER_TYP_INVALID'
  | 'MC_HEADER_CRIT_UNSUPPORTED'
  | 'MC_HEADER_B64_UNSUPPORTED'
  | 'MC_HEADER_EXTRA'
  | 'MC_HEADER_KEY_MISSING'
  | 'MC_HEADER_JWK_PRIVATE'
  | 'MC_HEADER_JWK_INVALID'
  // keys
  | 'MC_KEY_UNRESOLVABLE'
  | 'MC_KEY_NOT_FOUND'
  | 'MC_KEY_ALG_MISMATCH'
  | 'MC_KEY_NOT_BOUND'
  | 'MC_KEY_BINDING_UNCHECKED'
  | 'MC_KEY_FETCH_BLOCKED'
  | 'MC_KEY_COMPROMISED'
  | 'MC_DID_METHOD_UNSUPPORTED'
  // signature / proof
  | 'MC_SIGNATURE_INVALID'
  | 'MC_PROOF_MISSING'
  | 'MC_PROOF_UNSUPPORTED'
  | 'MC_PROOF_INVALID'
  | 'MC_PROOF_DEPRECATED'
  // claims
  | 'MC_CLAIM_ISS_MISMATCH'
  | 'MC_CLAIM_SUB_MISMATCH'
  | 'MC_CLAIM_SUB_MISSING'
  | 'MC_CLAIM_JTI_MISMATCH'
  | 'MC_CLAIM_JTI_MISSING'
  | 'MC_CLAIM_NBF_MISMATCH'
  | 'MC_CLAIM_NBF_MISSING'
  | 'MC_CLAIM_EXP_MISMATCH'
  | 'MC_CLAIM_EXP_MISSING'
  | 'MC_CLAIM_INVALID'
  // structure
  | 'MC_CONTEXT_INVALID'
  | 'MC_CONTEXT_OUTDATED'
  | 'MC_TYPE_INVALID'
  | 'MC_SCHEMA_INVALID'
  | 'MC_SUBJECT_NO_IDENTIFIER'
  | 'MC_JSONLD_UNDEFINED_TERM'
  | 'MC_JSONLD_FAILED'
  | 'MC_CONTEXT_UNKNOWN'
  // dates
  | 'MC_DATE_INVALID'
  | 'MC_NOT_YET_VALID'
  | 'MC_EXPIRED'
  // status
  | 'MC_STATUS_REVOKED'
  | 'MC_STATUS_SUSPENDED'
  | 'MC_STATUS_UNAVAILABLE'
  | 'MC_STATUS_UNSUPPORTED'
  | 'MC_STATUS_LIST_INVALID'
  // quality benchmarks
  | 'MC_BENCHMARK_FAILED'
  | 'MC_BENCHMARK_WARNINGS'
  | 'MC_PROFILE_NOT_CLAIMED'
  | 'MC_PROFILE_UNKNOWN'
  // trust
  | 'MC_ISSUER_UNTRUSTED';

export interface CheckResult {
  check: CheckName;
  status: CheckStatus;
  code: CheckCode;
  message: string;
  /** Extra structured detail for a check (schema problems, benchmark rule outcomes, …). */
  details?: unknown;
}

export type CredentialFormat = 'vc-jwt' | 'vc-jwt-v1' | 'data-integrity' | 'json-unsecured' | 'unknown';

export interface VerificationReport {
  verified: boolean;
  format: CredentialFormat;
  /** The credential as decoded (the VC, not the JWT claims), when it could be parsed. */
  credential: Record<string, unknown> | null;
  checks: CheckResult[];
}
