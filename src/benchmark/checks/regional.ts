import type { CheckVerdict } from '../types.js';
import { achievementFact, asArray, dateMs, isPresent, num, type AchievementSide, type Json, type McView } from '../view.js';

type Params = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

const identifiers = (view: McView, type: string) => asArray(view.subject.identifier).map(obj).filter((i) => i.identityType === type);

/** APAAR (India's learner id): 12 digits when in plaintext; a hashed one can only be present. */
export function apaarFormat(view: McView, p: Params): CheckVerdict {
  const ids = identifiers(view, String(p.identityType ?? 'ext:APAAR'));
  if (!ids.length) return p.required === true ? { result: 'fail', detail: 'no APAAR identifier (identityType ext:APAAR) for the learner' } : { result: 'n/a', detail: 'no APAAR identifier' };
  for (const id of ids) {
    if (id.hashed === false && !/^\d{12}$/.test(String(id.identityHash))) return { result: 'fail', detail: `APAAR id ${JSON.stringify(id.identityHash)} is not 12 digits` };
  }
  return { result: 'pass', detail: ids.every((i) => i.hashed === true) ? 'hashed APAAR identifier present (format checked at issue time)' : 'APAAR id is 12 digits' };
}

const addYears = (d: Date, years: number) => {
  const x = new Date(d.getTime());
  x.setUTCFullYear(x.getUTCFullYear() + Math.floor(years));
  return new Date(x.getTime() + (years % 1) * 365.25 * 86400_000);
};

/** Credit-bank shelf life: at most `maxYears`, and redeemableUntil within that from the award. */
export function shelfLife(view: McView, p: Params): CheckVerdict {
  const bank = obj(view.qb.creditBank);
  if (!isPresent(bank)) return { result: 'fail', detail: 'no creditBank entry (scheme, shelfLifeYears, redeemableUntil)' };
  if (p.scheme !== undefined && bank.scheme !== p.scheme) return { result: 'fail', detail: `creditBank.scheme is ${JSON.stringify(bank.scheme ?? null)}, expected ${String(p.scheme)}` };
  const max = Number(p.maxYears);
  const years = num(bank.shelfLifeYears);
  if (years === undefined) return { result: 'fail', detail: 'creditBank.shelfLifeYears is not stated' };
  if (years > max) return { result: 'fail', detail: `a shelf life of ${years} years exceeds the maximum of ${max}` };
  const awarded = dateMs(view.credential.awardedDate ?? view.credential.validFrom);
  if (typeof bank.redeemableUntil === 'string' && awarded !== undefined) {
    const until = dateMs(bank.redeemableUntil);
    if (until === undefined) return { result: 'fail', detail: `redeemableUntil ${bank.redeemableUntil} is not a date` };
    if (until > addYears(new Date(awarded), Math.min(years, max)).getTime()) return { result: 'fail', detail: `redeemableUntil ${bank.redeemableUntil} is more than ${Math.min(years, max)} years after the award` };
  }
  return { result: 'pass', detail: `shelf life ${years} years` };
}

export function shelfLifeExpired(view: McView): CheckVerdict {
  const until = obj(view.qb.creditBank).redeemableUntil;
  const ms = dateMs(until);
  if (typeof until !== 'string' || ms === undefined) return { result: 'n/a' };
  return view.now.getTime() > ms + 86400_000
    ? { result: 'info', detail: `the credits could be redeemed until ${until}; they are past their shelf life (the credential itself stays valid)` }
    : { result: 'pass', detail: `redeemable until ${until}` };
}

/** The grading scheme's result description and its rubric levels, when the achievement uses scheme `p.scheme`. */
function schemeLevels(side: AchievementSide, p: Params): { applies: boolean; rd: Json | undefined; levels: Json[] } {
  const assessment = obj(side.qb.assessment);
  if (assessment.gradingScheme !== p.scheme) return { applies: false, rd: undefined, levels: [] };
  const rd = asArray(side.achievement.resultDescription).map(obj).find((d) => d.id === assessment.gradingResultDescription);
  return { applies: true, rd, levels: asArray(rd?.rubricCriterionLevel).map(obj) };
}

/** schemeLevels, and where the levels differ from the scheme's grades and points (`p.points`). */
function schemeProblems(side: AchievementSide, p: Params): ReturnType<typeof schemeLevels> & { problems: string[] } {
  const scheme = schemeLevels(side, p);
  const problems: string[] = [];
  if (!scheme.rd) return { ...scheme, problems };
  const expected = p.points as Record<string, number>;
  for (const [grade, points] of Object.entries(expected)) {
    const l = scheme.levels.find((x) => x.name === grade);
    if (!l) problems.push(`grade ${grade} is missing`);
    else if (Number(l.points) !== points) problems.push(`grade ${grade} has ${String(l.points)} points, the scheme gives ${points}`);
  }
  for (const l of scheme.levels) if (!(String(l.name) in expected)) problems.push(`grade ${String(l.name)} is not in ${String(p.scheme)}`);
  return { ...scheme, problems };
}

/** The grading scheme's rubric levels carry the scheme's grade points exactly. */
export function gradeScale(view: McView, p: Params): CheckVerdict {
  const scheme = achievementFact(view, schemeProblems, p);
  if (!scheme.applies) return { result: 'n/a', detail: `grading scheme is not ${String(p.scheme)}` };
  const rd = scheme.rd;
  if (!rd) return { result: 'fail', detail: `${String(p.scheme)} needs assessment.gradingResultDescription pointing at the achievement's resultDescription` };
  const problems = scheme.problems.slice();
  for (const r of asArray(view.subject.result).map(obj)) {
    if (r.resultDescription === rd.id && r.achievedLevel !== undefined && !scheme.levels.some((l) => l.id === r.achievedLevel)) problems.push(`achieved level ${String(r.achievedLevel)} is not a grade of the scheme`);
  }
  return problems.length ? { result: 'fail', detail: problems.join('; ') } : { result: 'pass' };
}

/** A failing grade earns no credit and is not a completed result. */
export function failingGradeNoCredit(view: McView, p: Params): CheckVerdict {
  const { applies, rd, levels } = achievementFact(view, schemeLevels, p);
  if (!applies) return { result: 'n/a' };
  const failing = asArray(p.failing).map(String);
  const r = asArray(view.subject.result).map(obj).find((x) => rd && x.resultDescription === rd.id);
  const grade = levels.find((l) => l.id === r?.achievedLevel)?.name;
  if (grade === undefined || !failing.includes(String(grade))) return { result: 'n/a', detail: 'not a failing grade' };
  const earned = num(view.subject.creditsEarned) ?? 0;
  if (earned !== 0) return { result: 'fail', detail: `grade ${String(grade)} is a fail, but ${earned} credits are awarded` };
  if (r?.status === 'Completed') return { result: 'fail', detail: `grade ${String(grade)} is a fail, but the result status is Completed` };
  return { result: 'pass' };
}
