import { encodeBase64url } from '../../lib/base64url.js';
import { parseDateTimeZ, toSeconds } from '../../verifier/checks/dates.js';
import type { Signer } from '../signer.js';
import type { Credential } from '../build.js';

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
  return signJwtPayload(jwtPayload(credential), signer);
}

/** Sign any JWT payload with the OB 3.0 header shape. */
export async function signJwtPayload(payloadObject: Record<string, unknown>, signer: Signer): Promise<string> {
  const header = encodeBase64url(JSON.stringify({ alg: signer.alg, kid: signer.kid, typ: 'JWT' }));
  const payload = encodeBase64url(JSON.stringify(payloadObject));
  const signingInput = `${header}.${payload}`;
  const signature = signer.signSync ? signer.signSync(Buffer.from(signingInput, 'ascii')) : await signer.sign(Buffer.from(signingInput, 'ascii'));
  return `${signingInput}.${encodeBase64url(signature)}`;
}
