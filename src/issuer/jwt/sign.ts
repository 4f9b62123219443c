import { encodeBase64url } from '../../lib/base64url.js';
import { dateTimeZMs } from '../../lib/date-time.js';
import type { Signer } from '../signer.js';
import { LRUCache } from 'lru-cache';
import { copyOwn, copyOwnButLast } from '../../lib/copy.js';
import { achievementText, sharedText, type Credential } from '../build.js';

/** The VC-JWT payload: the credential itself plus the registered claims OB 3.0 requires. */
export function jwtPayload(credential: Credential): Record<string, unknown> {
  const payload = copyOwn(credential);
  payload.iss = credential.issuer.id;
  const subjectId = (credential.credentialSubject as { id?: unknown }).id;
  if (typeof subjectId === 'string') payload.sub = subjectId;
  payload.nbf = Math.floor(dateTimeZMs(credential.validFrom)! / 1000);
  payload.jti = credential.id;
  if (typeof credential.validUntil === 'string') payload.exp = Math.floor(dateTimeZMs(credential.validUntil)! / 1000);
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
  /** With the JWS header and signature (base64url), so storage can pack it without reading the JWT. */
  split?: { before: string; achievement: string; after: string; header: string; signature: string };
}

/**
 * A JWT ready to be signed: its header and payload, base64url. Preparing and signing are
 * separate steps so a cohort can be signed in a run of its own (see issue-many.ts).
 */
export interface UnsignedJwt {
  header: string;
  /** The payload's base64url in three pieces (see encodeAround), left unjoined until the JWT is made. */
  payload: EncodedAround;
  split?: { before: string; achievement: string; after: string };
}

export function prepareJwt(payloadObject: Record<string, unknown>, signer: Pick<Signer, 'alg' | 'kid'>): UnsignedJwt {
  const header = headerB64(signer);
  const parts = payloadParts(payloadObject);
  if (parts.length === 1) return { header, payload: { head: encodeBase64url(parts[0]), mid: '', tail: '' } };
  const [before, text, after] = parts;
  return { header, payload: encodeAround(before, text, after), split: { before, achievement: text, after } };
}

/**
 * Reused for every synchronous signature: a cohort's signing inputs are about 9 KB each, and a
 * fresh buffer per credential is memory the collector has to find again.
 */
let scratch = Buffer.allocUnsafe(16 * 1024);

/**
 * The JWS signing input, `header.payload`, as ASCII bytes. With `reuse` it is written into the
 * scratch buffer and valid only until the next call (for a synchronous signer, done with it at once).
 */
function signingInput(unsigned: UnsignedJwt, reuse = false): Buffer {
  const { header, payload } = unsigned;
  const length = header.length + 1 + payload.head.length + payload.mid.length + payload.tail.length;
  let input: Buffer;
  if (!reuse) input = Buffer.allocUnsafe(length);
  else {
    if (scratch.length < length) scratch = Buffer.allocUnsafe(Math.max(length, scratch.length * 2));
    input = scratch.subarray(0, length);
  }
  let at = input.write(header, 0, 'latin1');
  input[at++] = 0x2e; // '.'
  at += input.write(payload.head, at, 'latin1');
  // The cached middle is copied as bytes (a memory copy), not written from its string.
  at += payload.midBytes ? payload.midBytes.copy(input, at) : input.write(payload.mid, at, 'latin1');
  input.write(payload.tail, at, 'latin1');
  return input;
}

/** Sign a prepared JWT with the signer. */
export async function signPrepared(unsigned: UnsignedJwt, signer: Signer): Promise<SignedJwtParts> {
  const signature = signer.signSync ? signer.signSync(signingInput(unsigned, true)) : await signer.sign(signingInput(unsigned));
  return finishJwt(unsigned, signature);
}

/** The signed JWT from a prepared one and the signature over its input. */
function finishJwt(unsigned: UnsignedJwt, signature: Uint8Array): SignedJwtParts {
  const sig = encodeBase64url(signature);
  const { header, payload, split } = unsigned;
  // Left as a rope: a caller that stores the packed form never reads (and so never copies) the whole JWT.
  const jwt = `${header}.${payload.head}${payload.mid}${payload.tail}.${sig}`;
  return split ? { jwt, split: { before: split.before, achievement: split.achievement, after: split.after, header, signature: sig } } : { jwt };
}

