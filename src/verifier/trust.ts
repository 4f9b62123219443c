import { MicrocredError } from '../errors.js';
import type { CheckResult, VerificationReport } from './report.js';
import { issuerIdOf } from './checks/claims.js';

/**
 * A trust registry: the issuers an employer or registry recognises. JSON:
 *
 *   { "name": "…", "issuers": [ { "id": "https://univ.example/issuer" | "did:web:…" | "did:key:…",
 *       "name": "…", "jwksUrl"?: "https://…/.well-known/jwks.json", "accreditation"?: "NAAC A++ until 2028" } ] }
 *
 * A signed registry is the same JSON as the credentialSubject of a VC-JWT: verify it first with
 * `loadSignedTrustRegistry`, which requires a named signer.
 */
export interface TrustRegistry {
  name: string;
  issuers: Array<{ id: string; name?: string; jwksUrl?: string; accreditation?: string }>;
}

export function parseTrustRegistry(json: unknown, source = 'trust registry'): TrustRegistry {
  const r = json as Partial<TrustRegistry> | null;
  if (!r || typeof r !== 'object' || !Array.isArray(r.issuers)) throw new MicrocredError('MC_INPUT_UNRECOGNIZED', `${source}: expected {"name": …, "issuers": [ {"id": …} ]}`);
  r.issuers.forEach((i, n) => {
    if (!i || typeof i.id !== 'string' || !/^(https?:\/\/|did:)/.test(i.id)) throw new MicrocredError('MC_INPUT_UNRECOGNIZED', `${source}: issuers[${n}].id must be an http(s) URL or a DID`);
  });
  return { name: typeof r.name === 'string' ? r.name : 'trust registry', issuers: r.issuers };
}

/**
 * A registry published as a VC-JWT: accepted only when it verifies and was issued by
 * `expectedIssuer` (the registry operator), so a registry cannot vouch for itself.
 */
export function trustRegistryFromReport(report: VerificationReport, expectedIssuer: string): TrustRegistry {
  if (!report.verified || !report.credential) throw new MicrocredError('MC_INPUT_UNRECOGNIZED', `the signed trust registry does not verify: ${report.checks.find((c) => c.status === 'failed')?.message ?? 'unknown reason'}`);
  if (issuerIdOf(report.credential) !== expectedIssuer) throw new MicrocredError('MC_INPUT_UNRECOGNIZED', `the trust registry is signed by ${String(issuerIdOf(report.credential))}, not by ${expectedIssuer}`);
  return parseTrustRegistry(report.credential.credentialSubject, 'signed trust registry');
}

export function lookupIssuer(registry: TrustRegistry | null, issuerId: string | undefined) {
  return registry && issuerId ? (registry.issuers.find((i) => i.id === issuerId) ?? null) : null;
}

/** The `trust` check: recognised issuers pass; others are a warning (self-asserted), or a failure when required. */
export function checkTrust(report: VerificationReport, registry: TrustRegistry, require = false): CheckResult {
  const issuerId = report.credential ? issuerIdOf(report.credential) : undefined;
  const hit = lookupIssuer(registry, issuerId);
  if (hit) return { check: 'trust', status: 'passed', code: 'MC_OK', message: `recognised issuer: ${hit.name ?? hit.id} (${registry.name})${hit.accreditation ? `; ${hit.accreditation}` : ''}` };
  return { check: 'trust', status: require ? 'failed' : 'warning', code: 'MC_ISSUER_UNTRUSTED', message: `the issuer ${String(issuerId ?? 'unknown')} is not in ${registry.name}: its identity is self-asserted` };
}

/** Add the trust check to a report (recomputing `verified`). */
export function withTrust(report: VerificationReport, registry: TrustRegistry | null, require = false): VerificationReport {
  if (!registry) return report;
  const checks = [...report.checks, checkTrust(report, registry, require)];
  return { ...report, checks, verified: checks.every((c) => c.status !== 'failed') };
}
