import { QB_CONTEXT_URL, QB_SCHEMA_URL } from '../../model/constants.js';
import type { CheckVerdict } from '../types.js';
import { achievementFact, asArray, credits, dateMs, durationHours, isPresent, num, type AchievementSide, type Json, type McView } from '../view.js';

type Params = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** Base rules: copies of native OB values agree, and the record is internally consistent. */

export function extensionDeclared(view: McView): CheckVerdict {
  if (!isPresent(view.achievement.qualityBenchmark) && !isPresent(view.subject.qualityBenchmarkRecord)) return { result: 'n/a', detail: 'no extension data' };
  const ctx = asArray(view.credential['@context']);
  const schemas = asArray(view.credential.credentialSchema).map((s) => obj(s).id);
  const missing = [!ctx.includes(QB_CONTEXT_URL) && `@context ${QB_CONTEXT_URL}`, !schemas.includes(QB_SCHEMA_URL) && `credentialSchema ${QB_SCHEMA_URL}`].filter(Boolean);
  return missing.length ? { result: 'fail', detail: `uses the quality-benchmark extension without declaring ${missing.join(' and ')}` } : { result: 'pass' };
}

export function creditSystemDeclared(view: McView): CheckVerdict {
  if (num(view.achievement.creditsAvailable) === undefined) return { result: 'n/a', detail: 'no creditsAvailable' };
  // Badges from issuers that do not use the extension are not failed for it, only told.
  if (!isPresent(view.achievement.qualityBenchmark)) return { result: 'warn', detail: 'the credit system is not stated (the credential does not use the quality-benchmark extension)' };
  if (view.qb.creditSystem === 'none') return { result: 'fail', detail: 'creditSystem is "none", but creditsAvailable gives a number of credits' };
  return isPresent(view.qb.creditSystem) ? { result: 'pass', detail: `credits are ${String(view.qb.creditSystem)} credits` } : { result: 'fail', detail: 'creditsAvailable is given without saying which credit system it counts in' };
}

export function creditCopy(view: McView): CheckVerdict {
  const native = num(view.achievement.creditsAvailable);
  const copy = num(view.qb.creditValue);
  if (copy === undefined) return { result: 'n/a' };
  if (native === undefined) return { result: 'fail', detail: `qualityBenchmark.creditValue ${copy} is given but achievement.creditsAvailable is missing` };
  return native === copy ? { result: 'pass' } : { result: 'fail', detail: `qualityBenchmark.creditValue ${copy} differs from achievement.creditsAvailable ${native}` };
}

const resultsOf = (view: McView) => asArray(view.subject.result).map(obj);

export function creditsEarned(view: McView): CheckVerdict {
  const earned = num(view.subject.creditsEarned);
  const available = credits(view);
  if (earned === undefined) return { result: 'n/a', detail: 'no creditsEarned' };
  if (earned < 0) return { result: 'fail', detail: `creditsEarned ${earned} is negative` };
  if (available === undefined) return { result: 'warn', detail: `creditsEarned ${earned} with no creditsAvailable to compare against` };
  if (earned > available) return { result: 'fail', detail: `creditsEarned ${earned} exceeds creditsAvailable ${available}` };
  const completed = resultsOf(view).some((r) => r.status === 'Completed');
  if (completed && earned < available) return { result: 'warn', detail: `completed, but ${earned} of ${available} credits earned` };
  return { result: 'pass', detail: `${earned} of ${available} credits` };
}

export function failedEarnsNoCredit(view: McView): CheckVerdict {
  const failed = resultsOf(view).some((r) => r.status === 'Failed');
  if (!failed) return { result: 'n/a' };
  const earned = num(view.subject.creditsEarned) ?? 0;
  return earned === 0 ? { result: 'pass' } : { result: 'fail', detail: `the result is Failed but ${earned} credits are awarded` };
}

export function hoursCopy(view: McView): CheckVerdict {
  const hours = num(view.qb.notionalHours);
  const vol = view.qb.volumeOfLearning;
  if (vol === undefined) return { result: 'n/a' };
  const volHours = durationHours(vol);
  if (volHours === undefined) return { result: 'fail', detail: `volumeOfLearning ${JSON.stringify(vol)} is not an ISO 8601 duration such as PT60H` };
  if (hours === undefined) return { result: 'pass' };
  return Math.abs(hours - volHours) < 0.01 ? { result: 'pass' } : { result: 'fail', detail: `notionalHours ${hours} differs from volumeOfLearning ${String(vol)} (${volHours} h)` };
}

export function declaredRate(view: McView, p: Params): CheckVerdict {
  const rate = num(view.qb.hoursPerCredit);
  const c = credits(view);
  const h = num(view.qb.notionalHours) ?? durationHours(view.qb.volumeOfLearning);
  if (rate === undefined || c === undefined || h === undefined || c === 0) return { result: 'n/a' };
  const tol = Number(p.tolerancePct ?? 10) / 100;
  return Math.abs(h - c * rate) <= tol * c * rate ? { result: 'pass' } : { result: 'fail', detail: `${c} credits × ${rate} h per credit is ${c * rate} h, but ${h} h are stated` };
}

