import { asArray, num, viewOf, type Json } from '../benchmark/view.js';
import { recipientMatches, type KnownRecipient } from './recipient.js';
import type { VerificationReport } from './report.js';
import { createVerifier, type VerifyOptions } from './verify.js';
import type { VerifierInput } from './input.js';

export interface StackOptions extends VerifyOptions {
  /** The learner, as a DID/URL or an identifier (email, student id, APAAR id…). Needed for hashed identifiers. */
  recipient?: KnownRecipient;
  /** Credits of the degree the bundle counts toward (enables the IN 50 % cap). */
  degreeCredits?: number;
}

export interface StackedCredential {
  index: number;
  label: string;
  id: string | null;
  name: string | null;
  achievementId: string | null;
  verified: boolean;
  recipientConfirmed: boolean;
  creditSystem: string | null;
  credits: number;
  level: string | null;
  redeemableUntil: string | null;
  pastShelfLife: boolean;
  /** Why the credential's credits are not counted (null when they are). */
  excluded: string | null;
}

export interface CreditTotal {
  creditSystem: string;
  level: string | null;
  credits: number;
  count: number;
}

export interface StackNote {
  rule: string;
  status: 'passed' | 'failed' | 'info';
  message: string;
}

export interface StackReport {
  /** How the learner was established across the bundle. */
  learner: { confirmed: boolean; how: string };
  credentials: StackedCredential[];
  /** Verified, distinct, same-learner credits still within their shelf life. */
  totals: CreditTotal[];
  /** Credits left out because they are past their credit-bank shelf life. */
  pastShelfLife: CreditTotal[];
  notes: StackNote[];
  reports: VerificationReport[];
}

/** The framework a credit system's levels are stated in, to group credits by level. */
const LEVEL_FRAMEWORK: Record<string, string[]> = {
  NCrF: ['NCrF'], NSQF: ['NSQF', 'NCrF'], ECTS: ['EQF', 'QF-EHEA'], NZQCF: ['NZQCF'], 'UK-CATS': ['FHEQ', 'RQF', 'SCQF'],
};

/** NCrF exit points (CCFUP 2022, as reported): UG certificate, diploma, degree, honours. */
const NCRF_EXITS = [
  { credits: 40, award: 'UG certificate (with a 4-credit vocational course)' },
  { credits: 80, award: 'UG diploma (with a 4-credit vocational course)' },
  { credits: 120, award: "3-year bachelor's degree" },
  { credits: 160, award: "4-year bachelor's (honours)" },
];

function describeOne(index: number, label: string, report: VerificationReport, now: Date): Omit<StackedCredential, 'recipientConfirmed' | 'excluded'> {
  const c = report.credential ?? {};
  const view = viewOf(c, now);
  const creditSystem = typeof view.qb.creditSystem === 'string' ? view.qb.creditSystem : null;
  const failed = asArray(view.subject.result).some((r) => (r as Json).status === 'Failed');
  const credits = num(view.subject.creditsEarned) ?? (failed ? 0 : (num(view.achievement.creditsAvailable) ?? 0));
  const frameworks = creditSystem ? (LEVEL_FRAMEWORK[creditSystem] ?? []) : [];
  const level = asArray(view.qb.levels).map((l) => l as Json).find((l) => frameworks.includes(String(l.framework)));
  const until = (view.qb.creditBank as Json | undefined)?.redeemableUntil;
  const redeemableUntil = typeof until === 'string' ? until : null;
  return {
    index,
    label,
    id: typeof c.id === 'string' ? c.id : null,
    name: typeof view.achievement.name === 'string' ? view.achievement.name : null,
    achievementId: typeof view.achievement.id === 'string' ? view.achievement.id : null,
    verified: report.verified,
    creditSystem,
    credits,
    level: level ? `${String(level.framework)} ${String(level.code)}` : null,
    redeemableUntil,
    pastShelfLife: redeemableUntil !== null && now.getTime() > Date.parse(redeemableUntil) + 86400_000,
  };
}

function total(items: StackedCredential[]): CreditTotal[] {
  const map = new Map<string, CreditTotal>();
  for (const c of items) {
    const key = `${c.creditSystem ?? 'unstated'}\u0000${c.level ?? ''}`;
    const t = map.get(key) ?? { creditSystem: c.creditSystem ?? 'unstated', level: c.level, credits: 0, count: 0 };
    t.credits += c.credits;
    t.count += 1;
    map.set(key, t);
  }
  return [...map.values()].sort((a, b) => a.creditSystem.localeCompare(b.creditSystem) || String(a.level).localeCompare(String(b.level)));
}

