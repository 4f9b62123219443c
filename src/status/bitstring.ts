import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * W3C Bitstring Status List v1.0: the list is a bitstring, GZIP-compressed, then multibase
 * base64url encoded ('u' prefix). Index 0 is the most significant bit of the first byte.
 */

/** The spec's minimum list size, which gives herd privacy (16 KiB uncompressed). */
export const MIN_LIST_SIZE = 131_072;

/** Largest decompressed list accepted (bytes): bounds memory on hostile lists. */
const MAX_LIST_BYTES = 16 * 1024 * 1024;

export function encodeBitstring(size: number, setIndexes: Iterable<number>): string {
  if (!Number.isInteger(size) || size <= 0 || size % 8 !== 0) throw new RangeError('size must be a positive multiple of 8');
  const bytes = Buffer.alloc(size / 8);
  for (const i of setIndexes) {
    if (!Number.isInteger(i) || i < 0 || i >= size) throw new RangeError(`index ${i} outside the list`);
    bytes[i >> 3]! |= 0x80 >> (i & 7);
  }
  return 'u' + gzipSync(bytes).toString('base64url');
}

export class BitstringError extends Error {}

export function decodeBitstring(encoded: unknown): Uint8Array {
  if (typeof encoded !== 'string' || !encoded.startsWith('u')) throw new BitstringError('encodedList is not multibase base64url (u…)');
  const compressed = Buffer.from(encoded.slice(1), 'base64url');
  try {
    return gunzipSync(compressed, { maxOutputLength: MAX_LIST_BYTES });
  } catch {
    throw new BitstringError('encodedList is not valid GZIP data (or is larger than 16 MiB)');
  }
}

/** The status value at `index` for entries of `statusSize` bits (1 for revocation and suspension). */
export function readStatus(bits: Uint8Array, index: number, statusSize = 1): number {
  let value = 0;
  for (let b = 0; b < statusSize; b++) {
    const pos = index * statusSize + b;
    const byte = bits[pos >> 3];
    if (byte === undefined) throw new BitstringError(`index ${index} is outside the list (${bits.length * 8} bits)`);
    value = (value << 1) | ((byte >> (7 - (pos & 7))) & 1);
  }
  return value;
}
