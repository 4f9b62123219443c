import { LRUCache } from 'lru-cache';
import { CHECKS } from './checks/index.js';
import { BASE_PROFILE, loadProfiles } from './registry.js';
import type { ProfileDefinition, ProfileReport, RuleOutcome, RuleStatus } from './types.js';
import { isPresent, viewOf, type McView } from './view.js';

export interface EvaluateOptions {
  now?: Date;
  /** Extra profiles to evaluate although the credential does not declare them (lint --profile). */
  alsoEvaluate?: string[];
  /**
   * The achievement's content as JSON text, given only when the credential is plain JSON (parsed
   * from text, or built by the issuer from its own serialization). Rules that, when run, read
   * nothing but the achievement are then evaluated once per achievement (see `evaluateProfile`).
   */
  achievementKey?: string | undefined;
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

type Rule = ProfileDefinition['rules'][number];

function evaluateRule(view: McView, rule: Rule): RuleOutcome {
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
  const outcome: RuleOutcome = { id: rule.id, severity: rule.severity, message: rule.message, source: rule.source, confidence: rule.confidence, status };
  if (verdict.detail !== undefined) outcome.detail = verdict.detail;
  return outcome;
}

/**
 * Outcomes of rules that read only the achievement, per achievement content, profile and rule
 * (by its position: profiles are loaded once and never change in a process). A cohort's
 * credentials share one achievement, so most rules run once per cohort instead of once per
 * credential. Sound because checks are pure functions of the view: a run that read only the
 * achievement takes the same path, and reaches the same outcome, for any credential whose
 * achievement has the same content. Outcomes are frozen, as they are shared. A rule seen reading
 * learner data is marked LEARNER and from then on runs for every credential, without the tracking.
 */
const LEARNER = 0;
type KnownOutcomes = Array<RuleOutcome | typeof LEARNER | undefined>;
const achievementOutcomes = new LRUCache<string, Map<ProfileDefinition, KnownOutcomes>>({ max: 256 });

/** Facts derived from an achievement alone (see achievementFact in view.ts), per achievement content. */
const achievementFacts = new LRUCache<string, NonNullable<McView['facts']>>({ max: 256 });

/** The view with its learner-specific parts behind getters that note being read. */
class TrackedView implements McView {
  learnerRead = false;
  readonly achievement: McView['achievement'];
  readonly qb: McView['qb'];
  readonly declared: McView['declared'];
  readonly facts: McView['facts'];
  constructor(private readonly view: McView) {
    this.achievement = view.achievement;
    this.qb = view.qb;
    this.declared = view.declared;
    this.facts = view.facts;
  }
  get credential() {
    return this.#learner('credential');
  }
  get issuer() {
    return this.#learner('issuer');
  }
  get subject() {
    return this.#learner('subject');
  }
  get record() {
    return this.#learner('record');
  }
  get now() {
    return this.#learner('now');
  }
  #learner<K extends 'credential' | 'issuer' | 'subject' | 'record' | 'now'>(k: K): McView[K] {
    this.learnerRead = true;
    return this.view[k];
  }
}

export function evaluateProfile(view: McView, profile: ProfileDefinition, achievementKey?: string): ProfileReport {
  const rules: RuleOutcome[] = [];
  let known: KnownOutcomes | undefined;
  if (achievementKey !== undefined) {
    let byProfile = achievementOutcomes.get(achievementKey);
    if (!byProfile) achievementOutcomes.set(achievementKey, (byProfile = new Map()));
    known = byProfile.get(profile);
    if (!known) byProfile.set(profile, (known = []));
  }
  let tracked: TrackedView | undefined;
  let failed = false;
  let warned = false;
  for (let i = 0; i < profile.rules.length; i++) {
    const r = profile.rules[i]!;
    const hit = known?.[i];
    let outcome: RuleOutcome;
    if (known === undefined || hit === LEARNER) outcome = evaluateRule(view, r);
    else if (hit !== undefined) outcome = hit;
    else {
      tracked ??= new TrackedView(view);
      tracked.learnerRead = false;
      outcome = evaluateRule(tracked, r);
      known[i] = tracked.learnerRead ? LEARNER : Object.freeze(outcome);
    }
    if (outcome.status === 'failed') failed = true;
    else if (outcome.status === 'warning') warned = true;
    rules.push(outcome);
  }
  return { profile: profile.id, name: profile.name, version: profile.version, status: failed ? 'failed' : warned ? 'warning' : 'passed', rules };
}

/**
 * Evaluate the base rules (for any micro-credential) and every profile the credential
 * declares. Rules of undeclared profiles never run, unless asked for with `alsoEvaluate`.
 */
export function evaluateBenchmarks(credential: Record<string, unknown>, options: EvaluateOptions = {}): BenchmarkResult {
  const view = viewOf(credential, options.now ?? new Date());
  if (options.achievementKey !== undefined) {
    let facts = achievementFacts.get(options.achievementKey);
    if (facts === undefined) achievementFacts.set(options.achievementKey, (facts = new Map()));
    view.facts = facts;
  }
  const profiles = loadProfiles();
  const wanted = [...new Set([...view.declared, ...(options.alsoEvaluate ?? [])])].filter((p) => p !== BASE_PROFILE);
  const unknown = wanted.filter((p) => !profiles.has(p));
  const reports: ProfileReport[] = [];
  const key = options.achievementKey;
  if (isMicroCredential(view) || wanted.length) reports.push(evaluateProfile(view, profiles.get(BASE_PROFILE)!, key));
  for (const id of wanted) {
    const p = profiles.get(id);
    if (p) reports.push(evaluateProfile(view, p, key));
  }
  return { declared: view.declared, unknown, reports, ok: unknown.length === 0 && reports.every((r) => r.status !== 'failed') };
}
