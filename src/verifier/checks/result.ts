import type { CheckCode, CheckName, CheckResult, CheckStatus } from '../report.js';

export function result(check: CheckName, status: CheckStatus, code: CheckCode, message: string, details?: unknown): CheckResult {
  return details === undefined ? { check, status, code, message } : { check, status, code, message, details };
}
export const passed = (check: CheckName, message: string, details?: unknown) => result(check, 'passed', 'MC_OK', message, details);
export const skipped = (check: CheckName, message: string) => result(check, 'skipped', 'MC_SKIPPED', message);

export interface Finding {
  status: 'failed' | 'warning';
  code: CheckCode;
  message: string;
}

/** Fold several findings of one check into one result: the first failure wins, then the first warning. */
export function fold(check: CheckName, findings: Finding[], okMessage: string): CheckResult {
  const failure = findings.find((f) => f.status === 'failed');
  const chosen = failure ?? findings[0];
  if (!chosen) return passed(check, okMessage);
  const others = findings.filter((f) => f !== chosen);
  return result(check, chosen.status, chosen.code, chosen.message, others.length ? { alsoFound: others } : undefined);
}
