import type { CheckResult } from '../report.js';
import { parseDateTimeZ } from '../../lib/date-time.js';
import { passed, result } from './result.js';

export interface Clock {
  now: Date;
  toleranceSec: number;
}

/** Not yet valid / expired, with a clock skew allowance. `exp` stands in for a missing validUntil. */
export function checkValidityPeriod(credential: Record<string, unknown>, legacy: boolean, clock: Clock, expClaim?: unknown): CheckResult {
  const fromName = legacy ? 'issuanceDate' : 'validFrom';
  const untilName = legacy ? 'expirationDate' : 'validUntil';
  const fromRaw = credential[fromName];
  const untilRaw = credential[untilName];
  const from = parseDateTimeZ(fromRaw);
  if (!from) return result('validity-period', 'failed', 'MC_DATE_INVALID', `${fromName} ${JSON.stringify(fromRaw ?? null)} is not a date-time with a timezone`);
  let until: Date | null = null;
  if (untilRaw !== undefined) {
    until = parseDateTimeZ(untilRaw);
    if (!until) return result('validity-period', 'failed', 'MC_DATE_INVALID', `${untilName} ${JSON.stringify(untilRaw)} is not a date-time with a timezone`);
  } else if (typeof expClaim === 'number' && Number.isFinite(expClaim)) {
    until = new Date(expClaim * 1000);
  }
  if (until && until.getTime() < from.getTime()) {
    return result('validity-period', 'failed', 'MC_DATE_INVALID', `${untilName} ${until.toISOString()} is before ${fromName}`);
  }
  const now = clock.now.getTime();
  const skew = clock.toleranceSec * 1000;
  if (from.getTime() > now + skew) {
    return result('validity-period', 'failed', 'MC_NOT_YET_VALID', `not valid until ${from.toISOString()}`);
  }
  if (until && until.getTime() < now - skew) {
    return result('validity-period', 'failed', 'MC_EXPIRED', `expired on ${until.toISOString()}`);
  }
  return passed('validity-period', until ? `valid from ${from.toISOString()} until ${until.toISOString()}` : `valid since ${from.toISOString()}, no expiry`);
}
