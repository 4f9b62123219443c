import type { CheckVerdict } from '../types.js';
import { asArray, credits, get, isPresent, learningOutcomes, levelsIn, notionalHours, num, type McView } from '../view.js';

type Params = Record<string, unknown>;
const strs = (v: unknown): string[] => asArray(v).map(String);
const pass = (detail?: string): CheckVerdict => (detail === undefined ? { result: 'pass' } : { result: 'pass', detail });
const fail = (detail: string): CheckVerdict => ({ result: 'fail', detail });
const warn = (detail: string): CheckVerdict => ({ result: 'warn', detail });
const na = (detail?: string): CheckVerdict => (detail === undefined ? { result: 'n/a' } : { result: 'n/a', detail });

/** A field (or any of several fields) is present and not empty. */
export function present(view: McView, p: Params): CheckVerdict {
  const paths = strs(p.paths ?? p.path);
  const found = paths.find((path) => isPresent(get(view, path)));
  return found ? pass(`found ${found}`) : fail(`missing: ${paths.join(' or ')}`);
}

/** When present, every value of a field is in a closed list (or an `ext:` term when allowed). */
export function oneOf(view: McView, p: Params): CheckVerdict {
  const v = get(view, String(p.path));
  if (!isPresent(v)) return p.required === true ? fail(`missing: ${String(p.path)}`) : na(`${String(p.path)} not given`);
  const allowed = strs(p.values);
  const bad = strs(v).filter((x) => !allowed.includes(x) && !(p.allowExt === true && /^ext:[A-Za-z0-9.\-_]+$/.test(x)));
  return bad.length ? fail(`${bad.map((b) => JSON.stringify(b)).join(', ')} not one of ${allowed.join(', ')}`) : pass();
}

export function matches(view: McView, p: Params): CheckVerdict {
  const v = get(view, String(p.path));
  if (!isPresent(v)) return p.required === true ? fail(`missing: ${String(p.path)}`) : na();
  return new RegExp(String(p.pattern)).test(String(v)) ? pass() : fail(`${JSON.stringify(v)} does not match ${String(p.pattern)}`);
}

export function achievementTypeIs(view: McView, p: Params): CheckVerdict {
  return view.achievement.achievementType === p.value ? pass() : fail(`achievementType is ${JSON.stringify(view.achievement.achievementType ?? null)}, expected ${String(p.value)}`);
}

export function achievementTypeNotIn(view: McView, p: Params): CheckVerdict {
  const t = String(view.achievement.achievementType ?? '');
  return strs(p.values).includes(t) ? fail(`achievementType ${t} is a full award, not a micro-credential`) : pass();
}

export function creditSystemIs(view: McView, p: Params): CheckVerdict {
  const sys = view.qb.creditSystem;
  if (sys === undefined) return credits(view) === undefined && p.requireWithoutCredits !== true ? na('no credit value') : fail('no creditSystem declared');
  return strs(p.values).includes(String(sys)) ? pass(`credit system ${String(sys)}`) : fail(`credit system is ${String(sys)}, expected ${strs(p.values).join(' or ')}`);
}

/** Credits within [min, max]; below warnMin is a warning. */
export function creditRange(view: McView, p: Params): CheckVerdict {
  const c = credits(view);
  if (c === undefined) return na('no credit value');
  const min = num(p.min);
  const max = num(p.max);
  if (min !== undefined && c < min) return fail(`${c} credits is below ${min}`);
  if (max !== undefined && c > max) return fail(`${c} credits is above ${max}`);
  const warnMin = num(p.warnMin);
  if (warnMin !== undefined && c < warnMin) return warn(`${c} credits is below the usual minimum of ${warnMin}`);
  return pass(`${c} credits`);
}

export function minHours(view: McView, p: Params): CheckVerdict {
  const h = notionalHours(view);
  if (h === undefined) return fail('notional hours (volume of learning) not stated');
  return h >= Number(p.min) ? pass(`${h} h`) : fail(`${h} h is below the minimum of ${String(p.min)} h`);
}

/**
 * Notional hours agree with credits × the framework's hours per credit. Within `tolerancePct`
 * (or `minToleranceHours`, which absorbs rounding to half credits) passes; up to `errorPct`
 * off is a warning; beyond that the rule's severity applies.
 */
export function hoursPerCredit(view: McView, p: Params): CheckVerdict {
  const c = credits(view);
  const h = notionalHours(view);
  if (c === undefined || h === undefined) return na('needs both credits and notional hours');
  const systems = strs(p.systems);
  if (systems.length && !systems.includes(String(view.qb.creditSystem))) return na(`credit system is not ${systems.join('/')}`);
  const lo = Number(p.rate ?? p.min);
  const hi = Number(p.rate ?? p.max);
  const expectedLo = c * lo;
  const expectedHi = c * hi;
  const tol = Math.max((Number(p.tolerancePct ?? 10) / 100) * expectedLo, Number(p.minToleranceHours ?? 0));
  const shown = lo === hi ? `${lo}` : `${lo}–${hi}`;
  if (h >= expectedLo - tol && h <= expectedHi + tol) return pass(`${h} h for ${c} credits (${shown} h per credit)`);
  const errorPct = num(p.errorPct);
  // Deviation as a factor either way, so that far too few hours is as wrong as far too many (10 h for 3 ECTS is a 650 % shortfall).
  const dev = h < expectedLo ? (h === 0 ? Infinity : expectedLo / h - 1) : (h - expectedHi) / expectedHi;
  const detail = `${h} h for ${c} credits is ${(h / c).toFixed(1)} h per credit; the framework uses ${shown}`;
  if (errorPct !== undefined && dev * 100 <= errorPct) return warn(detail);
  return fail(detail);
}

