import { MicrocredError, type Problem } from '../errors.js';
import { validateAchievementCredential } from '../model/schema/validate.js';
import { checkContext, checkSubject, checkType } from '../verifier/checks/structure.js';
import { parseDateTimeZ } from '../verifier/checks/dates.js';
import { buildCredential, type Credential } from './build.js';
import { signCredentialJwt } from './jwt/sign.js';
import { checkRequestShape, type IssuanceRequest } from './request.js';
import type { Signer } from './signer.js';

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
}

/** The issuer id a signer can speak for without further configuration. */
function defaultIssuerId(signer: Signer): string | undefined {
  return signer.kid.startsWith('did:') ? signer.kid.split('#')[0] : undefined;
}

/**
 * Check the built credential with the verifier's own structural checks, so nothing is signed
 * that the verifier would reject. Returns every problem, not just the first.
 */
export function checkBuiltCredential(credential: Credential, signer: Signer): Problem[] {
  const problems: Problem[] = [...validateAchievementCredential(credential)];
  for (const r of [checkContext(credential, false), checkType(credential), checkSubject(credential)]) {
    if (r.status === 'failed') problems.push({ path: r.check === 'subject' ? '/credentialSubject' : r.check === 'type' ? '/type' : '/@context', message: r.message, code: r.code });
  }
  const from = parseDateTimeZ(credential.validFrom);
  const until = credential.validUntil === undefined ? null : parseDateTimeZ(credential.validUntil);
  if (!from) problems.push({ path: '/validFrom', message: 'must be a date-time with a timezone, e.g. 2025-06-30T00:00:00Z' });
  if (credential.validUntil !== undefined && !until) problems.push({ path: '/validUntil', message: 'must be a date-time with a timezone' });
  if (from && until && until <= from) problems.push({ path: '/validUntil', message: 'must be after validFrom' });
  const kidDid = signer.kid.startsWith('did:') ? signer.kid.split('#')[0] : undefined;
  if (kidDid !== undefined && kidDid !== credential.issuer.id) {
    problems.push({ path: '/issuer/id', message: `the signing key belongs to ${kidDid}, not to the issuer ${credential.issuer.id}; verifiers would reject it as not bound to the issuer` });
  }
  return dedupe(problems);
}

function dedupe(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const k = `${p.path}\u0000${p.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Build, check and sign one credential as a VC-JWT. Throws MicrocredError listing every problem. */
export async function issueCredential(request: IssuanceRequest, options: IssueOptions): Promise<IssuedCredential> {
  const shape = checkRequestShape(request);
  if (shape.length) throw new MicrocredError('MC_REQUEST_INVALID', `the issuance request has ${shape.length} problem(s)`, { problems: shape });
  const issuerId = options.issuerId ?? request.issuer?.id ?? defaultIssuerId(options.signer);
  if (!issuerId) {
    throw new MicrocredError('MC_REQUEST_INVALID', 'no issuer id: give issuer.id (or --issuer) when the key is not a DID key', { problems: [{ path: '/issuer/id', message: 'required when the signing key is not a did:key/did:jwk' }] });
  }
  const credential = buildCredential(request, { issuerId, now: options.now ?? new Date() });
  const problems = checkBuiltCredential(credential, options.signer);
  if (problems.length) throw new MicrocredError('MC_CREDENTIAL_INVALID', `the credential would not be valid Open Badges 3.0: ${problems.length} problem(s)`, { problems });
  return { credential, jwt: await signCredentialJwt(credential, options.signer) };
}
