/**
 * Strict base64url: no padding, only the URL-safe alphabet, and canonical (re-encoding the
 * decoded bytes gives the input back). Node's decoder is lenient, so a token with trailing
 * garbage bits or padding would otherwise decode to the same bytes as the genuine one.
 */
const ALPHABET = /^[A-Za-z0-9_-]*$/;

export function decodeBase64url(input: string): Uint8Array | null {
  if (!ALPHABET.test(input) || input.length % 4 === 1) return null;
  const bytes = Buffer.from(input, 'base64url');
  if (bytes.toString('base64url') !== input) return null;
  return bytes;
}

export function encodeBase64url(bytes: Uint8Array | string): string {
  return (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('base64url');
}
