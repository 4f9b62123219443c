import { decodeUtf8, parseCompactJws, type ParsedCompactJws } from '../lib/jws/compact.js';
import type { CheckCode, CredentialFormat } from './report.js';
import { sniffImage, unbake, type ImageFormat } from '../baking/index.js';
import { isMicrocredError } from '../errors.js';
import { checkJsonValue } from '../lib/strict-json.js';
import { parseCredentialJson } from './known-achievements.js';

export type ParsedInput =
  | { ok: true; kind: 'jws'; jws: ParsedCompactJws; token: string }
  /** fromText: parsed here from JSON text, so plain JSON values only (no Dates, no shared objects). */
  | { ok: true; kind: 'json'; document: Record<string, unknown>; fromText: boolean }
  | { ok: false; code: CheckCode; message: string };

export const DEFAULT_MAX_INPUT_BYTES = 512 * 1024;

const COMPACT_JWS = /^[A-Za-z0-9_=+/-]*\.[A-Za-z0-9_=+/-]*\.[A-Za-z0-9_=+/-]*$/;
/** A JSON header (`eyJ` is base64url of `{"`) and two more segments: a compact JWS, perhaps with more after it. */
const COMPACT_JWS_PREFIX = /^eyJ[A-Za-z0-9_=+/-]*\.[A-Za-z0-9_=+/-]*\.[A-Za-z0-9_=+/-]*/;

/** What a caller may hand the verifier: a compact JWS, JSON text, bytes of either, or a parsed object. */
export type VerifierInput = string | Uint8Array | Record<string, unknown>;

/** Recognise and decode the input without judging it. */
export function parseInput(input: VerifierInput, maxBytes = DEFAULT_MAX_INPUT_BYTES): ParsedInput {
  if (input !== null && typeof input === 'object' && !(input instanceof Uint8Array)) {
    if (Array.isArray(input)) return { ok: false, code: 'MC_INPUT_UNRECOGNIZED', message: 'a JSON array is not a credential' };
    // Already parsed, so no duplicate names to find; but depth and size are checked before any recursive check runs.
    const shape = checkJsonValue(input);
    return shape.ok ? { ok: true, kind: 'json', document: input, fromText: false } : { ok: false, code: shape.code, message: shape.message };
  }
  let text: string;
  if (input instanceof Uint8Array) {
    if (input.byteLength > maxBytes) return tooLarge(input.byteLength, maxBytes);
    const decoded = decodeUtf8(input);
    if (decoded === null) return { ok: false, code: 'MC_INPUT_UNRECOGNIZED', message: 'the input is not valid UTF-8 text' };
    text = decoded;
  } else if (typeof input === 'string') {
    const size = Buffer.byteLength(input, 'utf8');
    if (size > maxBytes) return tooLarge(size, maxBytes);
    text = input;
  } else {
    return { ok: false, code: 'MC_INPUT_UNRECOGNIZED', message: 'the input is neither text nor a JSON object' };
  }
  text = text.replace(/^\uFEFF/, '').trim();
  if (text === '') return { ok: false, code: 'MC_INPUT_EMPTY', message: 'the input is empty' };
  if (text.startsWith('{')) {
    const parsed = parseCredentialJson(text);
    if (!parsed.ok) return { ok: false, code: parsed.code, message: `the input is ${parsed.code === 'MC_JSON_INVALID' ? '' : 'refused: '}${parsed.message}` };
    const doc = parsed.value;
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      return { ok: false, code: 'MC_INPUT_UNRECOGNIZED', message: 'the JSON input is not an object' };
    }
    const obj = doc as Record<string, unknown>;
    if ('signatures' in obj || ('payload' in obj && ('protected' in obj || 'signature' in obj))) {
      return { ok: false, code: 'MC_JWS_MALFORMED', message: 'JWS JSON serialization is not accepted; a VC-JWT is a compact JWS' };
    }
    return { ok: true, kind: 'json', document: obj, fromText: true };
  }
  if (text.startsWith('[')) return { ok: false, code: 'MC_INPUT_UNRECOGNIZED', message: 'a JSON array is not a credential' };
  // The common case first: a well-formed token passes parseCompactJws, whose per-segment
  // alphabet check is stricter than COMPACT_JWS, so the regex scan of the whole token is only
  // needed to word the error when it does not.
  const direct = parseCompactJws(text);
  if (!('code' in direct)) return { ok: true, kind: 'jws', jws: direct, token: text };
  if (COMPACT_JWS.test(text)) return { ok: false, code: direct.code, message: direct.message };
  // A compact JWS followed by more (a 4th or 5th segment, a space or newline and text): say so plainly.
  const jwsPrefix = COMPACT_JWS_PREFIX.exec(text);
  if (jwsPrefix) {
    const rest = text.slice(jwsPrefix[0].length);
    const parts = text.split('.').length;
    return {
      ok: false,
      code: 'MC_JWS_MALFORMED',
      message: rest.startsWith('.') && !/\s/.test(text)
        ? `a compact JWS has 3 parts separated by '.', this has ${parts}${parts === 5 ? ' (a JWE? encrypted credentials are not accepted)' : ''}`
        : `trailing data after the compact JWS: ${JSON.stringify(rest.slice(0, 20))}${rest.length > 20 ? '…' : ''}`,
    };
  }
  return { ok: false, code: 'MC_INPUT_UNRECOGNIZED', message: 'the input is neither a compact JWS (VC-JWT) nor a JSON credential' };
}

