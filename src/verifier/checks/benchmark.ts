import { evaluateBenchmarks } from '../../benchmark/evaluate.js';
import type { ProfileReport } from '../../benchmark/types.js';
import type { CheckResult } from '../report.js';
import { result } from './result.js';

function summary(r: ProfileReport): string {
  const count = (s: string) => r.rules.filter((x) => x.status === s).length;
  const parts = [`${count('passed')} passed`];
  for (const [s, label] of [['failed', 'failed'], ['warning', 'warnings'], ['info', 'notes'], ['not-applicable', 'not applicable']] as const) {
    if (count(s)) parts.push(`${count(s)} ${label}`);
  }
  const failed = r.rules.filter((x) => x.status === 'failed').map((x) => `${x.id}: ${x.detail ?? x.message}`);
  return `${r.profile}: ${parts.join(', ')}${failed.length ? ` (${failed.join('; ')})` : ''}`;
}

/**
 * One `benchmark` check per evaluated profile (the base rules, then each declared profile),
 * each carrying every rule's outcome so a verification page can explain it.
 */
export function checkBenchmarks(credential: Record<string, unknown>, now: Date, requireProfiles: readonly string[], achievementKey?: string): CheckResult[] {
  const evaluation = evaluateBenchmarks(credential, { now, achievementKey });
  const out: CheckResult[] = evaluation.reports.map((r) =>
    result('benchmark', r.status, r.status === 'failed' ? 'MC_BENCHMARK_FAILED' : r.status === 'warning' ? 'MC_BENCHMARK_WARNINGS' : 'MC_OK', summary(r), r),
  );
  for (const id of evaluation.unknown) {
    out.push(result('benchmark', 'warning', 'MC_PROFILE_UNKNOWN', `${id}: this verifier does not know the profile, so its rules were not checked`, { profile: id }));
  }
  for (const id of requireProfiles) {
    if (!evaluation.declared.includes(id)) out.push(result('benchmark', 'failed', 'MC_PROFILE_NOT_CLAIMED', `${id}: required, but the credential does not claim this profile`, { profile: id }));
    else if (evaluation.unknown.includes(id)) out.push(result('benchmark', 'failed', 'MC_PROFILE_UNKNOWN', `${id}: required, but this verifier does not know the profile`, { profile: id }));
  }
  return out;
}
