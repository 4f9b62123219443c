import { encodeBase64url } from '../../lib/base64url.js';
import { parseDateTimeZ, toSeconds } from '../../verifier/checks/dates.js';
import type { Signer } from '../signer.js';
import { randomUUID } from 'node:crypto';
import { achievementText, type Credential } from '../build.js';

/** The VC-JWT payload: the credential itself plus the registered claims OB 3.0 requires. */
export function jwtPayload(credential: Credential): Record<string, unknown> {
  const payload: Record<string, unknown> = { ...credential, iss: credential.issuer.id };
  const subjectId = (credential.credentialSubject as { id?: unknown }).id;
  if (typeof subjectId === 'string') payload.sub = subjectId;
  payload.nbf = toSeconds(parseDateTimeZ(credential.validFrom)!);
  payload.jti = credential.id;
  if (typeof credential.validUntil === 'string') payload.exp = toSeconds(parseDateTimeZ(credential.validUntil)!);
  return payload;
}

/** Sign a credential as a compact JWS. Header: exactly alg, kid, typ (OB 3.0 allows no others). */
export async function signCredentialJwt(credential: Credential, signer: Signer): Promise<string> {
  return (await signJwtPayloadParts(jwtPayload(credential), signer)).jwt;
}

/** Sign any JWT payload with the OB 3.0 header shape. */
export async function signJwtPayload(payloadObject: Record<string, unknown>, signer: Signer): Promise<string> {
  return (await signJwtPayloadParts(payloadObject, signer)).jwt;
}

/**
 * A signed JWT and, when the payload holds an achievement built here, the payload text around
 * it: `payload = before + achievement + after`. Storage keeps the achievement text once for a
 * whole cohort and only the rest per credential (src/storage/packed-jwt.ts).
 */
export interface SignedJwtParts {
  jwt: string;
  split?: { before: string; achievement: string; after: string };
}

export async function signJwtPayloadParts(payloadObject: Record<string, unknown>, signer: Signer): Promise<SignedJwtParts> {
  const header = encodeBase64url(JSON.stringify({ alg: signer.alg, kid: signer.kid, typ: 'JWT' }));
  const parts = payloadParts(payloadObject);
  const payload = encodeBase64url(parts.length === 1 ? parts[0] : parts[0] + parts[1] + parts[2]);
  const signingInput = `${header}.${payload}`;
  const signature = signer.signSync ? signer.signSync(Buffer.from(signingInput, 'ascii')) : await signer.sign(Buffer.from(signingInput, 'ascii'));
  const jwt = `${signingInput}.${encodeBase64url(signature)}`;
  return parts.length === 1 ? { jwt } : { jwt, split: { before: parts[0], achievement: parts[1], after: parts[2] } };
}

/** signCredentialJwt, with the payload split around the achievement (see SignedJwtParts). */
export async function signCredentialJwtParts(credential: Credential, signer: Signer): Promise<SignedJwtParts> {
  return signJwtPayloadParts(jwtPayload(credential), signer);
}

// Stands in for the achievement while the rest is serialized; unguessable, so no learner data can collide with it.
const MARK_VALUE = `microcred-achievement-${randomUUID()}`;
const MARK = JSON.stringify(MARK_VALUE);

/**
 * JSON.stringify(payload), byte for byte, but with the achievement's JSON text (known when the
 * issuer built it) spliced in rather than serialized again.
 */
export function serializePayload(payload: Record<string, unknown>): string {
  return payloadParts(payload).join('');
}

/** The serialized payload as [before, achievement, after], or [whole] when no built achievement is in it. */
function payloadParts(payload: Record<string, unknown>): [string] | [string, string, string] {
  const subject = payload.credentialSubject as Record<string, unknown> | undefined;
  const text = subject && !Array.isArray(subject) ? achievementText(subject.achievement) : undefined;
  if (text === undefined) return [JSON.stringify(payload)];
  const json = JSON.stringify({ ...payload, credentialSubject: { ...subject, achievement: MARK_VALUE } });
  const at = json.indexOf(MARK);
  if (at === -1 || json.indexOf(MARK, at + 1) !== -1) return [JSON.stringify(payload)];
  return [json.slice(0, at), text, json.slice(at + MARK.length)];
}
