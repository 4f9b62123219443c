import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Private keys are stored encrypted (AES-256-GCM) under a key-encryption key, so a copy of the
 * database alone signs nothing. In production the KEK comes from the environment (or a KMS that
 * sets it); in development it is generated once into DATA_DIR/kek with mode 0600.
 */
export interface Kek {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  /** A 32-byte key for another purpose (HKDF-SHA-256 with `purpose` as info), never the KEK itself. */
  derive(purpose: string): Buffer;
}

export function createKek(key: Buffer): Kek {
  if (key.length !== 32) throw new TypeError('the key-encryption key must be 32 bytes');
  return {
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    decrypt(ciphertext) {
      const [v, iv, body, tag] = ciphertext.split('.');
      if (v !== 'v1' || !iv || !body || !tag) throw new Error('unknown key ciphertext format');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
    derive(purpose) {
      return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), purpose, 32));
    },
  };
}

/** The configured KEK, or the development one in dataDir (created on first use). */
export function loadKek(configured: string | null, dataDir: string): { kek: Kek; generated: boolean; path: string | null } {
  if (configured) return { kek: createKek(Buffer.from(configured, 'base64url')), generated: false, path: null };
  const path = join(dataDir, 'kek');
  if (existsSync(path)) return { kek: createKek(Buffer.from(readFileSync(path, 'utf8').trim(), 'base64url')), generated: false, path };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  return { kek: createKek(key), generated: true, path };
}
