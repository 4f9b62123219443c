import { createHmac } from 'node:crypto';

/**
 * Who a credential is for, as the issuer's registrars find it again (issue #8's console), without
 * keeping more of the learner in the clear than the credential itself shows:
 *
 * - `name`: the names the credential carries in the clear (the subject's `name`, and identifiers
 *   of identityType "name" with `hashed: false`; printed on certificates), joined with " · ";
 *   searched by any part of it.
 * - `keys`: for every identifier (email, student id, APAAR, names, the subject id), a keyed hash
 *   under a key derived from the KEK, so a registrar who types an exact identifier finds the
 *   credential, while a copy of the database alone cannot confirm a guessed email.
 *
 * Identifiers are compared case-insensitively and without white space ("1234 5678 9012" is
 * "123456789012"), as registrars type them.
 */
export interface LearnerRecord {
  name: string | null;
  /** Space-separated search tokens (see learnerToken); empty when the request names nobody. */
  keys: string;
}

const MAX_NAME = 300;

export function learnerRecord(subject: unknown, searchKey: Uint8Array): LearnerRecord {
  if (!subject || typeof subject !== 'object' || Array.isArray(subject)) return { name: null, keys: '' };
  const { id, identifier, name: subjectName } = subject as { id?: unknown; identifier?: unknown; name?: unknown };
  const names: string[] = [];
  const values: string[] = [];
  // A subject's own `name` is shown in the clear too (see clearNames), so it is found the same way.
  if (typeof subjectName === 'string' && subjectName.trim() !== '') {
    values.push(subjectName);
    names.push(subjectName.trim());
  }
  for (const entry of Array.isArray(identifier) ? (identifier as unknown[]) : []) {
    if (!entry || typeof entry !== 'object') continue;
    const { identityType, identifier: given, identityHash, hashed } = entry as { identityType?: unknown; identifier?: unknown; identityHash?: unknown; hashed?: unknown };
    // A request gives `identifier`; a credential's own IdentityObject (a wallet re-issue) holds a clear value in `identityHash`.
    const value = typeof given === 'string' ? given : hashed === false && typeof identityHash === 'string' ? identityHash : undefined;
    if (value === undefined || value.trim() === '') continue;
    values.push(value);
    if (identityType === 'name' && hashed === false && !names.includes(value.trim())) names.push(value.trim());
  }
  if (typeof id === 'string' && id.trim() !== '') values.push(id);
  const keys = [...new Set(values.map((v) => learnerToken(v, searchKey)))].join(' ');
  const name = names.join(' · ');
  return { name: name === '' ? null : name.length > MAX_NAME ? `${name.slice(0, MAX_NAME - 1)}…` : name, keys };
}

/** The search token of one identifier as typed: 22 base64url characters (128 bits of HMAC-SHA-256). */
export function learnerToken(value: string, searchKey: Uint8Array): string {
  const normalised = value.normalize('NFC').toLowerCase().replace(/\s+/g, '');
  return createHmac('sha256', searchKey).update(normalised, 'utf8').digest('base64url').slice(0, 22);
}
