/**
 * The adversarial corpus (issue #9): hostile or broken credentials, each with the check and the
 * stable code that must refuse it. Every token is generated at test time from keys made for this
 * run (no private key is committed); `make()` builds the input, `options()` (when given) the
 * verifier options. test/adversarial.test.ts runs every case and asserts `verified === false`
 * and the named check's code.
 *
 * Status-list cases need `fixture.start()` first: a loopback HTTP server that serves lists under
 * the fake host `status.test`, reached through the real guarded fetcher (as test/status.test.ts).
 */
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  generateKey,
  issueCredential,
  jwtPayload,
  signStatusListCredential,
  statusEntries,
  type GeneratedKey,
  type IssuanceRequest,
  type JwsAlgorithm,
} from '../../src/issuer/index.js';
import { MIN_LIST_SIZE } from '../../src/status/bitstring.js';
import { createGuardedFetcher, type CheckCode, type CheckName, type VerifyOptions } from '../../src/verifier/index.js';
import { baseRequest, issueWith, keyFor, offlineFetcher, signerFor } from '../helpers/tokens.js';

export interface AdversarialCase {
  id: string;
  description: string;
  make: () => Promise<string | Uint8Array | Record<string, unknown>>;
  /** Verifier options; default: offline (no network at all). */
  options?: () => VerifyOptions;
  expect: { check: CheckName; code: CheckCode };
}

// ---------------------------------------------------------------------------------------------
// Building blocks
// ---------------------------------------------------------------------------------------------

const b64u = (v: string | Uint8Array | object): string =>
  (typeof v === 'string' ? Buffer.from(v, 'utf8') : v instanceof Uint8Array ? Buffer.from(v) : Buffer.from(JSON.stringify(v), 'utf8')).toString('base64url');

