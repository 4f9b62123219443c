import { createHash } from 'node:crypto';

/**
 * Short verification links for QR codes: /v/<code>/<digest>. The code is the credential's UUID
 * in base64url (22 characters); the digest is the first 16 base64url characters of the SHA-256
 * of the issued JWT, binding the link to the exact credential, so a swapped credential shows.
 */
export function linkCode(credentialId: string): string {
  const hex = credentialId.replace(/^urn:uuid:/, '').replace(/-/g, '');
  return Buffer.from(hex, 'hex').toString('base64url');
}

export function credentialIdFromCode(code: string): string | null {
  if (!/^[A-Za-z0-9_-]{22}$/.test(code)) return null;
  const hex = Buffer.from(code, 'base64url').toString('hex');
  if (hex.length !== 32) return null;
  return `urn:uuid:${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function linkDigest(jwt: string): string {
  return createHash('sha256').update(jwt, 'utf8').digest('base64url').slice(0, 16);
}

export function verificationPath(credentialId: string, jwt: string): string {
  return `/v/${linkCode(credentialId)}/${linkDigest(jwt)}`;
}
