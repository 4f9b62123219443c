/**
 * Cohort credentials stored without repeating their achievement.
 *
 * A cohort's VC-JWTs differ only in the learner's part: about half of every payload, and so of
 * every stored row, is the same achievement text. A batch therefore stores that text once (the
 * `credential_parts` table, keyed by its SHA-256) and, per credential, a packed form:
 *
 *     ~1~<part hash>~<JWS header>~<JWS signature>~<length of before>~<before><after>
 *
 * where the payload JSON is `before + part + after`. The JWT is rebuilt on read by splicing the
 * part back and base64url-encoding the payload: the same bytes that were signed, so the same
 * JWT. A compact JWS never starts with `~` (not a base64url character), so both forms share the
 * `jwt` column and single issuance keeps storing plain JWTs. Rows shrink about 3.4× and fit in
 * a database page, which is what the cohort write rate depends on.
 */
import { createHash } from 'node:crypto';

const PREFIX = '~1~';

/** A shared part: its text and the key it is stored under. */
export interface CredentialPart {
  hash: string;
  text: string;
}

export function partHash(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}

export function isPackedJwt(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/**
 * The packed form of `jwt`, whose payload JSON is `before + part.text + after` (the caller
 * knows it: it serialized the payload that way). Throws if that is not so.
 */
export function packJwt(jwt: string, part: CredentialPart, before: string, after: string): string {
  const first = jwt.indexOf('.');
  const last = jwt.lastIndexOf('.');
  if (first < 1 || last === first) throw new Error('packJwt: not a compact JWS');
  const payloadLength = last - first - 1;
  // Cheap consistency check: the base64url length of the payload the parts make.
  if (payloadLength !== Math.ceil((Buffer.byteLength(before) + Buffer.byteLength(part.text) + Buffer.byteLength(after)) * 4 / 3)) {
    throw new Error('packJwt: the parts do not make up the JWT payload');
  }
  return packSigned(part, jwt.slice(0, first), jwt.slice(last + 1), before, after);
}

/**
 * The packed form from the JWS's header and signature (base64url) and the payload text around
 * the part: for a signer that made them (jwt/sign.ts), without reading the whole JWT again.
 */
export function packSigned(part: CredentialPart, header: string, signature: string, before: string, after: string): string {
  return `${PREFIX}${part.hash}~${header}~${signature}~${before.length}~${before}${after}`;
}

interface Unpacked {
  hash: string;
  header: string;
  signature: string;
  before: string;
  after: string;
}

function fields(stored: string): Unpacked {
  let at = PREFIX.length;
  const next = () => {
    const end = stored.indexOf('~', at);
    if (end === -1) throw new Error('a stored packed credential is malformed');
    const v = stored.slice(at, end);
    at = end + 1;
    return v;
  };
  const hash = next();
  const header = next();
  const signature = next();
  const beforeLength = Number(next());
  if (!Number.isSafeInteger(beforeLength) || beforeLength < 0 || at + beforeLength > stored.length) throw new Error('a stored packed credential is malformed');
  return { hash, header, signature, before: stored.slice(at, at + beforeLength), after: stored.slice(at + beforeLength) };
}

/** The part hash a packed credential needs (to load it before unpacking). */
export function packedPartHash(stored: string): string {
  return fields(stored).hash;
}

/** The JWT and its payload JSON text, from a packed credential and its part's text. */
export function unpackJwt(stored: string, partText: string): { jwt: string; payloadText: string } {
  const f = fields(stored);
  const payloadText = f.before + partText + f.after;
  return { jwt: `${f.header}.${Buffer.from(payloadText, 'utf8').toString('base64url')}.${f.signature}`, payloadText };
}
