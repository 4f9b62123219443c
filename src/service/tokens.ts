import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Storage, StoredToken } from '../storage/types.js';

export type Scope = 'issue' | 'revoke' | 'admin';
export const SCOPES: readonly Scope[] = ['issue', 'revoke', 'admin'];

export const hashToken = (secret: string): string => createHash('sha256').update(secret, 'utf8').digest('hex');

/** Create an API token. The secret is returned once; only its hash is stored. */
export async function createToken(storage: Storage, scopes: Scope[], label: string, at: string): Promise<{ token: StoredToken; secret: string }> {
  const secret = `mc_${randomBytes(32).toString('base64url')}`;
  const token: StoredToken = { id: randomUUID(), hash: hashToken(secret), scopes, label, createdAt: at, revokedAt: null };
  await storage.insertToken(token);
  return { token, secret };
}

/** The token behind a bearer secret, if it exists and is not revoked. */
export async function authenticate(storage: Storage, secret: string): Promise<StoredToken | null> {
  if (!/^mc_[A-Za-z0-9_-]{20,100}$/.test(secret)) return null;
  const token = await storage.findTokenByHash(hashToken(secret));
  return token && token.revokedAt === null ? token : null;
}

export const hasScope = (token: StoredToken, scope: Scope): boolean => token.scopes.includes('admin') || token.scopes.includes(scope);
