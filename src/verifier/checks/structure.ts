import { CREDENTIAL_TYPES, OB3_CONTEXT, OB3_CONTEXT_PATTERN, VC_V1_CONTEXT, VC_V2_CONTEXT } from '../../model/constants.js';
import { validateAchievementCredential, validateExtensionSchemas } from '../../model/schema/validate.js';
import type { CheckResult } from '../report.js';
import type { KnownPart } from '../../lib/known-part.js';
import { passed, result } from './result.js';

/** `@context` is an ordered set: VC context first, an OB 3.0 context second [OB §Serialization › JSON-LD]. */
export function checkContext(credential: Record<string, unknown>, legacy: boolean): CheckResult {
  const ctx = credential['@context'];
  if (!Array.isArray(ctx) || ctx.length < 2) {
    return result('context', 'failed', 'MC_CONTEXT_INVALID', '@context must be an array with the VC context first and an Open Badges 3.0 context second');
  }
  const expectedFirst = legacy ? VC_V1_CONTEXT : VC_V2_CONTEXT;
  if (ctx[0] !== expectedFirst) {
    return result('context', 'failed', 'MC_CONTEXT_INVALID', `@context[0] must be ${expectedFirst}, found ${JSON.stringify(ctx[0])}`);
  }
  if (typeof ctx[1] !== 'string' || !OB3_CONTEXT_PATTERN.test(ctx[1])) {
    return result('context', 'failed', 'MC_CONTEXT_INVALID', `@context[1] must be an Open Badges 3.0 context, found ${JSON.stringify(ctx[1])}`);
  }
  if (!legacy && ctx[1] !== OB3_CONTEXT) {
    return result('context', 'warning', 'MC_CONTEXT_OUTDATED', `@context[1] is ${ctx[1]}; the current Open Badges context is ${OB3_CONTEXT}`);
  }
  return passed('context', '@context is in the required order');
}

export function typesOf(doc: Record<string, unknown>): string[] {
  const t = doc.type;
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : typeof t === 'string' ? [t] : [];
}

export function checkType(credential: Record<string, unknown>): CheckResult {
  const types = typesOf(credential);
  if (!types.includes('VerifiableCredential') || !CREDENTIAL_TYPES.some((t) => types.includes(t))) {
    return result('type', 'failed', 'MC_TYPE_INVALID', `type must include VerifiableCredential and OpenBadgeCredential (or AchievementCredential); found ${JSON.stringify(credential.type ?? null)}`);
  }
  return passed('type', `an ${types.includes('OpenBadgeCredential') ? 'OpenBadgeCredential' : 'AchievementCredential'}`);
}

/**
 * Validate against the project's OB 3.0 schema. A VCDM 1.1 credential is mapped onto the 2.0
 * shape first (context and date names), since the data model is otherwise the same.
 */
export function checkSchema(credential: Record<string, unknown>, legacy: boolean, achievement?: KnownPart): CheckResult {
  let doc = legacy ? asV2Shape(credential) : credential;
  // VCDM 2.0 allows a single proof object; the array-only schema must not reject that form.
  if (doc.proof !== undefined && !Array.isArray(doc.proof)) doc = { ...doc, proof: [doc.proof] };
  const known = achievement ? [achievement] : [];
  const problems = [...validateAchievementCredential(doc, known), ...validateExtensionSchemas(doc, known)];
  if (problems.length === 0) return passed('schema', 'conforms to the Open Badges 3.0 AchievementCredential schema (and the extension schemas it names)');
  const first = problems[0]!;
  return result('schema', 'failed', 'MC_SCHEMA_INVALID', `does not conform to the Open Badges 3.0 schema: ${first.path} ${first.message}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, { problems });
}

function asV2Shape(credential: Record<string, unknown>): Record<string, unknown> {
  const { issuanceDate, expirationDate, ...rest } = credential;
  const ctx = Array.isArray(credential['@context']) ? [VC_V2_CONTEXT, ...(credential['@context'] as unknown[]).slice(1)] : credential['@context'];
  const out: Record<string, unknown> = { ...rest, '@context': ctx };
  if (issuanceDate !== undefined && out.validFrom === undefined) out.validFrom = issuanceDate;
  if (expirationDate !== undefined && out.validUntil === undefined) out.validUntil = expirationDate;
  return out;
}

/** The schema cannot express "id and/or identifier"; OB 3.0 requires one of them. */
export function checkSubject(credential: Record<string, unknown>): CheckResult {
  const s = credential.credentialSubject;
  const subjects = Array.isArray(s) ? s : [s];
  for (const subject of subjects) {
    if (!subject || typeof subject !== 'object') return result('subject', 'failed', 'MC_SUBJECT_NO_IDENTIFIER', 'credentialSubject is missing');
    const { id, identifier } = subject as { id?: unknown; identifier?: unknown };
    const hasIdentifier = Array.isArray(identifier) ? identifier.length > 0 : identifier !== undefined && identifier !== null;
    if (typeof id !== 'string' && !hasIdentifier) {
      return result('subject', 'failed', 'MC_SUBJECT_NO_IDENTIFIER', 'credentialSubject has neither an id nor an identifier, so nobody can be shown to be its recipient');
    }
  }
  return passed('subject', 'the recipient is identified');
}
