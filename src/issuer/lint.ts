import { evaluateBenchmarks, type BenchmarkResult } from '../benchmark/evaluate.js';
import type { RuleOutcome } from '../benchmark/types.js';
import type { Problem } from '../errors.js';
import { checkJsonLdTermsNow } from '../lib/jsonld/expand.js';
import { validateExtensionSchemas } from '../model/schema/validate.js';
import { buildCredential, builtAchievement, sharedParts, type Credential } from './build.js';
import { checkBuiltCredential } from './check.js';
import { checkRequestShape, type IssuanceRequest } from './request.js';
import { signerDid, type Signer } from './signer.js';

export interface LintOptions {
  /** Issuer id to build with; a placeholder when linting without a key. */
  issuerId?: string;
  signer?: Signer;
  now?: Date;
  /** Evaluate these profiles too, even if the request does not declare them. */
  profiles?: string[];
}

export interface LintReport {
  /** The credential as it would be issued (unsigned), when the request could be built. */
  credential: Credential | null;
  /** Structural problems: request shape, OB 3.0 schema, extension schema, undefined JSON-LD terms. */
  problems: Problem[];
  benchmark: BenchmarkResult | null;
  /** True when the credential could be issued: no problems, no failed error-severity rule. */
  ok: boolean;
}

const LINT_ISSUER = 'urn:microcred:lint-issuer';

/**
 * Everything `issue` checks, without signing: the report a registrar fixes a request against.
 * Also the pre-signing gate of `issueCredential`, so the two can never disagree.
 */
export async function lintRequest(request: IssuanceRequest, options: LintOptions = {}): Promise<LintReport> {
  return lintRequestNow(request, options, false);
}

/**
 * lintRequest, answered at once (no promise) when the JSON-LD verdict for the credential's shape
 * is known, as it is for all but the first credential of a cohort. `shapeChecked`: the caller has
 * already refused a request that fails checkRequestShape.
 */
export function lintRequestNow(request: IssuanceRequest, options: LintOptions, shapeChecked: boolean): LintReport | Promise<LintReport> {
  const shape = shapeChecked ? checkPlaintextIdentifiers(request) : [...checkRequestShape(request), ...checkPlaintextIdentifiers(request)];
  if (shape.length) return { credential: null, problems: shape, benchmark: null, ok: false };
  const issuerId = options.issuerId ?? request.issuer?.id ?? (options.signer ? signerDid(options.signer) : undefined) ?? LINT_ISSUER;
  const now = options.now ?? new Date();
  const credential = buildCredential(request, { issuerId, now });
  // The shared parts (achievement, issuer profile, contexts…) are plain JSON with known text: the per-content caches apply.
  const parts = sharedParts(credential);
  const problems = checkBuiltCredential(credential, options.signer ?? null, parts);
  problems.push(...validateExtensionSchemas(credential, parts));
  const jsonld = checkJsonLdTermsNow(credential, parts);
  const finish = (terms: Problem[]) => {
    problems.push(...terms);
    return finishLint(credential, problems, now, options.profiles ?? []);
  };
  return jsonld instanceof Promise ? jsonld.then(finish) : finish(jsonld);
}

/** The benchmark rules, and the report, once the structural problems are all known. */
function finishLint(credential: Credential, problems: Problem[], now: Date, profiles: string[]): LintReport {
  const benchmark = evaluateBenchmarks(credential, { now, alsoEvaluate: profiles, achievementKey: builtAchievement(credential)?.key });
  for (const id of benchmark.unknown) {
    const declared = benchmark.declared.includes(id);
    problems.push({ path: declared ? '/credentialSubject/achievement/qualityBenchmark/profile' : '/', message: `unknown profile ${id}${declared ? '' : ' (asked for with --profile)'}; see microcred profiles`, code: 'MC_PROFILE_UNKNOWN' });
  }
  // "Could this be issued?" depends on the base rules and the declared profiles only: issuing never runs the others.
  const gate = benchmark.reports.filter((r) => r.profile === 'MC-BASE' || benchmark.declared.includes(r.profile));
  const blocking = problems.filter((p) => p.code !== 'MC_PROFILE_UNKNOWN' || benchmark.declared.some((d) => p.message.startsWith(`unknown profile ${d}`)));
  return { credential, problems, benchmark, ok: blocking.length === 0 && gate.every((r) => r.status !== 'failed') };
}

/**
 * The rules of every evaluated profile that failed, as problems (path `profile/rule`), and those
 * that warned. A plain loop: it runs once per credential of a cohort, over every rule.
 */
export function ruleOutcomes(benchmark: BenchmarkResult): { failed: Problem[]; warnings: RuleOutcome[] } {
  const failed: Problem[] = [];
  const warnings: RuleOutcome[] = [];
  for (const report of benchmark.reports) {
    for (const rule of report.rules) {
      if (rule.status === 'failed') failed.push({ path: `${report.profile}/${rule.id}`, message: `${rule.message}${rule.detail ? ` (${rule.detail})` : ''}`, code: rule.id });
      else if (rule.status === 'warning') warnings.push(rule);
    }
  }
  return { failed, warnings };
}

/**
 * Formats that can only be checked before hashing: once salted and hashed, a verifier can see
 * that an APAAR id is present but not whether it had 12 digits.
 */
function checkPlaintextIdentifiers(request: IssuanceRequest): Problem[] {
  const ids = request?.credentialSubject?.identifier;
  if (!Array.isArray(ids)) return [];
  return ids.flatMap((raw, i) => {
    const item = raw as { identityType?: unknown; identifier?: unknown };
    if (item.identityType === 'ext:APAAR' && typeof item.identifier === 'string' && !/^\d{12}$/.test(item.identifier)) {
      return [{ path: `/credentialSubject/identifier/${i}/identifier`, message: 'an APAAR id has 12 digits', code: 'IN-APAAR-FORMAT' }];
    }
    return [];
  });
}