/** Typed levels and their alignment copies agree both ways. */
export function levelCopy(view: McView): CheckVerdict {
  if (!isPresent(view.achievement.qualityBenchmark)) return { result: 'n/a', detail: 'no quality-benchmark extension to compare with' };
  const levels = asArray(view.qb.levels).map(obj);
  const levelAlignments = asArray(view.achievement.alignment).map(obj).filter((a) => /^ext:[A-Za-z]*Level$/.test(String(a.targetType)));
  if (!levels.length && !levelAlignments.length) return { result: 'n/a' };
  const missingAlignment = levels.filter((l) => !levelAlignments.some((a) => String(a.targetCode) === String(l.code) && String(a.targetType).toLowerCase().includes(String(l.framework).toLowerCase().replace(/[^a-z]/g, ''))));
  const missingLevel = levelAlignments.filter((a) => !levels.some((l) => String(a.targetCode) === String(l.code) && String(a.targetType).toLowerCase().includes(String(l.framework).toLowerCase().replace(/[^a-z]/g, ''))));
  const problems = [
    ...missingAlignment.map((l) => `level ${String(l.framework)} ${String(l.code)} has no alignment entry (targetType ext:${String(l.framework).replace(/[^A-Za-z]/g, '')}Level)`),
    ...missingLevel.map((a) => `alignment ${String(a.targetName)} has no matching qualityBenchmark.levels entry`),
  ];
  return problems.length ? { result: 'fail', detail: problems.join('; ') } : { result: 'pass' };
}

export function dateOrder(view: McView): CheckVerdict {
  const start = dateMs(view.subject.activityStartDate);
  const end = dateMs(view.subject.activityEndDate);
  const from = dateMs(view.credential.validFrom);
  const awarded = dateMs(view.credential.awardedDate);
  const problems: string[] = [];
  if (start !== undefined && end !== undefined && start > end) problems.push('activityStartDate is after activityEndDate');
  if (end !== undefined && from !== undefined && end > from) problems.push('activityEndDate is after validFrom (awarded before the learning ended)');
  if (awarded !== undefined && from !== undefined && awarded > from) problems.push('awardedDate is after validFrom');
  return problems.length ? { result: 'fail', detail: problems.join('; ') } : { result: 'pass' };
}

export function loadPlausible(view: McView, p: Params): CheckVerdict {
  const start = dateMs(view.subject.activityStartDate);
  const end = dateMs(view.subject.activityEndDate);
  const h = num(view.qb.notionalHours) ?? durationHours(view.qb.volumeOfLearning);
  if (start === undefined || end === undefined || h === undefined) return { result: 'n/a' };
  const weeks = Math.max(1, (end - start) / (7 * 86400_000));
  const perWeek = h / weeks;
  return perWeek <= Number(p.maxHoursPerWeek ?? 60) ? { result: 'pass' } : { result: 'fail', detail: `${h} h over ${weeks.toFixed(1)} weeks is ${perWeek.toFixed(0)} h per week` };
}

const NO_PARAMS: Params = {};

/** The achievement's result descriptions, each with its rubric levels and allowed values. */
function resultDescriptions(side: AchievementSide): Array<{ rd: Json; levels: Json[]; allowed: string[] }> {
  return asArray(side.achievement.resultDescription).map(obj).map((rd) => ({ rd, levels: asArray(rd.rubricCriterionLevel).map(obj), allowed: asArray(rd.allowedValue).map(String) }));
}

/** Results point at result descriptions and rubric levels of the same achievement; a completed result meets the required level. */
export function resultLinks(view: McView): CheckVerdict {
  const rds = achievementFact(view, resultDescriptions, NO_PARAMS);
  const problems: string[] = [];
  for (const r of resultsOf(view)) {
    if (r.resultDescription === undefined) continue;
    const described = rds.find((d) => d.rd.id === r.resultDescription);
    if (!described) {
      problems.push(`result points at ${String(r.resultDescription)}, which is not a resultDescription of the achievement`);
      continue;
    }
    const { rd, levels, allowed } = described;
    if (r.value !== undefined && allowed.length && !allowed.includes(String(r.value))) problems.push(`value ${JSON.stringify(r.value)} is not an allowed value of ${String(rd.name ?? rd.id)}`);
    if (r.achievedLevel !== undefined) {
      const achieved = levels.findIndex((l) => l.id === r.achievedLevel);
      if (achieved < 0) {
        problems.push(`achievedLevel ${String(r.achievedLevel)} is not a level of ${String(rd.name ?? rd.id)}`);
        continue;
      }
      const required = levels.findIndex((l) => l.id === rd.requiredLevel);
      if (r.status === 'Completed' && required >= 0 && achieved < required) problems.push(`completed with level ${String(levels[achieved]!.name)}, below the required ${String(levels[required]!.name)}`);
    }
  }
  if (!rds.length && !resultsOf(view).some((r) => r.resultDescription !== undefined)) return { result: 'n/a' };
  return problems.length ? { result: 'fail', detail: problems.join('; ') } : { result: 'pass' };
}
