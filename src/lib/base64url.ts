/**
 * Strict base64url: no padding, only the URL-safe alphabet, and canonical. Node's decoder is
 * lenient (it skips characters outside the alphabet, accepts '+', '/' and '=', and ignores spare
 * bits), so a token with such bytes would otherwise decode to the same bytes as the genuine one.
 * Re-encoding the decoded bytes and comparing proves all of it at once, and is several times
 * faster than a regular expression over a credential-sized string.
 */
export function decodeBase64url(input: string): Uint8Array | null {
  if (input.length % 4 === 1) return null;
  const bytes = Buffer.from(input, 'base64url');
  return bytes.toString('base64url') === input ? bytes : null;
}

export function encodeBase64url(bytes: Uint8Array | string): string {
  return (typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('base64url');
}
