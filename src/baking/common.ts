/**
 * What PNG and SVG baking share: limits, format sniffing, strict UTF-8 and the check of the
 * credential text being baked. Used by the issuer and the verifier alike, so it imports
 * neither of them.
 */
import { MicrocredError } from '../errors.js';

/** OB 3.0 §Baked Badge: the keyword of the PNG iTXt chunk. */
export const PNG_KEYWORD = 'openbadgecredential';
/** OB 3.0 §Baked Badge: the namespace of the SVG `<openbadges:credential>` element. */
export const OB3_SVG_NAMESPACE = 'https://purl.imsglobal.org/ob/v3p0';
/** The prefix used when baking (extraction accepts any prefix bound to the namespace). */
export const OB3_SVG_PREFIX = 'openbadges';

/** Largest image accepted for baking or unbaking. */
export const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024;
/** Largest credential baked into or taken out of an image (after decompression, for PNG). */
export const DEFAULT_MAX_CREDENTIAL_BYTES = 1024 * 1024;

export interface BakingLimits {
  /** Largest image, in bytes. Default 10 MiB. */
  maxImageBytes?: number;
  /** Largest credential text, in UTF-8 bytes. Default 1 MiB. */
  maxCredentialBytes?: number;
}

export type ImageFormat = 'png' | 'svg';

/** The eight bytes every PNG file starts with. */
export const PNG_SIGNATURE: readonly number[] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasPngSignature(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 8 && PNG_SIGNATURE.every((b, i) => bytes[i] === b);
}

/** SVG (XML) text starts, after an optional BOM and whitespace, with an XML prolog, a comment, a DOCTYPE or `<svg`. */
const SVG_START = /^\uFEFF?\s*<(?:\?xml[\s?]|svg[\s>/]|!--|!DOCTYPE\s)/;
/** Only this much of the start is looked at when sniffing. */
const SNIFF_CHARS = 64;

/** Whether the input looks like a PNG or an SVG image (it may still turn out broken). */
export function sniffImage(input: Uint8Array | string): ImageFormat | null {
  if (typeof input === 'string') return SVG_START.test(input.slice(0, SNIFF_CHARS)) ? 'svg' : null;
  if (hasPngSignature(input)) return 'png';
  const head = Buffer.from(input.buffer, input.byteOffset, Math.min(input.byteLength, SNIFF_CHARS)).toString('latin1');
  // A UTF-8 BOM read as latin1 is "ï»¿".
  return SVG_START.test(head.replace(/^\u00EF\u00BB\u00BF/, '')) ? 'svg' : null;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Strict UTF-8 decoding: `null` when the bytes are not valid UTF-8. */
export function utf8OrNull(bytes: Uint8Array): string | null {
  try {
    return fatalUtf8.decode(bytes);
  } catch {
    return null;
  }
}

export function limitsOf(limits: BakingLimits = {}): Required<BakingLimits> {
  const maxImageBytes = limits.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const maxCredentialBytes = limits.maxCredentialBytes ?? DEFAULT_MAX_CREDENTIAL_BYTES;
  for (const [name, v] of [['maxImageBytes', maxImageBytes], ['maxCredentialBytes', maxCredentialBytes]] as const) {
    if (!Number.isSafeInteger(v) || v <= 0) throw new TypeError(`${name} must be a positive integer`);
  }
  return { maxImageBytes, maxCredentialBytes };
}

export function checkImageSize(size: number, max: number, what: string): void {
  if (size > max) throw new MicrocredError('MC_INPUT_TOO_LARGE', `the ${what} is ${size} bytes; the limit is ${max}`);
}

export function checkCredentialSize(size: number, max: number): void {
  if (size > max) throw new MicrocredError('MC_INPUT_TOO_LARGE', `the baked credential is ${size} bytes; the limit is ${max}`);
}

export type CredentialKind = 'jws' | 'json';

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * What is being baked: a compact JWS (VC-JWT) or a JSON credential object (embedded proof).
 * Only the shape is checked; the signature is the verifier's business. Returns the trimmed text.
 */
export function credentialToBake(credential: string, maxCredentialBytes: number): { kind: CredentialKind; text: string } {
  if (typeof credential !== 'string') throw new MicrocredError('MC_INPUT_UNRECOGNIZED', 'the credential to bake must be text (a compact JWS or JSON)');
  const text = credential.replace(/^\uFEFF/, '').trim();
  checkCredentialSize(Buffer.byteLength(text, 'utf8'), maxCredentialBytes);
  if (text === '') throw new MicrocredError('MC_INPUT_UNRECOGNIZED', 'the credential to bake is empty');
  if (text.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new MicrocredError('MC_INPUT_UNRECOGNIZED', `the credential to bake is not valid JSON (${(e as Error).message})`);
    }
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) throw new MicrocredError('MC_INPUT_UNRECOGNIZED', 'the JSON credential to bake is not an object');
    return { kind: 'json', text };
  }
  if (COMPACT_JWS.test(text)) return { kind: 'jws', text };
  throw new MicrocredError('MC_INPUT_UNRECOGNIZED', 'the credential to bake is neither a compact JWS (VC-JWT) nor a JSON credential');
}
