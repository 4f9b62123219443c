import { createPrivateKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLocalSigner, generateKey, issueCredential, jwtPayload, type GeneratedKey, type IssuanceRequest, type JwsAlgorithm } from '../../src/issuer/index.js';
import type { ResourceFetcher } from '../../src/verifier/index.js';
import { MicrocredError } from '../../src/errors.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** A realistic issuance request (the README example). */
export function baseRequest(): IssuanceRequest {
  return JSON.parse(readFileSync(new URL('../../examples/requests/basic.json', import.meta.url), 'utf8')) as IssuanceRequest;
}

/** A verifier fetcher for tests that must never reach the network. */
export const offlineFetcher: ResourceFetcher = async (url) => {
  throw new MicrocredError('MC_FETCH_FAILED', `offline test: ${url}`);
};

const keys = new Map<JwsAlgorithm, GeneratedKey>();
/** One key per algorithm per test process (RSA generation is slow). */
export function keyFor(alg: JwsAlgorithm): GeneratedKey {
  let k = keys.get(alg);
  if (!k) keys.set(alg, (k = generateKey(alg)));
  return k;
}

export function signerFor(k: GeneratedKey) {
  const id = k.identifiers[0]!;
  return { signer: createLocalSigner(k.privateJwk, id.kid), issuerId: id.id, kid: id.kid };
}

export async function issueWith(alg: JwsAlgorithm, request: IssuanceRequest = baseRequest(), now?: Date) {
  const k = keyFor(alg);
  const { signer } = signerFor(k);
  return { key: k, ...(await issueCredential(request, { signer, ...(now ? { now } : {}) })) };
}

const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

/** Sign an arbitrary header and payload with node:crypto, bypassing every issuer check. */
export function forge(header: Record<string, unknown>, payload: unknown, key: KeyObject | GeneratedKey, alg: JwsAlgorithm = 'ES256'): string {
  const keyObject = 'privateJwk' in key ? createPrivateKey({ key: key.privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' }) : key;
  const input = `${b64(header)}.${b64(payload)}`;
  const digest = alg === 'EdDSA' ? null : 'sha256';
  const sig = sign(digest, Buffer.from(input), alg === 'ES256' ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject);
  return `${input}.${sig.toString('base64url')}`;
}

/** Issue a valid credential, then re-sign it with changes to the header and/or payload. */
export async function forgeFrom(change: { header?: (h: Record<string, unknown>) => Record<string, unknown>; payload?: (p: Record<string, unknown>) => Record<string, unknown> }, alg: JwsAlgorithm = 'ES256') {
  const { credential, key } = await issueWith(alg);
  const { kid } = signerFor(key);
  const header = (change.header ?? ((h) => h))({ alg, kid, typ: 'JWT' });
  const payload = (change.payload ?? ((p) => p))(jwtPayload(credential));
  return { token: forge(header, payload, key, alg), credential, key };
}

export const checkOf = (report: { checks: Array<{ check: string }> }, name: string) => {
  const c = report.checks.find((x) => x.check === name);
  if (!c) throw new Error(`no ${name} check in report: ${JSON.stringify(report.checks.map((x) => x.check))}`);
  return c as { check: string; status: string; code: string; message: string; details?: unknown };
};