function tooLarge(size: number, max: number): ParsedInput {
  return { ok: false, code: 'MC_INPUT_TOO_LARGE', message: `the input is ${size} bytes; the limit is ${max}` };
}

export function formatOf(kind: 'jws' | 'json', payload: Record<string, unknown> | null): CredentialFormat {
  if (kind === 'jws') return payload && typeof payload.vc === 'object' && payload.vc !== null ? 'vc-jwt-v1' : 'vc-jwt';
  return payload && payload.proof !== undefined ? 'data-integrity' : 'json-unsecured';
}

// --- baked badges (src/baking) ---------------------------------------------------------------

/** A baked PNG/SVG image, unbaked: the credential it carries, or why it carries none. */
export type UnbakedInput =
  | { ok: true; image: ImageFormat; credential: string }
  | { ok: false; code: CheckCode; message: string };

const BAKED_CODES: readonly CheckCode[] = ['MC_BAKED_INVALID', 'MC_BAKED_NOT_FOUND', 'MC_INPUT_TOO_LARGE', 'MC_INPUT_UNRECOGNIZED'];

/**
 * When the input is a baked badge image (PNG bytes by their signature; SVG bytes or text by an
 * XML prolog, comment, DOCTYPE or `<svg`), take its credential out; `null` for anything else.
 * A compact JWS or JSON never starts like an image, so nothing else is diverted.
 */
export function unbakeInput(input: VerifierInput, maxImageBytes: number, maxCredentialBytes: number): UnbakedInput | null {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return null;
  const image = sniffImage(input);
  if (!image) return null;
  try {
    // The credential is held to the verifier's input limit (parseInput checks it again).
    const credentialLimit = Math.max(1, Math.floor(Math.min(maxCredentialBytes, Number.MAX_SAFE_INTEGER))) || 1;
    return { ok: true, image, credential: unbake(input, { maxImageBytes, maxCredentialBytes: credentialLimit }).credential };
  } catch (e) {
    const code = isMicrocredError(e) && (BAKED_CODES as readonly string[]).includes(e.code) ? (e.code as CheckCode) : 'MC_BAKED_INVALID';
    return { ok: false, code, message: `a baked ${image.toUpperCase()} badge: ${(e as Error).message}` };
  }
}
// --- end baked badges ------------------------------------------------------------------------
