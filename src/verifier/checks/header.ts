import { isSupportedAlgorithm, type JwsAlgorithm } from '../../lib/jws/algorithms.js';
import type { CheckResult } from '../report.js';
import { fold, type Finding } from './result.js';

/** OB 3.0 allows exactly these header parameters. */
const OB3_HEADERS = new Set(['alg', 'kid', 'jwk', 'typ']);
const TOLERATED_TYP = new Set(['vc+jwt', 'vc-ld+jwt', 'vc+ld+jwt']);

/** JOSE header rules: closed algorithm allow-list, no `crit`/`b64`, a key reference, no private jwk. */
export function checkHeader(header: Record<string, unknown>, allowed: readonly JwsAlgorithm[]): { result: CheckResult; alg: JwsAlgorithm | null } {
  const f: Finding[] = [];
  const alg = header.alg;
  const algOk = isSupportedAlgorithm(alg) && allowed.includes(alg);
  if (!algOk) {
    f.push({ status: 'failed', code: 'MC_ALG_NOT_ALLOWED', message: `algorithm ${JSON.stringify(alg ?? null)} is not allowed (allowed: ${allowed.join(', ')})` });
  }
  if ('crit' in header) f.push({ status: 'failed', code: 'MC_HEADER_CRIT_UNSUPPORTED', message: 'the header marks extensions as critical ("crit"); none are supported' });
  if ('b64' in header) f.push({ status: 'failed', code: 'MC_HEADER_B64_UNSUPPORTED', message: 'unencoded payloads ("b64") are not accepted' });
  if (header.typ !== undefined && header.typ !== 'JWT') {
    if (typeof header.typ === 'string' && TOLERATED_TYP.has(header.typ)) {
      f.push({ status: 'warning', code: 'MC_HEADER_TYP_INVALID', message: `typ "${header.typ}" is VC-JOSE-COSE style; Open Badges 3.0 uses "JWT"` });
    } else {
      f.push({ status: 'failed', code: 'MC_HEADER_TYP_INVALID', message: `typ ${JSON.stringify(header.typ)} is not "JWT"` });
    }
  }
  if (header.kid !== undefined && typeof header.kid !== 'string') f.push({ status: 'failed', code: 'MC_HEADER_KEY_MISSING', message: 'kid is not a string' });
  if (header.jwk !== undefined) {
    if (header.jwk === null || typeof header.jwk !== 'object' || Array.isArray(header.jwk)) {
      f.push({ status: 'failed', code: 'MC_HEADER_JWK_INVALID', message: 'the embedded jwk is not a JSON object' });
    } else if ('d' in (header.jwk as object)) {
      f.push({ status: 'failed', code: 'MC_HEADER_JWK_PRIVATE', message: 'the embedded jwk contains private key material ("d")' });
    }
  }
  if (typeof header.kid !== 'string' && header.jwk === undefined) {
    f.push({ status: 'failed', code: 'MC_HEADER_KEY_MISSING', message: 'the header names no key: neither kid nor jwk is present' });
  }
  const extra = Object.keys(header).filter((k) => !OB3_HEADERS.has(k) && k !== 'crit' && k !== 'b64');
  if (extra.length) {
    f.push({ status: 'warning', code: 'MC_HEADER_EXTRA', message: `Open Badges 3.0 allows no other headers; ignored: ${extra.join(', ')}` });
  }
  return { result: fold('jose-header', f, `algorithm ${String(alg)}; header as Open Badges 3.0 requires`), alg: algOk ? (alg as JwsAlgorithm) : null };
}
