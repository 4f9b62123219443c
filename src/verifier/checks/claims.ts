import type { CheckResult } from '../report.js';
import { parseDateTimeZ, toSeconds } from '../../lib/date-time.js';
import { fold, type Finding } from './result.js';

export function issuerIdOf(credential: Record<string, unknown>): string | undefined {
  const issuer = credential.issuer;
  if (typeof issuer === 'string') return issuer;
  if (issuer && typeof issuer === 'object' && typeof (issuer as { id?: unknown }).id === 'string') return (issuer as { id: string }).id;
  return undefined;
}

export function subjectIdOf(credential: Record<string, unknown>): string | undefined {
  const s = credential.credentialSubject;
  const first = Array.isArray(s) ? s[0] : s;
  return first && typeof first === 'object' && typeof (first as { id?: unknown }).id === 'string' ? (first as { id: string }).id : undefined;
}

/**
 * JWT registered claims must agree with the credential they wrap [OB §Verify a Credential
 * VC-JWT Signature]. Missing `sub`/`jti`/`nbf`/`exp` are warnings: the spec's own examples and the
 * official validator's fixtures omit them and are still judged valid.
 */
export function checkClaims(claims: Record<string, unknown>, credential: Record<string, unknown>, legacy: boolean): CheckResult {
  const f: Finding[] = [];
  const issuerId = issuerIdOf(credential);
  if (claims.iss === undefined) f.push({ status: 'failed', code: 'MC_CLAIM_ISS_MISMATCH', message: 'the iss claim is missing' });
  else if (claims.iss !== issuerId) f.push({ status: 'failed', code: 'MC_CLAIM_ISS_MISMATCH', message: `iss ${JSON.stringify(claims.iss)} is not the issuer id ${JSON.stringify(issuerId ?? null)}` });

  const subjectId = subjectIdOf(credential);
  if (claims.sub === undefined) {
    if (subjectId !== undefined) f.push({ status: 'warning', code: 'MC_CLAIM_SUB_MISSING', message: 'the sub claim is missing (it should equal credentialSubject.id)' });
  } else if (claims.sub !== subjectId) {
    f.push({ status: 'failed', code: 'MC_CLAIM_SUB_MISMATCH', message: `sub ${JSON.stringify(claims.sub)} is not credentialSubject.id ${JSON.stringify(subjectId ?? null)}` });
  }

  if (claims.jti === undefined) f.push({ status: 'warning', code: 'MC_CLAIM_JTI_MISSING', message: 'the jti claim is missing (it should equal the credential id)' });
  else if (claims.jti !== credential.id) f.push({ status: 'failed', code: 'MC_CLAIM_JTI_MISMATCH', message: `jti ${JSON.stringify(claims.jti)} is not the credential id ${JSON.stringify(credential.id ?? null)}` });

  const from = parseDateTimeZ(legacy ? credential.issuanceDate : credential.validFrom);
  const fromName = legacy ? 'issuanceDate' : 'validFrom';
  if (claims.nbf === undefined) f.push({ status: 'warning', code: 'MC_CLAIM_NBF_MISSING', message: `the nbf claim is missing (it should equal ${fromName})` });
  else if (typeof claims.nbf !== 'number' || !Number.isFinite(claims.nbf)) f.push({ status: 'failed', code: 'MC_CLAIM_INVALID', message: 'nbf is not a NumericDate' });
  else if (from && claims.nbf !== toSeconds(from)) f.push({ status: 'failed', code: 'MC_CLAIM_NBF_MISMATCH', message: `nbf ${claims.nbf} does not equal ${fromName} ${String(legacy ? credential.issuanceDate : credential.validFrom)}` });

  const untilRaw = legacy ? credential.expirationDate : credential.validUntil;
  const untilName = legacy ? 'expirationDate' : 'validUntil';
  const until = parseDateTimeZ(untilRaw);
  if (claims.exp === undefined) {
    // Expiry is still enforced from validUntil, so a missing copy is only a warning.
    if (untilRaw !== undefined) f.push({ status: 'warning', code: 'MC_CLAIM_EXP_MISSING', message: `${untilName} is set but the exp claim is missing (expiry is taken from ${untilName})` });
  } else if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp)) {
    f.push({ status: 'failed', code: 'MC_CLAIM_INVALID', message: 'exp is not a NumericDate' });
  } else if (untilRaw !== undefined && (!until || claims.exp !== toSeconds(until))) {
    f.push({ status: 'failed', code: 'MC_CLAIM_EXP_MISMATCH', message: `exp ${claims.exp} does not equal ${untilName} ${String(untilRaw)}` });
  }
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat))) {
    f.push({ status: 'failed', code: 'MC_CLAIM_INVALID', message: 'iat is not a NumericDate' });
  }
  return fold('claims', f, 'iss, sub, jti, nbf and exp agree with the credential');
}
