import { MicrocredError } from '../errors.js';
import type { Credential } from './build.js';
import { checkedCredentialNow, issueCredential, ISSUE_FORMATS, type IssueFormat, type IssueOptions, type IssuedCredential } from './issue.js';
import { jwtPayload, prepareJwt, signPrepared, type UnsignedJwt } from './jwt/sign.js';
import type { IssuanceRequest } from './request.js';
import type { RuleOutcome } from '../benchmark/types.js';

/** One request's outcome: its credential, or the error issueCredential would have thrown. */
export type IssueManyResult = ({ ok: true } & IssuedCredential) | { ok: false; error: MicrocredError };

/**
 * Issue many credentials (a cohort) with the same checks as issueCredential, one result per
 * request in order; a request that fails its checks does not stop the others. An error of the
 * signer itself (a KMS that cannot be reached) is thrown, as issueCredential throws it.
 *
 * VC-JWTs are checked and prepared first and then signed in a run of their own. A P-256
 * signature leaves the CPU cold for whatever runs next: OpenSSL makes a system call (getpid) for
 * each one, which flushes the TLB on VMs without PCID, such as CI's, and its work displaces the
 * checks' code and data. Measured there (`npm run bench -- interference`), a credential's checks
 * take 1.5 to 1.9 times as long right after a P-256 signature as back to back, and a run of
 * signatures barely notices. Data Integrity proofs are made one at a time (their
 * canonicalization dominates).
 */
export async function issueCredentials(requests: readonly IssuanceRequest[], options: IssueOptions): Promise<IssueManyResult[]> {
  const format: IssueFormat = options.format ?? 'jwt';
  if (!ISSUE_FORMATS.includes(format)) throw new MicrocredError('MC_USAGE', `format must be one of ${ISSUE_FORMATS.join(', ')}, not ${String(format)}`);
  if (format !== 'jwt') {
    const out: IssueManyResult[] = [];
    for (const request of requests) {
      try {
        out.push({ ok: true, ...(await issueCredential(request, options)) });
      } catch (e) {
        out.push({ ok: false, error: requestError(e) });
      }
    }
    return out;
  }
  const ready: Array<{ credential: Credential; warnings: RuleOutcome[]; unsigned: UnsignedJwt } | MicrocredError> = [];
  for (const request of requests) {
    // Checked without awaiting when the checks can answer at once (all but a cohort's first credential, as a rule).
    try {
      const checked = checkedCredentialNow(request, options);
      const { credential, warnings } = checked instanceof Promise ? await checked : checked;
      ready.push({ credential, warnings, unsigned: prepareJwt(jwtPayload(credential), options.signer) });
    } catch (e) {
      ready.push(requestError(e));
    }
  }
  const out: IssueManyResult[] = [];
  for (const r of ready) {
    if (r instanceof MicrocredError) out.push({ ok: false, error: r });
    else out.push({ ok: true, credential: r.credential, jwt: (await signPrepared(r.unsigned, options.signer)).jwt, warnings: r.warnings });
  }
  return out;
}

/** A request's problem (a MicrocredError) as its result; any other error (the signer's, say) is thrown. */
function requestError(e: unknown): MicrocredError {
  if (e instanceof MicrocredError) return e;
  throw e;
}
