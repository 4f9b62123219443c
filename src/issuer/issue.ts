import { MicrocredError } from '../errors.js';
import type { Credential } from './build.js';
import { signCredentialJwt } from './jwt/sign.js';
import { checkRequestShape, type IssuanceRequest } from './request.js';
import type { Signer } from './signer.js';
import { lintRequest } from './lint.js';
import type { RuleOutcome } from '../benchmark/types.js';

export interface IssueOptions {
  signer: Signer;
  /** The issuer id. Default: the request's issuer.id, else the DID of the signer's kid. */
  issuerId?: string;
  /** Clock for validFrom. Default: now. */
  now?: Date;
}

export interface IssuedCredential {
  credential: Credential;
  /** The compact JWS (VC-JWT). */
  jwt: string;
  /** Quality-benchmark rules that warned (issuance went ahead; they are kept for the record). */
  warnings: RuleOutcome[];
}

/** The issuer id a signer can speak for without further configuration. */
function defaultIssuerId(signer: Signer): string | undefined {
  return signer.kid.startsWith('did:') ? signer.kid.split('#')[0] : undefined;
}

/** Build, check and sign one credential as a VC-JWT. Throws MicrocredError listing every problem. */
export async function issueCredential(request: IssuanceRequest, options: IssueOptions): Promise<IssuedCredential> {
  const shape = checkRequestShape(request);
  if (shape.length) throw new MicrocredError('MC_REQUEST_INVALID', `the issuance request has ${shape.length} problem(s)`, { problems: shape });
  const issuerId = options.issuerId ?? request.issuer?.id ?? defaultIssuerId(options.signer);
  if (!issuerId) {
    throw new MicrocredError('MC_REQUEST_INVALID', 'no issuer id: give issuer.id (or --issuer) when the key is not a DID key', { problems: [{ path: '/issuer/id', message: 'required when the signing key is not a did:key/did:jwk' }] });
  }
  const lint = await lintRequest(request, { issuerId, signer: options.signer, now: options.now ?? new Date() });
  const credential = lint.credential!;
  if (lint.problems.length) throw new MicrocredError('MC_CREDENTIAL_INVALID', `the credential would not be valid Open Badges 3.0: ${lint.problems.length} problem(s)`, { problems: lint.problems });
  const rules = lint.benchmark!.reports.flatMap((r) => r.rules.map((rule) => ({ profile: r.profile, rule })));
  const failed = rules.filter((x) => x.rule.status === 'failed');
  if (failed.length) {
    throw new MicrocredError('MC_BENCHMARK_FAILED', `the credential fails ${failed.length} quality-benchmark rule(s) of the profiles it claims`, {
      problems: failed.map(({ profile, rule }) => ({ path: `${profile}/${rule.id}`, message: `${rule.message}${rule.detail ? ` (${rule.detail})` : ''}`, code: rule.id })),
    });
  }
  return { credential, jwt: await signCredentialJwt(credential, options.signer), warnings: rules.filter((x) => x.rule.status === 'warning').map((x) => x.rule) };
}
