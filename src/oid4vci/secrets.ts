/**
 * The secrets of an offer and how they are stored. Only hashes reach the database:
 *
 * - the offer secret (in the offer's URL and the wallet page URL): stored as SHA-256;
 * - the pre-authorized code, derived from the offer secret with HMAC (so the offer document can
 *   be served again without storing the code): stored as SHA-256;
 * - the transaction code (a 6-digit PIN): stored as an HMAC keyed with the pre-authorized code,
 *   so that a copy of the database alone does not let anyone try the million PINs offline;
 * - access tokens and c_nonces: random, stored as SHA-256.
 */
import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';

export const sha256Hex = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/** 256 random bits, base64url (43 characters). */
export const randomSecret = (): string => randomBytes(32).toString('base64url');

export const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function preAuthorizedCodeFor(offerSecret: string): string {
  return createHmac('sha256', offerSecret).update('microcred oid4vci pre-authorized_code').digest('base64url');
}

export function txCodeHash(preAuthorizedCode: string, txCode: string): string {
  return createHmac('sha256', preAuthorizedCode).update(`microcred oid4vci tx_code:${txCode}`).digest('hex');
}

export const TX_CODE_LENGTH = 6;

/** A uniformly random numeric PIN of TX_CODE_LENGTH digits (leading zeros kept). */
export function newTxCode(): string {
  return String(randomInt(0, 10 ** TX_CODE_LENGTH)).padStart(TX_CODE_LENGTH, '0');
}
