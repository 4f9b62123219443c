/**
 * Strict base64url: no padding, only the URL-safe alphabet, and canonical (re-encoding the
 * decoded bytes gives the input back). Node's decoder is lenient, so a token with trailing
 * garbage bits or padding would otherwise decode to the same bytes as the genuine one.
 */
const ALPHABET = /^[A-Za-z0-9_-]*$/;

const VALUE = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].map((c, i) => [c, i]));

export function decodeBase64url(input: string): Uint8Array | null {
  const rest = input.length % 4;
  if (rest === 1 || !ALPHABET.test(input)) return null;
  // Canonical: the bits of the last character beyond the final byte are zero (2 chars carry 1
  // byte, 4 bits spare; 3 chars carry 2 bytes, 2 bits spare). Checked directly rather than by
  // re-encoding, which costs as much as decoding on every verify.
  if (rest !== 0 && (VALUE.get(input[input.length - 1]!)! & (rest === 2 ? 0b1111 : 0b11)) !== 0) return null;
  return Buffer.from(input, 'base64url');
}

export function encodeBase64url(bytes: Uint8Array | string): string {
  return (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('base64url');
}
