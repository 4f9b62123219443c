/**
 * Helpers for the quality-benchmark suites: the example requests, rule lookup in a lint report,
 * and small, realistic edits of a request (levels with their alignment copies, credit sizes
 * with matching hours).
 */
import { readFileSync, readdirSync } from 'node:fs';
import type { IssuanceRequest } from '../../src/issuer/index.js';
import type { BenchmarkResult, RuleOutcome } from '../../src/verifier/index.js';

/** The clock every benchmark test judges dates against. */
export const NOW = new Date('2026-01-01T00:00:00Z');

/** A request being edited by a test: plain JSON, freely mutable. */
export type Req = Record<string, any>;

const EXAMPLES_DIR = new URL('../../examples/requests/', import.meta.url);

export const EXAMPLE_FILES: readonly string[] = readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.json')).sort();

/** A fresh, deep copy of an example request. */
export function example(file: string): Req {
  return JSON.parse(readFileSync(new URL(file, EXAMPLES_DIR), 'utf8')) as Req;
}

export const asRequest = (r: Req): IssuanceRequest => r as IssuanceRequest;

/** The extension object of a request (achievement.qualityBenchmark). */
export const qbOf = (r: Req): Req => r.achievement.qualityBenchmark as Req;

/** Find a rule's outcome in a benchmark result; throws when the rule was not evaluated. */
export function outcome(benchmark: BenchmarkResult | null, id: string): RuleOutcome & { profile: string } {
  for (const report of benchmark?.reports ?? []) {
    const r = report.rules.find((x) => x.id === id);
    if (r) return { ...r, profile: report.profile };
  }
  throw new Error(`rule ${id} was not evaluated (profiles: ${(benchmark?.reports ?? []).map((x) => x.profile).join(', ')})`);
}

/** Every rule's status, keyed by rule id. */
export function statuses(benchmark: BenchmarkResult | null): Map<string, string> {
  return new Map((benchmark?.reports ?? []).flatMap((p) => p.rules.map((r) => [r.id, r.status] as [string, string])));
}

/** Alignment entries that state a learning outcome (what hasLearningOutcomes counts). */
const LO_TYPES = ['ext:LearningOutcome', 'CFItem', 'ceasn:Competency', 'ext:ESCOSkill'];

/** Remove every learning-outcome alignment (levels stay). */
export function dropLearningOutcomes(r: Req): void {
  r.achievement.alignment = (r.achievement.alignment as Req[]).filter((a) => !LO_TYPES.includes(String(a.targetType)));
}

/** Set the level of one framework, in qualityBenchmark.levels and in its ext:<F>Level alignment copy. */
export function setLevel(r: Req, framework: string, code: string): void {
  const qb = qbOf(r);
  const levels = ((qb.levels ?? []) as Req[]).filter((l) => l.framework !== framework);
  qb.levels = [...levels, { framework, code }];
  const type = `ext:${framework.replace(/[^A-Za-z]/g, '')}Level`;
  const alignment = ((r.achievement.alignment ?? []) as Req[]).filter((a) => a.targetType !== type);
  r.achievement.alignment = [{ targetType: type, targetCode: code, targetName: `${framework} level ${code}`, targetUrl: `https://example.org/frameworks/${framework.toLowerCase()}/${code}` }, ...alignment];
}

/**
 * Resize the IN example to `credits` NCrF credits, keeping every copy consistent: credits
 * available/earned, the extension's credit value, 30 notional hours per credit (and the ISO
 * duration), the theory/practical contact-hour breakdown and the stack target's countable credits.
 */
export function resizeNcrf(r: Req, credits: number): void {
  const qb = qbOf(r);
  r.achievement.creditsAvailable = credits;
  r.credentialSubject.creditsEarned = credits;
  qb.creditValue = credits;
  qb.notionalHours = credits * 30;
  qb.volumeOfLearning = `PT${credits * 30}H`;
  const practical = Math.ceil(credits / 2);
  qb.contactHours = { theory: (credits - practical) * 15, practical: practical * 30, experiential: 0 };
  for (const s of (qb.stackability?.stacksInto ?? []) as Req[]) s.creditsCountable = credits;
}

/** Set notional hours, the ISO 8601 volume of learning and the stated hours per credit together. */
export function setHours(r: Req, hours: number): void {
  const qb = qbOf(r);
  qb.notionalHours = hours;
  if (qb.volumeOfLearning !== undefined) qb.volumeOfLearning = `PT${hours}H`;
  const credits = r.achievement.creditsAvailable as number | undefined;
  if (qb.hoursPerCredit !== undefined && credits) qb.hoursPerCredit = Math.round((hours / credits) * 100) / 100;
}
