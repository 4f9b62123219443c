/**
 * A read-only view of the parts of a credential the rules look at, so that each rule reads
 * named fields instead of walking the credential itself.
 */
import { dateTimeZMs } from '../lib/date-time.js';

export type Json = Record<string, unknown>;

export interface McView {
  credential: Json;
  issuer: Json;
  subject: Json;
  achievement: Json;
  /** achievement.qualityBenchmark (empty object when absent). */
  qb: Json;
  /** credentialSubject.qualityBenchmarkRecord (empty object when absent). */
  record: Json;
  /** Profiles the credential claims (qualityBenchmark.profile). */
  declared: string[];
  now: Date;
  /**
   * Facts derived from the achievement alone (see achievementFact), shared by every view of the
   * same achievement content when evaluate.ts knows that content; absent otherwise.
   */
  facts?: Map<unknown, Map<object, unknown>>;
}

/** What a fact derived from the achievement alone may read. */
export type AchievementSide = Pick<McView, 'achievement' | 'qb'>;

/**
 * `derive(achievement side, params)`, remembered in the view's per-achievement table when it has
 * one: a cohort's credentials share their achievement, so rules that combine an achievement fact
 * (a grading scheme's levels, say) with the learner's data derive the fact once. Sound because
 * `derive` sees nothing of the learner, and the table belongs to one achievement content. Facts
 * are shared between credentials: callers must not change them.
 */
export function achievementFact<T>(view: McView, derive: (side: AchievementSide, params: Record<string, unknown>) => T, params: Record<string, unknown>): T {
  const table = view.facts;
  if (table === undefined) return derive({ achievement: view.achievement, qb: view.qb }, params);
  let byParams = table.get(derive);
  if (byParams === undefined) table.set(derive, (byParams = new Map()));
  if (byParams.has(params)) return byParams.get(params) as T;
  const fact = derive({ achievement: view.achievement, qb: view.qb }, params);
  byParams.set(params, fact);
  return fact;
}

const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

export function viewOf(credential: Json, now: Date): McView {
  const subjectRaw = Array.isArray(credential.credentialSubject) ? credential.credentialSubject[0] : credential.credentialSubject;
  const subject = obj(subjectRaw);
  const achievement = obj(subject.achievement);
  const qb = obj(achievement.qualityBenchmark);
  const issuer = typeof credential.issuer === 'string' ? { id: credential.issuer } : obj(credential.issuer);
  const declared = Array.isArray(qb.profile) ? qb.profile.filter((p): p is string => typeof p === 'string') : [];
  return { credential, issuer, subject, achievement, qb, record: obj(subject.qualityBenchmarkRecord), declared, now };
}

/** Read a dotted path (`qb.assessment.types`) from the view. */
export function get(view: McView, path: string): unknown {
  let cur: unknown = view;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Json)[part];
  }
  return cur;
}

/** Present and not empty: not undefined/null, not '', not [], not {}. */
export function isPresent(v: unknown): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v === 'string') return v.trim() !== '';
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

/**
 * Date.parse of a string (undefined when not a date). Date-times with a timezone, what the rules
 * read for a cohort over and over, are parsed once per string (dateTimeZMs); other forms, such
 * as date-only strings or local times (whose meaning depends on the process's time zone), are
 * parsed each time.
 */
export function dateMs(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const zoned = dateTimeZMs(v);
  if (zoned !== null) return zoned;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t;
}

export const asArray = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The credit value: the native creditsAvailable is authoritative, the extension copy second. */
export function credits(view: McView): number | undefined {
  return num(view.achievement.creditsAvailable) ?? num(view.qb.creditValue);
}

/** Notional hours: the extension's number, else its ISO 8601 duration. */
export function notionalHours(view: McView): number | undefined {
  return num(view.qb.notionalHours) ?? durationHours(view.qb.volumeOfLearning);
}

/** Hours of an ISO 8601 duration such as PT60H or P2DT4H (days count 24 h); undefined if malformed. */
export function durationHours(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(v);
  if (!m || v === 'P' || v.endsWith('T')) return undefined;
  const [, w, d, h, min, s] = m.map((x) => (x === undefined ? 0 : Number(x)));
  return (w ?? 0) * 168 + (d ?? 0) * 24 + (h ?? 0) + (min ?? 0) / 60 + (s ?? 0) / 3600;
}

/** Alignments that state a learning outcome (by targetType or by name). */
export function learningOutcomes(view: McView): Json[] {
  return asArray(view.achievement.alignment)
    .map(obj)
    .filter((a) => ['ext:LearningOutcome', 'CFItem', 'ceasn:Competency', 'ext:ESCOSkill'].includes(String(a.targetType)));
}

export function levelsIn(view: McView, framework: string): Json[] {
  return asArray(view.qb.levels).map(obj).filter((l) => l.framework === framework);
}