const keyObject = (k: GeneratedKey | KeyObject): KeyObject => ('privateJwk' in k ? createPrivateKey({ key: k.privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' }) : k);

/** Sign exact header and payload bytes (text or raw bytes), bypassing every issuer check. */
function signRaw(header: string | Uint8Array | object, payload: string | Uint8Array | object, key: GeneratedKey | KeyObject, alg: JwsAlgorithm = 'ES256', encoding: 'ieee-p1363' | 'der' = 'ieee-p1363'): string {
  const input = `${b64u(header)}.${b64u(payload)}`;
  const k = keyObject(key);
  const sig = cryptoSign(alg === 'EdDSA' ? null : 'sha256', Buffer.from(input, 'ascii'), alg === 'ES256' ? { key: k, dsaEncoding: encoding } : k);
  return `${input}.${sig.toString('base64url')}`;
}

/** A valid credential of the run's ES256 issuer: its JWT, credential, JWT claims and header. */
async function valid(alg: JwsAlgorithm = 'ES256', request: IssuanceRequest = baseRequest()) {
  const { jwt, credential, key } = await issueWith(alg, request);
  const { kid, issuerId } = signerFor(key);
  return { jwt, credential, key, kid, issuerId, header: { alg, kid, typ: 'JWT' } as Record<string, unknown>, payload: jwtPayload(credential) as Record<string, unknown> };
}

/** Re-sign a valid credential with the issuer's own key after changing its claims. */
async function resigned(change: (p: Record<string, unknown>) => Record<string, unknown>, alg: JwsAlgorithm = 'ES256'): Promise<string> {
  const v = await valid(alg);
  return signRaw(v.header, JSON.parse(JSON.stringify(change(structuredClone(v.payload)))) as object, v.key, alg);
}

/** Same, editing the payload as JSON text (for what JSON.stringify cannot produce). */
async function resignedText(change: (payloadText: string) => string, headerText?: (h: string) => string): Promise<string> {
  const v = await valid();
  const h = JSON.stringify(v.header);
  return signRaw(headerText ? headerText(h) : h, change(JSON.stringify(v.payload)), v.key);
}

const subject = (p: Record<string, unknown>) => p.credentialSubject as Record<string, unknown>;
const parts = (jwt: string) => jwt.split('.') as [string, string, string];
const nested = (n: number, open = '[', close = ']', leaf = '1') => open.repeat(n) + leaf + close.repeat(n);
/** A 10,000-deep object built without recursion (JSON.stringify could not even print it). */
function deepObject(n: number): Record<string, unknown> {
  let o: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < n; i++) o = { a: o };
  return o;
}

let other: GeneratedKey | undefined;
/** Somebody else's ES256 key (another did:key issuer). */
const otherKey = () => (other ??= generateKey('ES256'));

/** A public JWK as a did:jwk kid. */
const didJwkKid = (jwk: object) => `did:jwk:${b64u(jwk)}#0`;

/** The verifier's default guarded network client (no network exemption) with a deterministic DNS answer. */
const guardedDefault = (address = '10.1.2.3'): VerifyOptions => ({ fetchPolicy: { timeoutMs: 2000, cacheTtlMs: 0, lookup: async () => [{ address, family: 4 }] } });

// ---------------------------------------------------------------------------------------------
// Status lists over loopback HTTP
// ---------------------------------------------------------------------------------------------

const STATUS_HOST = 'status.test';
const routes = new Map<string, string>();
let server: Server | undefined;
let port = 0;

export const fixture = {
  async start(): Promise<void> {
    server = createServer((req, res) => {
      const body = routes.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (body === undefined) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      else res.writeHead(200, { 'content-type': 'application/vc+jwt', 'cache-control': 'no-store' }).end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  },
  async stop(): Promise<void> {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  },
};

/** Serve a one-key JWK Set on the loopback host; returns the kid URL that names its key. */
function serveKeySet(name: string, jwk: object): string {
  routes.set(`/jwks/${name}.json`, JSON.stringify({ keys: [jwk] }));
  return `http://${STATUS_HOST}:${port}/jwks/${name}.json#k1`;
}

const statusOptions = (): VerifyOptions => ({
  fetcher: createGuardedFetcher({ allowHttp: true, allowedHosts: [STATUS_HOST], lookup: async () => [{ address: '127.0.0.1', family: 4 }], cacheTtlMs: 0, timeoutMs: 3000 }),
});

let listCounter = 0;
/**
 * Issue a credential (the run's ES256 issuer) with status entries at `index` of a fresh list, and
 * serve that list's revocation and suspension credentials, signed by `signer` (default: the issuer).
 */
async function withStatus(index: number, set: { revoked?: number[]; suspended?: number[] }, opts: { signerKey?: GeneratedKey; claimIssuer?: 'own' | 'victim'; servedId?: (url: string) => string; base?: string } = {}): Promise<string> {
  const issuer = signerFor(keyFor('ES256'));
  const base = opts.base ?? `http://${STATUS_HOST}:${port}/lists/${++listCounter}`;
  const listSigner = opts.signerKey ? signerFor(opts.signerKey) : issuer;
  for (const purpose of ['revocation', 'suspension'] as const) {
    const url = `${base}/${purpose}`;
    const jwt = await signStatusListCredential(
      { issuerId: opts.claimIssuer === 'victim' ? issuer.issuerId : listSigner.issuerId, url: opts.servedId ? opts.servedId(url) : url, purpose, size: MIN_LIST_SIZE, setIndexes: (purpose === 'revocation' ? set.revoked : set.suspended) ?? [], now: new Date(Date.now() - 60_000) },
      listSigner.signer,
    );
    routes.set(new URL(url).pathname, jwt);
  }
  const { jwt } = await issueCredential({ ...baseRequest(), credentialStatus: statusEntries(base, index) } as IssuanceRequest, { signer: issuer.signer });
  return jwt;
}

// ---------------------------------------------------------------------------------------------
// The corpus
// ---------------------------------------------------------------------------------------------

export const cases: AdversarialCase[] = [
  // --- algorithm confusion -------------------------------------------------------------------
  {
    id: 'alg-none-unsigned',
    description: 'alg "none" with an empty signature segment',
    make: async () => {
      const v = await valid();
      return `${b64u({ alg: 'none', typ: 'JWT' })}.${b64u(v.payload)}.`;
    },
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'alg-none-with-signature',
    description: 'alg "none" in the header, the genuine signature kept',
    make: async () => {
      const v = await valid();
      const [, p, s] = parts(v.jwt);
      return `${b64u({ alg: 'none', kid: v.kid, typ: 'JWT' })}.${p}.${s}`;
    },
    expect: { check: 'jose-header', code: 'MC_ALG_NOT_ALLOWED' },
  },
  {
    id: 'alg-none-mixed-case',
    description: 'alg "None" (case games)',
    make: async () => resignedText((p) => p, (h) => h.replace('"ES256"', '"None"')),
    expect: { check: 'jose-header', code: 'MC_ALG_NOT_ALLOWED' },
  },
  {
    id: 'hs256-public-jwk-secret',
    description: 'HS256, HMAC keyed with the issuer public JWK (the classic RS/HS confusion)',
    make: async () => {
      const v = await valid();
      const input = `${b64u({ alg: 'HS256', kid: v.kid, typ: 'JWT' })}.${b64u(v.payload)}`;
      return `${input}.${createHmac('sha256', JSON.stringify(v.key.publicJwk)).update(input).digest('base64url')}`;
    },
    expect: { check: 'jose-header', code: 'MC_ALG_NOT_ALLOWED' },
  },
  {
    id: 'hs256-public-pem-secret',
    description: 'HS256, HMAC keyed with the issuer public key as PEM',
    make: async () => {
      const v = await valid();
      const publicPem = createPublicKey(keyObject(v.key)).export({ format: 'pem', type: 'spki' }).toString();
      const input = `${b64u({ alg: 'HS256', kid: v.kid, typ: 'JWT' })}.${b64u(v.payload)}`;
      return `${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`;
    },
    expect: { check: 'jose-header', code: 'MC_ALG_NOT_ALLOWED' },
  },
  {
    id: 'alg-es384',
    description: 'an algorithm outside the allow-list (ES384)',
    make: async () => resignedText((p) => p, (h) => h.replace('"ES256"', '"ES384"')),
    expect: { check: 'jose-header', code: 'MC_ALG_NOT_ALLOWED' },
  },
  {
    id: 'alg-ps256',
    description: 'RSASSA-PSS (PS256) instead of RS256',
    make: async () => {
      const v = await valid('RS256');
      const [, p, s] = parts(v.jwt);
      return `${b64u({ ...v.header, alg: 'PS256' })}.${p}.${s}`;
    },
    expect: { check: 'jose-header', code: 'MC_ALG_NOT_ALLOWED' },
  },
  {
    id: 'alg-outside-caller-allow-list',
    description: 'a valid ES256 credential when the caller allows only EdDSA',
    make: async () => (await valid()).jwt,
    options: () => ({ fetcher: offlineFetcher, algorithms: ['EdDSA'] }),
    expect: { check: 'jose-header', code: 'MC_ALG_NOT_ALLOWED' },
  },
  {
    id: 'eddsa-key-es256-header',
    description: 'algorithm/key-type mismatch: an Ed25519 did:key under an ES256 header',
    make: async () => {
      const v = await valid();
      return signRaw({ alg: 'ES256', kid: signerFor(keyFor('EdDSA')).kid, typ: 'JWT' }, v.payload, v.key);
    },
    expect: { check: 'key-resolution', code: 'MC_KEY_ALG_MISMATCH' },
  },
  {
    id: 'rsa-key-eddsa-header',
    description: 'algorithm/key-type mismatch: an RSA did:jwk under an EdDSA header',
    make: async () => {
      const v = await valid('EdDSA');
      return signRaw({ alg: 'EdDSA', kid: signerFor(keyFor('RS256')).kid, typ: 'JWT' }, v.payload, v.key, 'EdDSA');
    },
    expect: { check: 'key-resolution', code: 'MC_KEY_ALG_MISMATCH' },
  },
  {
    id: 'wrong-curve-secp256k1',
    description: 'wrong curve: a secp256k1 key (did:jwk) signing under ES256',
    make: async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      const v = await valid();
      return signRaw({ alg: 'ES256', kid: didJwkKid(publicKey.export({ format: 'jwk' })), typ: 'JWT' }, v.payload, privateKey);
    },
    expect: { check: 'key-resolution', code: 'MC_KEY_ALG_MISMATCH' },
  },
  {
    id: 'wrong-curve-p384',
    description: 'wrong curve: a P-384 key (did:jwk) under ES256',
    make: async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      const v = await valid();
      return signRaw({ alg: 'ES256', kid: didJwkKid(publicKey.export({ format: 'jwk' })), typ: 'JWT' }, v.payload, privateKey);
    },
    expect: { check: 'key-resolution', code: 'MC_KEY_ALG_MISMATCH' },
  },
  {
    id: 'published-alg-mismatch',
    description: 'the key set publishes the P-256 key for alg ES384',
    make: async () => {
      const v = await valid();
      return signRaw({ alg: 'ES256', kid: serveKeySet('alg', { ...v.key.publicJwk, kid: 'k1', alg: 'ES384' }), typ: 'JWT' }, v.payload, v.key);
    },
    options: statusOptions,
    expect: { check: 'key-resolution', code: 'MC_KEY_ALG_MISMATCH' },
  },
  {
    id: 'published-use-enc',
    description: 'the key set publishes the key for encryption ("use": "enc"), not signatures',
    make: async () => {
      const v = await valid();
      return signRaw({ alg: 'ES256', kid: serveKeySet('enc', { ...v.key.publicJwk, kid: 'k1', use: 'enc' }), typ: 'JWT' }, v.payload, v.key);
    },
    options: statusOptions,
    expect: { check: 'key-resolution', code: 'MC_KEY_ALG_MISMATCH' },
  },
  {
    id: 'published-private-key',
    description: 'the kid dereferences to a private key (a leaked key proves nothing)',
    make: async () => {
      const v = await valid();
      return signRaw({ alg: 'ES256', kid: serveKeySet('leaked', { ...v.key.privateJwk, kid: 'k1' }), typ: 'JWT' }, v.payload, v.key);
    },
    options: statusOptions,
    expect: { check: 'key-resolution', code: 'MC_KEY_UNRESOLVABLE' },
  },

  // --- the key reference ---------------------------------------------------------------------
  {
    id: 'kid-other-issuer-key',
    description: "kid points at another issuer's key; signed with the issuer's key",
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, kid: signerFor(otherKey()).kid }, v.payload, v.key);
    },
    expect: { check: 'signature', code: 'MC_SIGNATURE_INVALID' },
  },
  {
    id: 'kid-other-key-signed-by-it',
    description: "kid and signature from another key, iss/issuer still name the victim (impersonation)",
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, kid: signerFor(otherKey()).kid }, v.payload, otherKey());
    },
    expect: { check: 'key-binding', code: 'MC_KEY_NOT_BOUND' },
  },
  {
    id: 'kid-did-key-wrong-fragment',
    description: 'a did:key kid whose fragment names another key',
    make: async () => {
      const v = await valid();
      const did = v.kid.split('#')[0]!;
      return signRaw({ ...v.header, kid: `${did}#${signerFor(otherKey()).kid.split('#')[1]}` }, v.payload, v.key);
    },
    expect: { check: 'key-resolution', code: 'MC_KEY_NOT_FOUND' },
  },
  {
    id: 'kid-unresolvable-urn',
    description: 'a kid that is neither a DID URL nor an https URL',
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, kid: 'urn:example:key-1' }, v.payload, v.key);
    },
    expect: { check: 'key-resolution', code: 'MC_KEY_UNRESOLVABLE' },
  },
  {
    id: 'kid-unsupported-did-method',
    description: 'a kid under a DID method the verifier does not resolve (did:ion)',
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, kid: 'did:ion:EiAabc#key-1' }, v.payload, v.key);
    },
    expect: { check: 'key-resolution', code: 'MC_DID_METHOD_UNSUPPORTED' },
  },
  {
    id: 'kid-https-unreachable',
    description: 'an https kid on a host that cannot be reached',
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, kid: 'https://keys.invalid/jwks.json#k1' }, v.payload, v.key);
    },
    expect: { check: 'key-resolution', code: 'MC_KEY_UNRESOLVABLE' },
  },
  {
    id: 'kid-loopback-address',
    description: 'SSRF: an https kid on 127.0.0.1 (default network policy)',
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, kid: 'https://127.0.0.1/.well-known/jwks.json#k1' }, v.payload, v.key);
    },
    options: () => guardedDefault(),
    expect: { check: 'key-resolution', code: 'MC_KEY_FETCH_BLOCKED' },
  },
  {
    id: 'kid-cloud-metadata',
    description: 'SSRF: an https kid at the cloud metadata address 169.254.169.254',
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, kid: 'https://169.254.169.254/latest/meta-data/key' }, v.payload, v.key);
    },
    options: () => guardedDefault(),
    expect: { check: 'key-resolution', code: 'MC_KEY_FETCH_BLOCKED' },
  },
  {
    id: 'kid-did-web-private-dns',
    description: 'SSRF: a did:web kid whose host resolves to a private address (10.1.2.3)',
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, kid: 'did:web:intranet.example#key-1' }, v.payload, v.key);
    },
    options: () => guardedDefault('10.1.2.3'),
    expect: { check: 'key-resolution', code: 'MC_KEY_FETCH_BLOCKED' },
  },
  {
    id: 'kid-plain-http',
    description: 'an http:// kid (not https)',
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, kid: 'http://keys.example/jwks.json#k1' }, v.payload, v.key);
    },
    options: () => guardedDefault('93.184.216.34'),
    expect: { check: 'key-resolution', code: 'MC_KEY_FETCH_BLOCKED' },
  },
  {
    id: 'kid-compromised',
    description: 'a key the verifier was told is compromised',
    make: async () => (await valid()).jwt,
    options: () => ({ fetcher: offlineFetcher, compromisedKeys: [keyFor('ES256').publicJwk] }),
    expect: { check: 'key-resolution', code: 'MC_KEY_COMPROMISED' },
  },
  {
    id: 'embedded-jwk-not-issuer',
    description: "an embedded jwk (the attacker's key, which signed) for a did:key issuer it is not",
    make: async () => {
      const v = await valid();
      return signRaw({ alg: 'ES256', typ: 'JWT', jwk: otherKey().publicJwk }, v.payload, otherKey());
    },
    expect: { check: 'key-binding', code: 'MC_KEY_NOT_BOUND' },
  },
  {
    id: 'embedded-jwk-unconfirmable',
    description: 'an embedded jwk for an https issuer whose key set cannot be fetched',
    make: async () => {
      const v = await valid();
      const payload = { ...v.payload, iss: 'https://univ.example/issuer', issuer: { ...(v.payload.issuer as object), id: 'https://univ.example/issuer' } };
      return signRaw({ alg: 'ES256', typ: 'JWT', jwk: otherKey().publicJwk }, payload, otherKey());
    },
    expect: { check: 'key-binding', code: 'MC_KEY_BINDING_UNCHECKED' },
  },
  {
    id: 'embedded-jwk-private',
    description: 'an embedded jwk carrying the private key ("d")',
    make: async () => {
      const v = await valid();
      return signRaw({ alg: 'ES256', typ: 'JWT', jwk: v.key.privateJwk }, v.payload, v.key);
    },
    expect: { check: 'jose-header', code: 'MC_HEADER_JWK_PRIVATE' },
  },
  {
    id: 'no-key-reference',
    description: 'a header with neither kid nor jwk',
    make: async () => {
      const v = await valid();
      return signRaw({ alg: 'ES256', typ: 'JWT' }, v.payload, v.key);
    },
    expect: { check: 'jose-header', code: 'MC_HEADER_KEY_MISSING' },
  },

  // --- header extensions -----------------------------------------------------------------------
  {
    id: 'crit-header',
    description: 'a crit header (an extension the verifier would have to understand)',
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, crit: ['exp'], exp: 1 }, v.payload, v.key);
    },
    expect: { check: 'jose-header', code: 'MC_HEADER_CRIT_UNSUPPORTED' },
  },
  {
    id: 'b64-false',
    description: 'b64: false (RFC 7797 unencoded payload)',
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, b64: false }, v.payload, v.key);
    },
    expect: { check: 'jose-header', code: 'MC_HEADER_B64_UNSUPPORTED' },
  },
  {
    id: 'typ-other',
    description: 'typ "at+jwt" (a token of another kind)',
    make: async () => {
      const v = await valid();
      return signRaw({ ...v.header, typ: 'at+jwt' }, v.payload, v.key);
    },
    expect: { check: 'jose-header', code: 'MC_HEADER_TYP_INVALID' },
  },

  // --- serialization ---------------------------------------------------------------------------
  {
    id: 'jws-json-flattened',
    description: 'JWS JSON serialization (flattened) where compact is expected',
    make: async () => {
      const [h, p, s] = parts((await valid()).jwt);
      return JSON.stringify({ protected: h, payload: p, signature: s });
    },
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'jws-json-general',
    description: 'JWS JSON serialization (general, signatures array)',
    make: async () => {
      const [h, p, s] = parts((await valid()).jwt);
      return JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] });
    },
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'padded-base64url',
    description: 'padding ("==") on the signature segment',
    make: async () => `${(await valid()).jwt}==`,
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'non-canonical-base64url',
    description: 'non-canonical base64url: the unused low bits of the last signature character changed (decodes to the same bytes leniently)',
    make: async () => {
      const [h, p, s] = parts((await valid()).jwt);
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const last = alphabet.indexOf(s.at(-1)!);
      const mutated = `${s.slice(0, -1)}${alphabet[last ^ 1]}`;
      if (!Buffer.from(mutated, 'base64url').equals(Buffer.from(s, 'base64url'))) throw new Error('corpus bug: not a same-bytes variant');
      return `${h}.${p}.${mutated}`;
    },
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'standard-base64-alphabet',
    description: 'standard base64 (+ and /) instead of base64url in a segment',
    make: async () => {
      // Random tokens need not contain '-' or '_'; the signature always gets a '+' (standard
      // alphabet only), plus every '-'/'_' converted, so the case never depends on chance.
      const segments = parts((await valid()).jwt);
      const sig = segments[2]!.replace(/-/g, '+').replace(/_/g, '/');
      segments[2] = `+${sig.slice(1)}`;
      return segments.join('.');
    },
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'trailing-segment',
    description: 'trailing data: header.payload.signature.extra',
    make: async () => `${(await valid()).jwt}.extra`,
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'trailing-garbage-line',
    description: 'trailing data: the token, a newline and garbage',
    make: async () => `${(await valid()).jwt}\n garbage`,
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'jwe-five-segments',
    description: 'five segments (a JWE), not a JWS',
    make: async () => `${(await valid()).jwt}.AAAA.BBBB`,
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'detached-payload',
    description: 'an empty payload segment (detached payload)',
    make: async () => {
      const [h, , s] = parts((await valid()).jwt);
      return `${h}..${s}`;
    },
    expect: { check: 'parse', code: 'MC_JSON_INVALID' },
  },
  {
    id: 'payload-not-object',
    description: 'a signed payload that is a JSON array',
    make: async () => {
      const v = await valid();
      return signRaw(v.header, [v.payload], v.key);
    },
    expect: { check: 'parse', code: 'MC_PAYLOAD_NOT_OBJECT' },
  },

  // --- tampering -------------------------------------------------------------------------------
  {
    id: 'payload-byte-flip',
    description: 'one payload byte changed inside a string value (still valid JSON)',
    make: async () => {
      const [h, p, s] = parts((await valid()).jwt);
      const text = Buffer.from(p, 'base64url').toString('utf8');
      const at = text.indexOf('"name":"') + 8;
      const flipped = text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ 0x20) + text.slice(at + 1);
      return `${h}.${b64u(flipped)}.${s}`;
    },
    expect: { check: 'signature', code: 'MC_SIGNATURE_INVALID' },
  },
  {
    id: 'payload-credits-raised',
    description: 'creditsEarned raised after signing',
    make: async () => {
      const v = await valid();
      const [h, , s] = parts(v.jwt);
      return `${h}.${b64u({ ...v.payload, credentialSubject: { ...subject(v.payload), creditsEarned: 20 } })}.${s}`;
    },
    expect: { check: 'signature', code: 'MC_SIGNATURE_INVALID' },
  },
  {
    id: 'signature-byte-flip',
    description: 'one signature byte flipped',
    make: async () => {
      const [h, p, s] = parts((await valid()).jwt);
      const sig = Buffer.from(s, 'base64url');
      sig[7] = sig[7]! ^ 0x01;
      return `${h}.${p}.${sig.toString('base64url')}`;
    },
    expect: { check: 'signature', code: 'MC_SIGNATURE_INVALID' },
  },
  {
    id: 'signature-truncated',
    description: 'the signature cut to 63 bytes',
    make: async () => {
      const [h, p, s] = parts((await valid()).jwt);
      return `${h}.${p}.${Buffer.from(s, 'base64url').subarray(0, 63).toString('base64url')}`;
    },
    expect: { check: 'signature', code: 'MC_SIGNATURE_INVALID' },
  },
  {
    id: 'ecdsa-zero-signature',
    description: 'ECDSA r = s = 0 ("psychic signature", CVE-2022-21449)',
    make: async () => {
      const [h, p] = parts((await valid()).jwt);
      return `${h}.${p}.${Buffer.alloc(64).toString('base64url')}`;
    },
    expect: { check: 'signature', code: 'MC_SIGNATURE_INVALID' },
  },
  {
    id: 'ecdsa-der-signature',
    description: 'an ES256 signature in DER encoding instead of JOSE r||s',
    make: async () => {
      const v = await valid();
      return signRaw(v.header, v.payload, v.key, 'ES256', 'der');
    },
    expect: { check: 'signature', code: 'MC_SIGNATURE_INVALID' },
  },
  {
    id: 'header-reencoded',
    description: 'the header re-encoded with the same members (whitespace): the signing input changed',
    make: async () => {
      const v = await valid();
      const [, p, s] = parts(v.jwt);
      return `${b64u(JSON.stringify(v.header, null, 1))}.${p}.${s}`;
    },
    expect: { check: 'signature', code: 'MC_SIGNATURE_INVALID' },
  },
  {
    id: 'header-byte-flip-alg',
    description: 'one header byte flipped: ES256 → ES257',
    make: async () => {
      const v = await valid();
      const [, p, s] = parts(v.jwt);
      return `${b64u(JSON.stringify(v.header).replace('ES256', 'ES257'))}.${p}.${s}`;
    },
    expect: { check: 'jose-header', code: 'MC_ALG_NOT_ALLOWED' },
  },
  {
    id: 'header-swapped',
    description: "the header of another valid token (an EdDSA issuer's) on this payload and signature",
    make: async () => {
      const a = await valid('ES256');
      const b = await valid('EdDSA');
      const [, p, s] = parts(a.jwt);
      return `${parts(b.jwt)[0]}.${p}.${s}`;
    },
    expect: { check: 'signature', code: 'MC_SIGNATURE_INVALID' },
  },
  {
    id: 'payload-swapped',
    description: "another credential's payload under this header and signature",
    make: async () => {
      const a = await valid();
      const b = await valid();
      const [h, , s] = parts(a.jwt);
      return `${h}.${parts(b.jwt)[1]}.${s}`;
    },
    expect: { check: 'signature', code: 'MC_SIGNATURE_INVALID' },
  },

  // --- JSON ambiguity and resource exhaustion ---------------------------------------------------
  {
    id: 'duplicate-header-alg',
    description: 'duplicate "alg" in the (signed) header: "none" then "ES256"',
    make: async () => resignedText((p) => p, (h) => h.replace('{', '{"alg":"none",')),
    expect: { check: 'parse', code: 'MC_JSON_DUPLICATE_KEY' },
  },
  {
    id: 'duplicate-header-kid',
    description: 'duplicate "kid" in the signed header',
    make: async () => resignedText((p) => p, (h) => h.replace('{', `{"kid":${JSON.stringify(signerFor(otherKey()).kid)},`)),
    expect: { check: 'parse', code: 'MC_JSON_DUPLICATE_KEY' },
  },
  {
    id: 'duplicate-payload-iss',
    description: 'duplicate "iss" claim in the signed payload',
    make: async () => resignedText((p) => p.replace('{', '{"iss":"did:example:someone-else",')),
    expect: { check: 'parse', code: 'MC_JSON_DUPLICATE_KEY' },
  },
  {
    id: 'duplicate-nested-credits',
    description: 'credentialSubject with creditsEarned twice (2 and 200): the payload says two things',
    make: async () => resignedText((p) => p.replace('"creditsEarned":2', '"creditsEarned":2,"creditsEarned":200')),
    expect: { check: 'parse', code: 'MC_JSON_DUPLICATE_KEY' },
  },
  {
    id: 'duplicate-escaped-name',
    description: 'a duplicate spelled with an escape ("iss" and "\\u0069ss")',
    make: async () => resignedText((p) => p.replace('{', '{"\\u0069ss":"did:example:someone-else",')),
    expect: { check: 'parse', code: 'MC_JSON_DUPLICATE_KEY' },
  },
  {
    id: 'duplicate-proto',
    description: '"__proto__" twice in the payload',
    make: async () => resignedText((p) => p.replace('{', '{"__proto__":{"a":1},"__proto__":{"b":2},')),
    expect: { check: 'parse', code: 'MC_JSON_DUPLICATE_KEY' },
  },
  {
    id: 'duplicate-json-input',
    description: 'a JSON credential (text) with "issuer" twice',
    make: async () => {
      const v = await valid();
      return JSON.stringify(v.credential).replace('{', '{"issuer":"did:example:someone-else",');
    },
    expect: { check: 'parse', code: 'MC_JSON_DUPLICATE_KEY' },
  },
  {
    id: 'invalid-utf8-payload',
    description: 'a signed payload with an invalid UTF-8 byte (0xFF) inside a string',
    make: async () => {
      const v = await valid();
      const bytes = Buffer.from(JSON.stringify(v.payload), 'utf8');
      const at = bytes.indexOf('"name":"') + 8;
      bytes[at] = 0xff;
      return signRaw(v.header, new Uint8Array(bytes), v.key);
    },
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'overlong-utf8-payload',
    description: 'an overlong UTF-8 encoding (C0 AF for "/") in the signed payload',
    make: async () => {
      const v = await valid();
      const text = Buffer.from(JSON.stringify(v.payload), 'utf8');
      const at = text.indexOf('"name":"') + 8;
      return signRaw(v.header, new Uint8Array(Buffer.concat([text.subarray(0, at), Buffer.from([0xc0, 0xaf]), text.subarray(at)])), v.key);
    },
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'surrogate-utf8-header',
    description: 'a UTF-8-encoded lone surrogate (ED A0 80) in the signed header',
    make: async () => {
      const v = await valid();
      const h = Buffer.from(JSON.stringify(v.header), 'utf8');
      const at = h.indexOf('"JWT"') + 1;
      return signRaw(new Uint8Array(Buffer.concat([h.subarray(0, at), Buffer.from([0xed, 0xa0, 0x80]), h.subarray(at)])), v.payload, v.key);
    },
    expect: { check: 'parse', code: 'MC_JWS_MALFORMED' },
  },
  {
    id: 'invalid-utf8-input-bytes',
    description: 'input bytes that are not UTF-8 at all',
    make: async () => new Uint8Array([0x65, 0x79, 0x4a, 0xff, 0xfe, 0x2e, 0x2e]),
    expect: { check: 'parse', code: 'MC_INPUT_UNRECOGNIZED' },
  },
  {
    id: 'one-megabyte-token',
    description: 'a 1 MB compact token (a padded payload, validly signed)',
    make: async () => {
      const v = await valid();
      return signRaw(v.header, { ...v.payload, pad: 'x'.repeat(1024 * 1024) }, v.key);
    },
    expect: { check: 'parse', code: 'MC_INPUT_TOO_LARGE' },
  },
  {
    id: 'one-megabyte-bytes',
    description: '1 MB of input bytes',
    make: async () => new Uint8Array(1024 * 1024).fill(0x41),
    expect: { check: 'parse', code: 'MC_INPUT_TOO_LARGE' },
  },
  {
    id: 'deep-payload-arrays',
    description: '10,000-deep nested arrays inside a validly signed payload',
    make: async () => resignedText((p) => p.replace(/}$/, `,"deep":${nested(10_000)}}`)),
    expect: { check: 'parse', code: 'MC_JSON_TOO_DEEP' },
  },
  {
    id: 'deep-payload-objects',
    description: '10,000-deep nested objects in credentialSubject of a validly signed payload',
    make: async () => resignedText((p) => p.replace('"creditsEarned":2', `"creditsEarned":2,"x":${nested(10_000, '{"a":', '}', '1')}`)),
    expect: { check: 'parse', code: 'MC_JSON_TOO_DEEP' },
  },
  {
    id: 'deep-header',
    description: '10,000-deep nesting in the header',
    make: async () => resignedText((p) => p, (h) => h.replace(/}$/, `,"x5c":${nested(10_000)}}`)),
    expect: { check: 'parse', code: 'MC_JSON_TOO_DEEP' },
  },
  {
    id: 'just-over-depth-limit',
    description: '65 levels of nesting (the limit is 64)',
    make: async () => resignedText((p) => p.replace(/}$/, `,"deep":${nested(64)}}`)),
    expect: { check: 'parse', code: 'MC_JSON_TOO_DEEP' },
  },
  {
    id: 'deep-json-text',
    description: 'a JSON credential (text) with 10,000-deep nesting',
    make: async () => {
      const v = await valid();
      return JSON.stringify({ ...v.credential, proof: { type: 'DataIntegrityProof' } }).replace(/}$/, `,"deep":${nested(10_000)}}`);
    },
    expect: { check: 'parse', code: 'MC_JSON_TOO_DEEP' },
  },
  {
    id: 'deep-object-input',
    description: 'an already-parsed object 10,000 levels deep (library or HTTP JSON body)',
    make: async () => ({ ...(await valid()).credential, deep: deepObject(10_000) }),
    expect: { check: 'parse', code: 'MC_JSON_TOO_DEEP' },
  },
  {
    id: 'cyclic-object-input',
    description: 'an object input that contains itself',
    make: async () => {
      const c: Record<string, unknown> = { ...(await valid()).credential };
      c.self = c;
      return c;
    },
    expect: { check: 'parse', code: 'MC_JSON_TOO_DEEP' },
  },

  // --- validity period and claims ----------------------------------------------------------------
  {
    id: 'expired',
    description: 'validUntil (and exp) in the past',
    make: async () => (await issueWith('ES256', { ...baseRequest(), validFrom: '2025-07-01T00:00:00Z', validUntil: '2026-07-01T00:00:00Z' })).jwt,
    options: () => ({ fetcher: offlineFetcher, now: new Date('2026-07-01T00:05:00Z') }),
    expect: { check: 'validity-period', code: 'MC_EXPIRED' },
  },
  {
    id: 'not-yet-valid',
    description: 'validFrom (and nbf) in 2099',
    make: async () => (await issueWith('ES256', { ...baseRequest(), validFrom: '2099-01-01T00:00:00Z' })).jwt,
    expect: { check: 'validity-period', code: 'MC_NOT_YET_VALID' },
  },
  {
    id: 'nbf-disagrees',
    description: 'nbf an hour before validFrom',
    make: async () => resigned((p) => ({ ...p, nbf: (p.nbf as number) - 3600 })),
    expect: { check: 'claims', code: 'MC_CLAIM_NBF_MISMATCH' },
  },
  {
    id: 'exp-disagrees',
    description: 'exp a year after validUntil (a longer life than the credential states)',
    make: async () => resigned((p) => ({ ...p, validUntil: '2098-01-01T00:00:00Z', exp: Date.parse('2099-01-01T00:00:00Z') / 1000 })),
    expect: { check: 'claims', code: 'MC_CLAIM_EXP_MISMATCH' },
  },
  {
    id: 'nbf-not-numeric',
    description: 'nbf as a date string',
    make: async () => resigned((p) => ({ ...p, nbf: '2025-01-01T00:00:00Z' })),
    expect: { check: 'claims', code: 'MC_CLAIM_INVALID' },
  },
  {
    id: 'iss-mismatch',
    description: 'iss names another issuer than issuer.id',
    make: async () => resigned((p) => ({ ...p, iss: 'did:key:z6MkSomebodyElse' })),
    expect: { check: 'claims', code: 'MC_CLAIM_ISS_MISMATCH' },
  },
  {
    id: 'sub-mismatch',
    description: 'sub names someone the credential is not about',
    make: async () => resigned((p) => ({ ...p, sub: 'did:example:impostor' })),
    expect: { check: 'claims', code: 'MC_CLAIM_SUB_MISMATCH' },
  },
  {
    id: 'jti-mismatch',
    description: 'jti is another credential id',
    make: async () => resigned((p) => ({ ...p, jti: 'urn:uuid:00000000-0000-4000-8000-000000000000' })),
    expect: { check: 'claims', code: 'MC_CLAIM_JTI_MISMATCH' },
  },

  // --- body --------------------------------------------------------------------------------------
  {
    id: 'missing-achievement',
    description: 'credentialSubject without achievement',
    make: async () => resigned((p) => ({ ...p, credentialSubject: { ...subject(p), achievement: undefined } })),
    expect: { check: 'schema', code: 'MC_SCHEMA_INVALID' },
  },
  {
    id: 'missing-credential-subject',
    description: 'no credentialSubject at all',
    make: async () => resigned((p) => ({ ...p, credentialSubject: undefined })),
    expect: { check: 'schema', code: 'MC_SCHEMA_INVALID' },
  },
  {
    id: 'type-without-openbadge',
    description: 'type ["VerifiableCredential"] only',
    make: async () => resigned((p) => ({ ...p, type: ['VerifiableCredential'] })),
    expect: { check: 'type', code: 'MC_TYPE_INVALID' },
  },
  {
    id: 'negative-credits',
    description: 'creditsEarned -1',
    make: async () => resigned((p) => ({ ...p, credentialSubject: { ...subject(p), creditsEarned: -1 } })),
    expect: { check: 'schema', code: 'MC_SCHEMA_INVALID' },
  },
  {
    id: 'non-numeric-credits',
    description: 'creditsEarned "2" (a string)',
    make: async () => resigned((p) => ({ ...p, credentialSubject: { ...subject(p), creditsEarned: '2' } })),
    expect: { check: 'schema', code: 'MC_SCHEMA_INVALID' },
  },
  {
    id: 'context-reordered',
    description: '@context out of order',
    make: async () => resigned((p) => ({ ...p, '@context': [...(p['@context'] as string[])].reverse() })),
    expect: { check: 'context', code: 'MC_CONTEXT_INVALID' },
  },
  {
    id: 'vc-claim-with-v2-context',
    description: 'a VCDM 1.1 vc claim whose @context is VCDM 2.0',
    make: async () => {
      const v = await valid();
      return signRaw(v.header, { vc: v.credential, iss: v.issuerId, jti: v.credential.id, nbf: v.payload.nbf }, v.key);
    },
    expect: { check: 'format', code: 'MC_VC_CLAIM_CONTEXT_MISMATCH' },
  },
  {
    id: 'v1-context-without-vc-claim',
    description: 'a VCDM 1.1 @context at the top level of the payload (no vc claim)',
    make: async () => resigned((p) => ({ ...p, '@context': ['https://www.w3.org/2018/credentials/v1', ...(p['@context'] as string[]).slice(1)] })),
    expect: { check: 'format', code: 'MC_VC_CLAIM_CONTEXT_MISMATCH' },
  },
  {
    id: 'json-without-proof',
    description: 'a JSON credential with no proof (nothing shows who issued it)',
    make: async () => (await valid()).credential,
    expect: { check: 'proof', code: 'MC_PROOF_MISSING' },
  },

  // --- status ------------------------------------------------------------------------------------
  {
    id: 'status-revoked',
    description: 'the revocation bit of the credential is set',
    make: () => withStatus(4242, { revoked: [4242] }),
    options: statusOptions,
    expect: { check: 'status', code: 'MC_STATUS_REVOKED' },
  },
  {
    id: 'status-suspended',
    description: 'the suspension bit of the credential is set',
    make: () => withStatus(77, { suspended: [77] }),
    options: statusOptions,
    expect: { check: 'status', code: 'MC_STATUS_SUSPENDED' },
  },
  {
    id: 'status-list-other-issuer',
    description: 'the status lists are signed (and issued) by someone else, saying "not revoked"',
    make: () => withStatus(5, {}, { signerKey: otherKey() }),
    options: statusOptions,
    expect: { check: 'status', code: 'MC_STATUS_LIST_INVALID' },
  },
  {
    id: 'status-list-impostor',
    description: "the status lists name the credential's issuer but are signed with another key",
    make: () => withStatus(5, {}, { signerKey: otherKey(), claimIssuer: 'victim' }),
    options: statusOptions,
    expect: { check: 'status', code: 'MC_STATUS_LIST_INVALID' },
  },
  {
    id: 'status-list-substituted',
    description: "another of the issuer's lists (a clean one) served at the credential's list URL",
    make: () => withStatus(9, { revoked: [9] }, { servedId: (url) => url.replace('/lists/', '/lists/clean-') }),
    options: statusOptions,
    expect: { check: 'status', code: 'MC_STATUS_LIST_INVALID' },
  },
  {
    id: 'status-list-private-address',
    description: 'a status list URL on a loopback address the network policy refuses',
    make: () => withStatus(1, {}, { base: 'http://127.0.0.1:9/lists/x' }),
    options: statusOptions,
    expect: { check: 'status', code: 'MC_STATUS_UNAVAILABLE' },
  },
];
