import { identityHashMatches } from '../lib/identity-hash.js';
import type { VerificationReport } from './report.js';

export type KnownRecipient = string | { identityType?: string; identifier: string };

/**
 * OB 3.0 recipient check [OB §Verify the Recipient Using an Identifier]: compare a known id
 * with credentialSubject.id, or a known identifier with each IdentityObject of the same type
 * (hashed with its salt, or plaintext). Only a verified report can match.
 */
export function recipientMatches(report: VerificationReport, known: KnownRecipient): boolean {
  if (!report.verified || !report.credential) return false;
  const subject = report.credential.credentialSubject as { id?: unknown; identifier?: unknown } | undefined;
  if (!subject || typeof subject !== 'object') return false;
  const value = typeof known === 'string' ? known : known.identifier;
  const type = typeof known === 'string' ? undefined : known.identityType;
  if (type === undefined && subject.id === value) return true;
  const ids = Array.isArray(subject.identifier) ? subject.identifier : [];
  return ids.some((raw) => {
    const io = raw as { identityType?: unknown; hashed?: unknown; identityHash?: unknown; salt?: unknown };
    if (type !== undefined && io.identityType !== type) return false;
    if (typeof io.identityHash !== 'string') return false;
    if (io.hashed === true) return identityHashMatches(value, typeof io.salt === 'string' ? io.salt : undefined, io.identityHash);
    return io.identityHash === value;
  });
}