/**
 * Verify several credentials of one learner and add up what can be stacked: verified credits
 * per credit system and level, leaving out duplicates, other learners' badges and credits past
 * their shelf life. Credit systems are never converted into one another.
 */
export async function stackCredentials(inputs: Array<{ label: string; input: VerifierInput }>, options: StackOptions = {}): Promise<StackReport> {
  const verify = createVerifier(options);
  const now = options.now === undefined ? new Date() : typeof options.now === 'function' ? options.now() : options.now;
  const reports = await Promise.all(inputs.map((i) => verify(i.input)));
  const described = reports.map((r, i) => describeOne(i, inputs[i]!.label, r, now));

  // The learner: a known recipient confirms each credential; otherwise subject ids must agree.
  let learner: StackReport['learner'];
  let confirmed: boolean[];
  if (options.recipient !== undefined) {
    confirmed = reports.map((r) => recipientMatches(r, options.recipient!));
    // Unverified credentials are excluded anyway; they must not decide who the learner is.
    learner = { confirmed: confirmed.every((c, i) => c || !reports[i]!.verified), how: 'each verified credential checked against the given recipient identifier' };
  } else {
    const ids = reports.map((r) => (r.credential?.credentialSubject as { id?: unknown } | undefined)?.id);
    // The learner comes from verified credentials only: a forged one placed first must not decide.
    const first = ids.find((x, i) => typeof x === 'string' && reports[i]!.verified);
    confirmed = ids.map((x) => typeof x === 'string' && x === first);
    learner = confirmed.every((c, i) => c || !reports[i]!.verified) && first !== undefined
      ? { confirmed: true, how: `every credential names the subject ${String(first)}` }
      : { confirmed: false, how: 'the credentials do not share a subject id; give the learner\'s identifier (--recipient) to check hashed identifiers' };
  }

  const seen = new Map<string, number>();
  const credentials: StackedCredential[] = described.map((d, i) => {
    let excluded: string | null = null;
    if (!d.verified) excluded = 'not verified';
    else if (!confirmed[i]) excluded = 'not shown to belong to this learner';
    else {
      const key = d.achievementId ?? d.id ?? `#${i}`;
      const dup = seen.get(key);
      if (dup !== undefined) excluded = `duplicate of ${inputs[dup]!.label} (same achievement)`;
      else seen.set(key, i);
    }
    if (!excluded && d.pastShelfLife) excluded = `past its credit-bank shelf life (${d.redeemableUntil})`;
    return { ...d, recipientConfirmed: confirmed[i]!, excluded };
  });

  const counted = credentials.filter((c) => c.excluded === null);
  const expired = credentials.filter((c) => c.verified && c.recipientConfirmed && c.pastShelfLife && !c.excluded?.startsWith('duplicate'));
  const totals = total(counted);
  const notes: StackNote[] = [];
  const ncrf = totals.filter((t) => t.creditSystem === 'NCrF').reduce((s, t) => s + t.credits, 0);
  if (ncrf > 0) {
    const reached = NCRF_EXITS.filter((e) => ncrf >= e.credits).pop();
    const next = NCRF_EXITS.find((e) => ncrf < e.credits);
    notes.push({ rule: 'IN-EXIT-STACK', status: 'info', message: `${ncrf} NCrF credits${reached ? `: reaches the ${reached.credits}-credit threshold of a ${reached.award}` : ''}${next ? `; ${next.credits - ncrf} more for a ${next.award}` : ''}` });
  }
  if (options.degreeCredits !== undefined && ncrf > 0) {
    const cap = options.degreeCredits * 0.5;
    notes.push({ rule: 'IN-MC-50', status: ncrf <= cap ? 'passed' : 'failed', message: `${ncrf} micro-credential credits against a cap of ${cap} (50 % of ${options.degreeCredits}) for a degree at a general university` });
  }
  for (const c of counted) {
    if (c.creditSystem === 'NZQCF' && c.credits > 40) notes.push({ rule: 'NZ-SIZE', status: 'failed', message: `${c.label}: ${c.credits} NZQCF credits is above the 40-credit micro-credential limit` });
  }
  const systems = new Set(counted.map((c) => c.creditSystem ?? 'unstated'));
  if (systems.size > 1) notes.push({ rule: 'X-NO-CROSS-CONVERSION', status: 'info', message: `credits in ${[...systems].join(', ')} are totalled separately; credit systems are never converted into one another` });
  return { learner, credentials, totals, pastShelfLife: total(expired), notes, reports };
}
