import { readFile, stat } from 'node:fs/promises';
import { MicrocredError } from '../../errors.js';
import { algorithmForJwk } from '../../lib/keys/jwk.js';
import { isSupportedAlgorithm } from '../../lib/jws/algorithms.js';
import type { PrivateJwk } from './generate.js';

export interface LoadKeyOptions {
  /** Accept a key file that group/others can read (demo keys in keys.example/ only). */
  allowInsecurePermissions?: boolean;
}

/**
 * Read a private JWK file. A key readable by other users is refused on POSIX systems: a
 * signing key that anyone on the machine can copy is not an institution's key any more.
 */
export async function loadPrivateKeyFile(path: string, options: LoadKeyOptions = {}): Promise<PrivateJwk> {
  let text: string;
  try {
    const info = await stat(path);
    if (!options.allowInsecurePermissions && process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new MicrocredError(
        'MC_KEY_FILE_PERMISSIONS',
        `key file ${path} is readable by other users (mode ${(info.mode & 0o777).toString(8)}); run: chmod 600 ${path}`,
      );
    }
    text = await readFile(path, 'utf8');
  } catch (e) {
    if (e instanceof MicrocredError) throw e;
    throw new MicrocredError('MC_KEY_FILE_INVALID', `cannot read key file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return parsePrivateJwk(text, path);
}

export function parsePrivateJwk(text: string, source = 'key'): PrivateJwk {
  let jwk: Record<string, unknown>;
  try {
    jwk = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Never echo the content: it is a private key.
    throw new MicrocredError('MC_KEY_FILE_INVALID', `${source} is not a JSON Web Key (invalid JSON)`);
  }
  if (jwk === null || typeof jwk !== 'object' || typeof jwk.d !== 'string') {
    throw new MicrocredError('MC_KEY_FILE_INVALID', `${source} is not a private JSON Web Key (no "d" member)`);
  }
  const inferred = algorithmForJwk(jwk);
  if (!inferred) throw new MicrocredError('MC_ALG_UNSUPPORTED', `${source}: key type is not one of P-256, RSA, Ed25519`);
  if (jwk.alg !== undefined && (!isSupportedAlgorithm(jwk.alg) || jwk.alg !== inferred)) {
    throw new MicrocredError('MC_ALG_UNSUPPORTED', `${source}: "alg" ${String(jwk.alg)} does not fit the key type`);
  }
  return { ...(jwk as PrivateJwk), alg: inferred };
}
