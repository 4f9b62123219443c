import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { decodeBase64url } from '../base64url.js';
import { parseStrictJson } from '../strict-json.js';
import { ALGORITHMS, type JwsAlgorithm } from './algorithms.js';

export interface ParsedCompactJws {
  header: Record<string, unknown>;
  /** Raw header JSON text, for diagnostics. */
  headerText: string;
  payloadBytes: Uint8Array;
  signingInput: Buffer;
  signature: Uint8Array;
}

export type CompactParseError =
  | { code: 'MC_JWS_MALFORMED'; message: string }
  | { code: 'MC_JSON_INVALID'; message: string }
  | { code: 'MC_JSON_DUPLICATE_KEY'; message: string }
  | { code: 'MC_JSON_TOO_DEEP'; message: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decode UTF-8 strictly: invalid byte sequences are an error, never replaced. */
export function decodeUtf8(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/**
 * Split and decode a compact JWS. Only the compact serialization is accepted: three
 * base64url segments, canonical encoding, a JSON object header in strict UTF-8.
 */
export function parseCompactJws(token: string): ParsedCompactJws | CompactParseError {
  const parts = token.split('.');
  if (parts.length !== 3) return { code: 'MC_JWS_MALFORMED', message: `a compact JWS has 3 parts separated by '.', this has ${parts.length}${parts.length === 5 ? ' (a JWE? encrypted credentials are not accepted)' : ''}` };
  const [h, p, s] = parts as [string, string, string];
  if (h === '' || s === '') return { code: 'MC_JWS_MALFORMED', message: 'the JWS header or signature is empty' };
  const headerBytes = decodeBase64url(h);
  const payloadBytes = decodeBase64url(p);
  const signature = decodeBase64url(s);
  if (!headerBytes || !payloadBytes || !signature) {
    return { code: 'MC_JWS_MALFORMED', message: 'a JWS segment is not canonical unpadded base64url' };
  }
  const headerText = decodeUtf8(headerBytes);
  if (headerText === null) return { code: 'MC_JWS_MALFORMED', message: 'the JWS header is not valid UTF-8' };
  // Strict: a duplicate header name ("alg" twice) or absurd nesting is refused, not resolved.
  const parsed = parseStrictJson(headerText);
  if (!parsed.ok) return { code: parsed.code, message: parsed.code === 'MC_JSON_INVALID' ? 'the JWS header is not valid JSON' : `the JWS header: ${parsed.message}` };
  const header = parsed.value;
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    return { code: 'MC_JWS_MALFORMED', message: 'the JWS header is not a JSON object' };
  }
  return {
    header: header as Record<string, unknown>,
    headerText,
    payloadBytes,
    // A slice of the token (no new string); the segments were checked to be base64url, so ASCII.
    signingInput: Buffer.from(token.slice(0, h.length + 1 + p.length), 'latin1'),
    signature,
  };
}

/** Check a JWS signature with node:crypto directly (no WebCrypto round trip). */
export function verifyJwsSignature(alg: JwsAlgorithm, key: KeyObject, signingInput: Uint8Array, signature: Uint8Array): boolean {
  const spec = ALGORITHMS[alg];
  try {
    return cryptoVerify(
      spec.digest,
      signingInput,
      spec.dsaEncoding ? { key, dsaEncoding: spec.dsaEncoding } : key,
      signature,
    );
  } catch {
    // A key of the wrong type or a signature of the wrong length is simply "not valid".
    return false;
  }
}
