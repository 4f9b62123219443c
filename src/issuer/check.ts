import type { Problem } from '../errors.js';
import { validateAchievementCredential } from '../model/schema/validate.js';
import { checkContext, checkSubject, checkType } from '../verifier/checks/structure.js';
import type { CheckResult } from '../verifier/report.js';
import { dateTimeZMs } from '../lib/date-time.js';
import { sharedParts, type Credential } from './build.js';
import type { KnownPart } from '../lib/known-part.js';
import { signerDid, type Signer } from './signer.js';

/**
 * Check the built credential with the verifier's own structural checks, so nothing is signed
 * that the verifier would reject. Returns every problem, not just the first.
 */
export function checkBuiltCredential(credential: Credential, signer: Signer | null, parts: readonly KnownPart[] = sharedParts(credential)): Problem[] {
  const problems: Problem[] = validateAchievementCredential(credential, parts);
  for (const r of [memberCheck(credential, '@context', () => checkContext(credential, false)), memberCheck(credential, 'type', () => checkType(credential)), checkSubject(credential)]) {
    if (r.status === 'failed') problems.push({ path: r.check === 'subject' ? '/credentialSubject' : r.check === 'type' ? '/type' : '/@context', message: r.message, code: r.code });
  }
  const from = dateTimeZMs(credential.validFrom);
  const until = credential.validUntil === undefined ? null : dateTimeZMs(credential.validUntil);
  const flagged = (path: string) => problems.some((p) => p.path === path);
  if (from === null && !flagged('/validFrom')) problems.push({ path: '/validFrom', message: 'must be a date-time with a timezone, e.g. 2025-06-30T00:00:00Z' });
  if (credential.validUntil !== undefined && until === null && !flagged('/validUntil')) problems.push({ path: '/validUntil', message: 'must be a date-time with a timezone' });
  if (from !== null && until !== null && until <= from) problems.push({ path: '/validUntil', message: 'must be after validFrom' });
  const kidDid = signer ? signerDid(signer) : undefined;
  if (kidDid !== undefined && kidDid !== credential.issuer.id) {
    problems.push({ path: '/issuer/id', message: `the signing key belongs to ${kidDid}, not to the issuer ${credential.issuer.id}; verifiers would reject it as not bound to the issuer` });
  }
  return dedupe(problems);
}

/**
 * A check that reads one top-level array member only (its first strings), remembered per frozen
 * array: a cohort's credentials share their @context and type arrays, frozen.
 */
const memberVerdicts = new WeakMap<object, CheckResult>();
function memberCheck(credential: Credential, member: '@context' | 'type', check: () => CheckResult): CheckResult {
  const node = credential[member];
  if (!Array.isArray(node) || !Object.isFrozen(node)) return check();
  let verdict = memberVerdicts.get(node);
  if (verdict === undefined) memberVerdicts.set(node, (verdict = check()));
  return verdict;
}

function dedupe(problems: Problem[]): Problem[] {
  if (problems.length < 2) return problems;
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