/** Contact hours by kind add up to the credits (NHEQF: 15 h theory, 30 h practical, 40–45 h experiential per credit). */
export function contactHoursBreakdown(view: McView, p: Params): CheckVerdict {
  const ch = view.qb.contactHours as Record<string, unknown> | undefined;
  const c = credits(view);
  if (!ch || c === undefined) return na('no contact-hour breakdown');
  const rates = (p.rates ?? {}) as Record<string, number>;
  let implied = 0;
  for (const [kind, rate] of Object.entries(rates)) implied += (num(ch[kind]) ?? 0) / rate;
  const tolerance = Number(p.tolerance ?? 0.5);
  return Math.abs(implied - c) <= tolerance ? pass(`breakdown implies ${implied.toFixed(2)} credits`) : fail(`the contact-hour breakdown implies ${implied.toFixed(2)} credits, not ${c}`);
}

/** A level in a named framework is in its value set; `required` makes it mandatory. */
export function levelInSet(view: McView, p: Params): CheckVerdict {
  const framework = String(p.framework);
  const levels = levelsIn(view, framework);
  if (!levels.length) return p.required === true ? fail(`no ${framework} level stated`) : na(`no ${framework} level`);
  const allowed = strs(p.values);
  for (const l of levels) {
    const code = String(l.code ?? '');
    if (!allowed.includes(code)) return fail(`${framework} level ${JSON.stringify(l.code ?? null)} is not one of ${allowed.join(', ')}`);
    const warnBelow = num(p.warnBelow);
    if (warnBelow !== undefined && Number(code) < warnBelow) return warn(`${framework} level ${code} is below ${warnBelow}, unusual for ${String(p.context ?? 'this setting')}`);
  }
  return pass(levels.map((l) => `${framework} ${String(l.code)}`).join(', '));
}

export function anyLevel(view: McView): CheckVerdict {
  const levels = asArray(view.qb.levels);
  return levels.length ? pass(`${levels.length} level(s)`) : fail('no level in a named framework (EQF, NQF…) is stated');
}

/** At least one learning outcome: an outcome alignment, or (if allowed) a criteria narrative. */
export function hasLearningOutcomes(view: McView, p: Params): CheckVerdict {
  const los = learningOutcomes(view);
  if (los.length) return pass(`${los.length} learning outcome(s)`);
  const narrative = (view.achievement.criteria as { narrative?: unknown } | undefined)?.narrative;
  if (p.allowCriteriaNarrative === true && isPresent(narrative)) return pass('learning outcomes stated in the criteria narrative');
  return fail('no learning outcome: add alignment entries with targetType ext:LearningOutcome');
}

export function hasEvidence(view: McView): CheckVerdict {
  const ev = [...asArray(view.credential.evidence), ...asArray(view.subject.evidence)];
  return ev.length ? pass(`${ev.length} evidence item(s)`) : fail('no evidence of the assessment is attached');
}

export function stackTarget(view: McView): CheckVerdict {
  const s = view.qb.stackability as { option?: unknown; stacksInto?: unknown } | undefined;
  if (!s || s.option !== 'stackable') return na('not declared stackable');
  return asArray(s.stacksInto).length ? pass() : fail('declared stackable but names no credential it stacks into');
}

/** External QA types name the body that performed it. */
export function qaBody(view: McView, p: Params): CheckVerdict {
  const qa = view.qb.qualityAssurance as { qaType?: unknown; body?: unknown } | undefined;
  if (!qa || !isPresent(qa.qaType)) return na('no quality assurance type');
  if (strs(p.selfTypes).includes(String(qa.qaType))) return na('provider statement needs no external body');
  return isPresent(qa.body) ? pass() : fail(`quality assurance ${String(qa.qaType)} names no quality assurance body`);
}

export function qaStatement(view: McView): CheckVerdict {
  const qa = view.qb.qualityAssurance as { qaType?: unknown; statement?: Record<string, unknown> } | undefined;
  if (!qa || !isPresent(qa.qaType)) return warn('no quality assurance is stated: neither external quality assurance nor a provider quality statement');
  if (qa.qaType !== 'provider-statement') return na(`the provider states external quality assurance (${String(qa.qaType)})`);
  const missing = ['providerProfile', 'qaProcess', 'reviewProcess'].filter((k) => !isPresent(qa.statement?.[k]));
  return missing.length ? fail(`the provider's quality statement lacks ${missing.join(', ')}`) : pass();
}

export function supervisionConsistency(view: McView): CheckVerdict {
  const sup = (view.qb.assessment as { supervision?: unknown } | undefined)?.supervision;
  if (typeof sup !== 'string' || !sup.endsWith('-id')) return na('no identity verification declared');
  return view.record.identityVerified === true ? pass() : fail(`the assessment is declared ${sup}, but this learner's record does not confirm identityVerified: true`);
}