export async function signJwtPayloadParts(payloadObject: Record<string, unknown>, signer: Signer): Promise<SignedJwtParts> {
  return signPrepared(prepareJwt(payloadObject, signer), signer);
}

/**
 * The protected header, per signer object (a process signs with a handful): looked up by identity,
 * not by an `alg + kid` string built and hashed per credential. Checked against the signer's
 * current alg and kid, so a signer object whose key id changed gets a new header.
 */
const headers = new WeakMap<object, { alg: string; kid: string; header: string }>();
function headerB64(signer: Pick<Signer, 'alg' | 'kid'>): string {
  const known = headers.get(signer);
  if (known !== undefined && known.alg === signer.alg && known.kid === signer.kid) return known.header;
  const header = encodeBase64url(JSON.stringify({ alg: signer.alg, kid: signer.kid, typ: 'JWT' }));
  headers.set(signer, { alg: signer.alg, kid: signer.kid, header });
  return header;
}

/**
 * An achievement's UTF-8 bytes, and the base64url of its longest run of whole 3-byte groups when
 * the run starts at byte 0, 1 or 2. base64 encodes 3 bytes at a time, so the encoding of
 * `before + achievement + after` is the encoding of `before` plus the achievement's first k bytes
 * (k making that a whole number of groups), then the cached run for k, then the rest: a cohort's
 * credentials encode the achievement, the largest part of the payload, once.
 */
interface AlignedPart {
  text: string;
  bytes: Buffer;
  runs: [string, string, string];
  /** The runs as ASCII bytes, for signing inputs. */
  runBytes: [Buffer, Buffer, Buffer];
}
const alignedParts = new LRUCache<string, AlignedPart>({ max: 16 });
let lastAligned: AlignedPart | undefined;

function alignedPart(text: string): AlignedPart {
  if (lastAligned !== undefined && lastAligned.text === text) return lastAligned;
  let part = alignedParts.get(text);
  if (!part) {
    const bytes = Buffer.from(text, 'utf8');
    const run = (k: number) => bytes.toString('base64url', k, k + Math.max(0, Math.floor((bytes.length - k) / 3) * 3));
    const runs: [string, string, string] = [run(0), run(1), run(2)];
    part = { text, bytes, runs, runBytes: [Buffer.from(runs[0], 'latin1'), Buffer.from(runs[1], 'latin1'), Buffer.from(runs[2], 'latin1')] };
    alignedParts.set(text, part);
  }
  return (lastAligned = part);
}

/** base64url text in three pieces; `midBytes`, when present, is `mid` as ASCII bytes. */
export interface EncodedAround {
  head: string;
  mid: string;
  tail: string;
  midBytes?: Buffer;
}

/** Where the pieces around a cached run are put together as UTF-8 before encoding; grown as needed. */
let pieces = Buffer.allocUnsafe(16 * 1024);

/** `s` as UTF-8 into `pieces` at `at`, growing it first unless s and 2 more bytes surely fit; the bytes written. */
function writeUtf8(s: string, at: number): number {
  // A UTF-16 code unit takes at most 3 bytes of UTF-8; the 2 bytes are the head's share of the achievement.
  const need = at + s.length * 3 + 2;
  if (need > pieces.length) {
    const grown = Buffer.allocUnsafe(Math.max(need, pieces.length * 2));
    pieces.copy(grown, 0, 0, at);
    pieces = grown;
  }
  return pieces.write(s, at, 'utf8');
}

