import { base58btc } from 'multiformats/bases/base58';
import { decodeBase64url } from '../base64url.js';

/** `z` + base58btc: how eddsa-rdfc-2022 and Ed25519Signature2020 write a proofValue. */
export function encodeMultibaseBase58btc(bytes: Uint8Array): string {
  return base58btc.encode(bytes);
}

/**
 * Decode a multibase proofValue: `z` (base58btc) or `u` (base64url, no padding), the two
 * headers @digitalbazaar/data-integrity accepts. Null when it is neither or does not decode.
 */
export function decodeMultibase(value: string): Uint8Array | null {
  if (value.startsWith('z')) {
    try {
      return base58btc.decode(value);
    } catch {
      return null;
    }
  }
  if (value.startsWith('u')) return decodeBase64url(value.slice(1));
  return null;
}
