import { MicrocredError } from '../errors.js';
import type { Credential } from './build.js';
import { jwtPayload, signCredentialJwt, signJwtPayload } from './jwt/sign.js';
import { assertDataIntegritySigner, signCredentialDataIntegrity } from './di/sign.js';
import { checkRequestShape, type IssuanceRequest } from './request.js';
import { signerDid, type Signer } from './signer.js';
import { lintRequestNow, ruleOutcomes, type LintReport } from './lint.js';
import type { RuleOutcome } from '../benchmark/types.js';

/**
 * How the credential is secured: `jwt` a VC-JWT (compact JWS); `di` an embedded Data Integrity
 * proof (eddsa-rdfc-2022, Ed25519 keys only); `both` the Data Integrity proof, and then the
 * credential with that proof secured as a VC-JWT too (OB 3.0 allows both on one credential).
 */
export type IssueFormat = 'jwt' | 'di' | 'both';
export const ISSUE_FORMATS: readonly IssueFormat[] = ['jwt', 'di', 'both'];

export interface IssueOptions {
  signer: Signer;
  /** Default 'jwt'. */
  format?: IssueFormat;
  /** The issuer id. Default: the request's issuer.id, else the DID of the signer's kid. */
  issuerId?: string;
  /** Clock for validFrom. Default: now. */
  now?: Date;
  /**
   * The Data Integrity proof's verification method (formats 'di' and 'both'). Default: the
   * signer's kid. The issuer service gives `$BASE_URL/keys/<id>` under its own https issuer id:
   * a JSON-LD verifier needs a verification method document there, not a key in a JWK Set.
   */
  verificationMethod?: string;
}

export interface IssuedCredential {
  /** The credential; with format 'di' or 'both' it carries its Data Integrity `proof`. */
  credential: Credential;
  /** The compact JWS (VC-JWT); null for format 'di'. For 'both', its payload includes the proof. */
  jwt: string | null;
  /** Quality-benchmark rules that warned (issuance went ahead; they are kept for the record). */
  warnings: RuleOutcome[];
}

/**
 * Build, check and sign one credential (by default as a VC-JWT). Throws MicrocredError listing
 * every problem.
 */
export async function issueCredential(request: IssuanceRequest, options: IssueOptions & { format?: 'jwt' | 'both' }): Promise<IssuedCredential & { jwt: string }>;
export async function issueCredential(request: IssuanceRequest, options: IssueOptions): Promise<IssuedCredential>;
export async function issueCredential(request: IssuanceRequest, options: IssueOptions): Promise<IssuedCredential> {
  const format = options.format ?? 'jwt';
  if (!ISSUE_FORMATS.includes(format)) throw new MicrocredError('MC_USAGE', `format must be one of ${ISSUE_FORMATS.join(', ')}, not ${String(format)}`);
  // Refuse an unusable key before any work, with the reason.
  if (format !== 'jwt') assertDataIntegritySigner(options.signer, options.verificationMethod);
  const checked = checkedCredentialNow(request, options);
  const { credential, warnings } = checked instanceof Promise ? await checked : checked;
  if (format === 'jwt') return { credential, jwt: await signCredentialJwt(credential, options.signer), warnings };
  const secured = await signCredentialDataIntegrity(credential, options.signer, { ...(options.now ? { now: options.now } : {}), ...(options.verificationMethod !== undefined ? { verificationMethod: options.verificationMethod } : {}) });
  if (format === 'di') return { credential: secured, jwt: null, warnings };
  // 'both': the JWT secures the credential together with its embedded proof.
  return { credential: secured, jwt: await signJwtPayload(jwtPayload(secured), options.signer), warnings };
}

export interface CheckedCredential {
  credential: Credential;
  warnings: RuleOutcome[];
}

/**
 * Everything before signing: the request's shape, the built credential's OB 3.0 validity,
 * JSON-LD terms and quality-benchmark rules. Throws (or rejects with) a MicrocredError listing
 * every problem. Answered at once, without a promise, when lintRequestNow can answer at once.
 * Shared with issueCredentials, so one credential and a cohort pass the same gate.
 */
export function checkedCredentialNow(request: IssuanceRequest, options: Pick<IssueOptions, 'signer' | 'issuerId' | 'now'>): CheckedCredential | Promise<CheckedCredential> {
  const shape = checkRequestShape(request);
  if (shape.length) throw new MicrocredError('MC_REQUEST_INVALID', `the issuance request has ${shape.length} problem(s)`, { problems: shape });
  const issuerId = options.issuerId ?? request.issuer?.id ?? signerDid(options.signer);
  if (!issuerId) {
    throw new MicrocredError('MC_REQUEST_INVALID', 'no issuer id: give issuer.id (or --issuer) when the key is not a DID key', { problems: [{ path: '/issuer/id', message: 'required when the signing key is not a did:key/did:jwk' }] });
  }
  const lint = lintRequestNow(request, { issuerId, signer: options.signer, now: options.now ?? new Date() }, true);
  return lint instanceof Promise ? lint.then(gate) : gate(lint);
}

/** The lint report's verdict: the credential and its warnings, or the MicrocredError listing every problem. */
function gate(lint: LintReport): CheckedCredential {
  if (lint.problems.length) throw new MicrocredError('MC_CREDENTIAL_INVALID', `the credential would not be valid Open Badges 3.0: ${lint.problems.length} problem(s)`, { problems: lint.problems });
  const { failed, warnings } = ruleOutcomes(lint.benchmark!);
  if (failed.length) throw new MicrocredError('MC_BENCHMARK_FAILED', `the credential fails ${failed.length} quality-benchmark rule(s) of the profiles it claims`, { problems: failed });
  return { credential: lint.credential!, warnings };
}
