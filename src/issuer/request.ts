import type { Problem } from '../errors.js';

/** A recipient identifier as the institution knows it (plaintext); the issuer hashes it. */
export interface RecipientIdentifierInput {
  identityType: string;
  /** The plaintext value (an email address, a student id, an APAAR id…). */
  identifier: string;
  /** Hash it (default true). OB 3.0 allows plaintext, but it exposes the learner's data. */
  hashed?: boolean;
}

/** An already-formed OB 3.0 IdentityObject, passed through unchanged. */
export interface IdentityObject {
  type: 'IdentityObject';
  identityHash: string;
  identityType: string;
  hashed: boolean;
  salt?: string;
}

/**
 * The issuance request: the same shape for `microcred issue REQUEST.json` and the HTTP API.
 * Everything OB 3.0 allows may be given; the issuer fills in ids, dates, types and contexts.
 */
export interface IssuanceRequest {
  /** The issuer Profile. Optional: derived from the signing key when absent. */
  issuer?: Record<string, unknown> & { id?: string; name?: string };
  achievement: Record<string, unknown>;
  credentialSubject: Record<string, unknown> & {
    id?: string;
    identifier?: Array<RecipientIdentifierInput | IdentityObject>;
    creditsEarned?: number;
    result?: Array<Record<string, unknown>>;
    activityStartDate?: string;
    activityEndDate?: string;
    /** Per-learner quality-benchmark facts (supervision applied, identity verified, credit-bank deposit). */
    qualityBenchmarkRecord?: Record<string, unknown>;
  };
  evidence?: Array<Record<string, unknown>>;
  /** Defaults to the time of issue. */
  validFrom?: string;
  validUntil?: string;
  awardedDate?: string;
  name?: string;
  description?: string;
  image?: Record<string, unknown>;
  /** A fixed credential id (urn:uuid:… or URL); a new urn:uuid by default. */
  id?: string;
  /** Extra JSON-LD contexts (extensions), appended after the OB 3.0 ones. */
  '@context'?: string[];
  /** Extra credentialSchema entries (extensions). */
  credentialSchema?: Array<{ id: string; type: string }>;
  credentialStatus?: Record<string, unknown> | Array<Record<string, unknown>>;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Shape checks a person can act on before any credential is built. */
export function checkRequestShape(request: unknown): Problem[] {
  const problems: Problem[] = [];
  if (!isObject(request)) return [{ path: '/', message: 'the request must be a JSON object' }];
  if (!isObject(request.achievement)) problems.push({ path: '/achievement', message: 'an achievement object is required' });
  if (!isObject(request.credentialSubject)) {
    problems.push({ path: '/credentialSubject', message: 'a credentialSubject object is required' });
  } else {
    const cs = request.credentialSubject;
    if (cs.identifier !== undefined) {
      const list = Array.isArray(cs.identifier) ? cs.identifier : [cs.identifier];
      list.forEach((item, i) => {
        const path = `/credentialSubject/identifier/${i}`;
        if (!isObject(item)) problems.push({ path, message: 'must be an object' });
        else if (typeof item.identityType !== 'string') problems.push({ path: `${path}/identityType`, message: 'identityType is required (e.g. emailAddress, sisSourcedId, ext:APAAR)' });
        else if (typeof item.identifier !== 'string' && typeof item.identityHash !== 'string') {
          problems.push({ path: `${path}/identifier`, message: 'give the plaintext identifier (it will be hashed) or an identityHash' });
        }
      });
    }
    if (cs.id === undefined && cs.identifier === undefined) {
      problems.push({ path: '/credentialSubject', message: 'identify the recipient with id (a DID or URL) and/or identifier (email, student id…)' });
    }
  }
  if (request.issuer !== undefined && !isObject(request.issuer)) problems.push({ path: '/issuer', message: 'issuer must be a Profile object' });
  for (const k of ['@context', 'credentialSchema'] as const) {
    if (request[k] !== undefined && !Array.isArray(request[k])) problems.push({ path: `/${k}`, message: 'must be an array' });
  }
  return problems;
}
