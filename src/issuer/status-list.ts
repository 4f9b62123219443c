import { VC_V2_CONTEXT } from '../model/constants.js';
import { encodeBitstring } from '../status/bitstring.js';
import { isoSeconds, type Credential } from './build.js';
import { signCredentialDataIntegrity } from './di/sign.js';
import { signJwtPayload } from './jwt/sign.js';
import type { Signer } from './signer.js';

export type StatusPurpose = 'revocation' | 'suspension';

export interface StatusListInput {
  issuerId: string;
  /** The URL the list is served at (the credential's id and every entry's statusListCredential). */
  url: string;
  purpose: StatusPurpose;
  size: number;
  /** Indexes whose status bit is set (revoked, or suspended). */
  setIndexes: Iterable<number>;
  now: Date;
  /** End of the list's validity: a verifier refuses the snapshot after it, so old copies cannot be replayed. */
  validUntil?: Date;
}

/** A W3C BitstringStatusListCredential for one purpose. */
export function buildStatusListCredential(input: StatusListInput): Record<string, unknown> {
  return {
    '@context': [VC_V2_CONTEXT],
    id: input.url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer: input.issuerId,
    validFrom: isoSeconds(input.now),
    ...(input.validUntil ? { validUntil: isoSeconds(input.validUntil) } : {}),
    credentialSubject: {
      id: `${input.url}#list`,
      type: 'BitstringStatusList',
      statusPurpose: input.purpose,
      encodedList: encodeBitstring(input.size, input.setIndexes),
    },
  };
}

/** Signed as a VC-JWT, like the credentials it speaks for. */
export async function signStatusListCredential(input: StatusListInput, signer: Signer): Promise<string> {
  const credential = buildStatusListCredential(input);
  return signJwtPayload({ ...credential, iss: input.issuerId, nbf: Math.floor(input.now.getTime() / 1000), jti: input.url, ...(input.validUntil ? { exp: Math.floor(input.validUntil.getTime() / 1000) } : {}) }, signer);
}

/**
 * Secured with an eddsa-rdfc-2022 Data Integrity proof instead (Ed25519 keys only), for verifiers
 * that read only JSON-LD status lists: the DCC's verifier-core, behind its Learner Credential Wallet.
 */
export async function signStatusListCredentialDataIntegrity(input: StatusListInput, signer: Signer, verificationMethod?: string): Promise<Record<string, unknown>> {
  const credential = buildStatusListCredential(input) as Credential;
  return signCredentialDataIntegrity(credential, signer, { now: input.now, ...(verificationMethod !== undefined ? { verificationMethod } : {}) });
}

/** The two status entries (revocation, suspension) of a credential at one index of a list. */
export function statusEntries(listBaseUrl: string, index: number): Array<Record<string, unknown>> {
  return (['revocation', 'suspension'] as const).map((purpose) => ({
    id: `${listBaseUrl}/${purpose}#${index}`,
    type: 'BitstringStatusListEntry',
    statusPurpose: purpose,
    statusListIndex: String(index),
    statusListCredential: `${listBaseUrl}/${purpose}`,
  }));
}
