/** Quality-benchmark profiles: data files of rules, each evaluated by a named check function. */

export type Severity = 'error' | 'warning' | 'info';
/** How firmly the research confirmed the number a rule rests on (frameworks research: P, S, U). */
export type Confidence = 'primary' | 'secondary' | 'unconfirmed';

export interface RuleDefinition {
  /** Stable rule id, e.g. IN-NCRF-CREDIT-HOURS. */
  id: string;
  /** Name of the check function (see checks/index.ts). */
  check: string;
  params?: Record<string, unknown>;
  severity: Severity;
  /** Plain-language statement of what the rule requires, shown to employers and registrars. */
  message: string;
  /** Citation key(s) into the profile's `sources`. */
  source: string;
  confidence: Confidence;
}

export interface ProfileDefinition {
  id: string;
  name: string;
  /** Version of this profile's rule set; bumped when rules change. */
  version: string;
  description: string;
  sources: Record<string, { title: string; url?: string }>;
  rules: RuleDefinition[];
}

export type RuleStatus = 'passed' | 'failed' | 'warning' | 'info' | 'not-applicable';

export interface RuleOutcome {
  id: string;
  status: RuleStatus;
  severity: Severity;
  message: string;
  /** What was found, when the rule did not pass (or extra facts for info rules). */
  detail?: string;
  source: string;
  confidence: Confidence;
}

export interface ProfileReport {
  profile: string;
  name: string;
  version: string;
  /** failed: an error-severity rule failed. */
  status: 'passed' | 'failed' | 'warning';
  rules: RuleOutcome[];
}

/** What a check function returns: `fail` takes the rule's severity; `warn` is always a warning. */
export type CheckVerdict =
  | { result: 'pass'; detail?: string }
  | { result: 'fail' | 'warn' | 'info'; detail: string }
  | { result: 'n/a'; detail?: string };
