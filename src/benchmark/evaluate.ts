import { CHECKS } from './checks/index.js';
import { BASE_PROFILE, loadProfiles } from './registry.js';
import type { ProfileDefinition, ProfileReport, RuleOutcome, RuleStatus } from './types.js';
import { isPresent, viewOf, type McView } from './view.js';

export interface EvaluateOptions {
  now?: Date;
  /** Extra profiles to evaluate although the credential does not declare them (lint --profile). */
  alsoEvaluate?: string[];
}

export interface BenchmarkResult {
  /** Profiles the credential claims. */
  declared: string[];
  /** Declared profiles this installation does not know. */
  unknown: string[];
  reports: ProfileReport[];
  /** True when no error-severity rule of any evaluated profile failed. */
  ok: boolean;
}

/** Is this a micro-credential the base rules apply to? */
export function isMicroCredential(view: McView): boolean {
  return view.achievement.achievementType === 'MicroCredential' || isPresent(view.achievement.qualityBenchmark);
}

function evaluateRule(view: McView, rule: ProfileDefinition['rules'][number]): RuleOutcome {
  const base = { id: rule.id, severity: rule.severity, message: rule.message, source: rule.source, confidence: rule.confidence };
  const verdict = CHECKS[rule.check]!(view, rule.params ?? {});
  let status: RuleStatus;
  switch (verdict.result) {
    case 'pass':
      status = 'passed';
      break;
    case 'n/a':
      status = 'not-applicable';
      break;
    case 'info':
      status = 'info';
      break;
    case 'warn':
      status = 'warning';
      break;
    case 'fail':
      // A rule resting on an unconfirmed number never blocks: it can only warn.
      status = rule.severity === 'error' && rule.confidence !== 'unconfirmed' ? 'failed' : rule.severity === 'info' ? 'info' : 'warning';
      break;
  }
  return verdict.detail === undefined ? { ...base, status } : { ...base, status, detail: verdict.detail };
}

export function evaluateProfile(view: McView, profile: ProfileDefinition): ProfileReport {
  const rules = profile.rules.map((r) => evaluateRule(view, r));
  const status = rules.some((r) => r.status === 'failed') ? 'failed' : rules.some((r) => r.status === 'warning') ? 'warning' : 'passed';
  return { profile: profile.id, name: profile.name, version: profile.version, status, rules };
}

/**
 * Evaluate the base rules (for any micro-credential) and every profile the credential
 * declares. Rules of undeclared profiles never run, unless asked for with `alsoEvaluate`.
 */
export function evaluateBenchmarks(credential: Record<string, unknown>, options: EvaluateOptions = {}): BenchmarkResult {
  const view = viewOf(credential, options.now ?? new Date());
  const profiles = loadProfiles();
  const wanted = [...new Set([...view.declared, ...(options.alsoEvaluate ?? [])])].filter((p) => p !== BASE_PROFILE);
  const unknown = wanted.filter((p) => !profiles.has(p));
  const reports: ProfileReport[] = [];
  if (isMicroCredential(view) || wanted.length) reports.push(evaluateProfile(view, profiles.get(BASE_PROFILE)!));
  for (const id of wanted) {
    const p = profiles.get(id);
    if (p) reports.push(evaluateProfile(view, p));
  }
  return { declared: view.declared, unknown, reports, ok: unknown.length === 0 && reports.every((r) => r.status !== 'failed') };
}