/** base64url(before + text + after) in three pieces, the middle one from the cache. Exported for tests. */
export function encodeAround(before: string, text: string, after: string): EncodedAround {
  const part = alignedPart(text);
  // An achievement is an object's JSON text, never this short; plain encoding keeps the arithmetic below simple.
  if (part.bytes.length < 3) return { head: encodeBase64url(before + text + after), mid: '', tail: '' };
  // Written straight into one reused buffer: measuring each piece's UTF-8 length first would
  // walk (and flatten) it twice.
  const lead = writeUtf8(before, 0);
  const k = ((3 - (lead % 3)) % 3) as 0 | 1 | 2;
  const mid = part.runs[k];
  const restAt = k + (mid.length / 4) * 3;
  part.bytes.copy(pieces, lead, 0, k);
  const head = pieces.toString('base64url', 0, lead + k);
  const rest = part.bytes.length - restAt;
  if (pieces.length < rest) pieces = Buffer.allocUnsafe(Math.max(rest, pieces.length * 2));
  part.bytes.copy(pieces, 0, restAt);
  const tailLength = rest + writeUtf8(after, rest);
  return { head, mid, tail: pieces.toString('base64url', 0, tailLength), midBytes: part.runBytes[k] };
}

/** signCredentialJwt, with the payload split around the achievement (see SignedJwtParts). */
export async function signCredentialJwtParts(credential: Credential, signer: Signer): Promise<SignedJwtParts> {
  return signJwtPayloadParts(jwtPayload(credential), signer);
}
/**
 * JSON.stringify(payload), byte for byte, but with the text of the nodes the issuer shares
 * between credentials (achievement, issuer profile, @context, type, credentialSchema; known when
 * it built them) spliced in rather than serialized again.
 */
export function serializePayload(payload: Record<string, unknown>): string {
  return payloadParts(payload).join('');
}

const hasToJson = (v: object) => typeof (v as { toJSON?: unknown }).toJSON === 'function';

/**
 * The serialized payload as [before, achievement, after], or [whole] when no built achievement is
 * the last member of its credentialSubject. Composed member by member as JSON.stringify would
 * write them. A toJSON method on the payload or a member (JSON.stringify calls it with the
 * member's name) sends the payload to JSON.stringify whole.
 */
function payloadParts(payload: Record<string, unknown>): [string] | [string, string, string] {
  if (hasToJson(payload)) return [JSON.stringify(payload)];
  let head: string | undefined;
  let achievement = '';
  let s = '{';
  let n = 0;
  const keys = Object.keys(payload);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    const v = payload[k];
    if (k === 'credentialSubject' && v !== null && typeof v === 'object' && !Array.isArray(v) && !hasToJson(v)) {
      const subject = v as Record<string, unknown>;
      const subjectKeys = Object.keys(subject);
      const text = subjectKeys[subjectKeys.length - 1] === 'achievement' ? achievementText(subject.achievement) : undefined;
      if (text !== undefined) {
        // The built achievement comes last (buildCredential puts it there): the learner's members
        // are one JSON.stringify call, the achievement's text follows.
        const rest = JSON.stringify(copyOwnButLast(subject, subjectKeys));
        s += (n++ ? ',' : '') + '"credentialSubject":' + rest.slice(0, -1) + (rest.length > 2 ? ',' : '') + '"achievement":';
        head = s;
        achievement = text;
        s = '}';
        continue;
      }
    }
    const t = memberText(v);
    if (t === null) return [JSON.stringify(payload)];
    if (t !== undefined) s += (n++ ? ',' : '') + quoted(k) + ':' + t;
  }
  s += '}';
  return head === undefined ? [s] : [head, achievement, s];
}

/** Member names as JSON strings: a cohort's payloads repeat the same few dozen names. */
const quotedNames = new Map<string, string>();
function quoted(name: string): string {
  let q = quotedNames.get(name);
  if (q === undefined) {
    q = JSON.stringify(name);
    if (name.length <= 64) {
      if (quotedNames.size >= 1024) quotedNames.clear();
      quotedNames.set(name, q);
    }
  }
  return q;
}

/** What JSON.stringify escapes in a string: a quote, a backslash, a control character, a lone surrogate (any surrogate here, to stay simple). */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A member value's JSON text (undefined: JSON.stringify leaves the member out; null: it has a toJSON method). */
function memberText(v: unknown): string | undefined | null {
  if (v !== null && typeof v === 'object') {
    const text = sharedText(v);
    if (text !== undefined) return text;
    if (hasToJson(v)) return null;
  }
  // A payload's top-level strings (ids, dates, names) rarely need escaping: quoted as they are,
  // they skip a JSON.stringify call each.
  if (typeof v === 'string' && !ESCAPED.test(v)) return '"' + v + '"';
  return JSON.stringify(v) as string | undefined;
}
