/**
 * Key resolution, signature and key binding against REAL HTTP servers on loopback.
 *
 * did:web and https `kid`s always name `https://` URLs. Instead of running TLS with test
 * certificates, the verifier is given a small ResourceFetcher that rewrites
 * `https://<test host>/path` to `http://127.0.0.1:<port>/path` of that host's loopback server
 * and delegates to the real guarded fetcher (allowHttp + allowedHosts ['127.0.0.1'], no cache),
 * so every request really goes over a socket. Nothing in node:http is mocked.
 */
import { sign as cryptoSign, createPrivateKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createLocalSigner,
  generateKey,
  issueCredential,
  jwtPayload,
  type GeneratedKey,
  type IssuanceRequest,
  type PrivateJwk,
} from '../src/issuer/index.js';
import { encodeBase64url } from '../src/lib/base64url.js';
import { didJwkFromJwk } from '../src/lib/did/did-jwk.js';
import { didKeyFromJwk, multikeyFromJwk } from '../src/lib/did/did-key.js';
import { jwkThumbprint, toPublicJwk, type PublicJwk } from '../src/lib/keys/jwk.js';
import {
  createGuardedFetcher,
  createVerifier,
  verifyCredential,
  type CheckCode,
  type CheckName,
  type CheckResult,
  type CheckStatus,
  type ResourceFetcher,
  type VerificationReport,
} from '../src/verifier/index.js';

// --- loopback "sites" --------------------------------------------------------------------

type Route = { status?: number; json?: unknown; text?: string; contentType?: string };

interface Site {
  server: Server;
  port: number;
  routes: Map<string, Route>;
  hits: Map<string, number>;
}

async function startSite(): Promise<Site> {
  const routes = new Map<string, Route>();
  const hits = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0]!;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const body = route.json !== undefined ? JSON.stringify(route.json) : (route.text ?? '');
    res.writeHead(route.status ?? 200, { 'content-type': route.contentType ?? 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, routes, hits };
}

async function stopServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A loopback port with nothing listening on it (for "host down"). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

let issuerSite: Site; // https://issuer.test
let otherSite: Site; // https://other.test
let downPort: number; // https://down.test: connection refused
const HOSTS = (): Record<string, number> => ({
  'issuer.test': issuerSite.port,
  'other.test': otherSite.port,
  'down.test': downPort,
});

/** URLs (as the verifier asked for them) seen by the test fetcher. */
let requested: string[] = [];

/**
 * The test fetcher: https://<test host>/… → http://127.0.0.1:<port>/… through the real guarded
 * fetcher. It refuses anything that is not https (did:web and https kids must never ask for http)
 * and hosts it does not know (nothing may leak to the real network).
 */
function loopbackFetcher(): ResourceFetcher {
  const inner = createGuardedFetcher({ allowHttp: true, allowedHosts: ['127.0.0.1'], cacheTtlMs: 0, timeoutMs: 3000 });
  return async (url, init) => {
    requested.push(url);
    const u = new URL(url);
    if (u.protocol !== 'https:') throw new Error(`test fetcher: refusing non-https URL ${url}`);
    const port = HOSTS()[u.hostname];
    if (port === undefined) throw new Error(`test fetcher: unknown host ${u.hostname}`);
    return inner(`http://127.0.0.1:${port}${u.pathname}${u.search}`, init);
  };
}

// --- keys, credentials, tokens -----------------------------------------------------------

let es1: GeneratedKey; // the issuer's key
let es2: GeneratedKey; // someone else's key
let ed: GeneratedKey;
let rsa: GeneratedKey;

const request: IssuanceRequest = {
  issuer: { type: ['Profile'], name: 'Test Institute', url: 'https://issuer.test' },
  achievement: {
    id: 'https://issuer.test/achievements/1',
    name: 'Key Resolution 101',
    description: 'Knows where keys come from.',
    criteria: { narrative: 'Pass the exam.' },
  },
  credentialSubject: { identifier: [{ identityType: 'emailAddress', identifier: 'learner@example.com' }] },
};

async function issue(key: GeneratedKey, kid: string, issuerId: string): Promise<{ jwt: string; credential: Record<string, unknown> }> {
  return issueCredential(request, { signer: createLocalSigner(key.privateJwk, kid), issuerId });
}

/** A compact JWS built by hand with node:crypto (not with the issuer's signer). */
function signJws(header: Record<string, unknown>, payload: Record<string, unknown>, privateJwk: PrivateJwk): string {
  const input = `${encodeBase64url(JSON.stringify(header))}.${encodeBase64url(JSON.stringify(payload))}`;
  const key = createPrivateKey({ key: privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const data = Buffer.from(input, 'ascii');
  const sig =
    header.alg === 'ES256'
      ? cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' })
      : header.alg === 'EdDSA'
        ? cryptoSign(null, data, key)
        : cryptoSign('sha256', data, key);
  return `${input}.${encodeBase64url(sig)}`;
}

/** A VC-JWT payload (credential + iss/jti/nbf) for `issuerId`, signed by nobody yet. */
async function payloadFor(issuerId: string): Promise<Record<string, unknown>> {
  // Any signer whose kid is not a DID lets issueCredential build a credential for any issuer id.
  const { credential } = await issueCredential(request, { signer: createLocalSigner(es1.privateJwk, 'https://unused.test/k'), issuerId });
  return jwtPayload(credential as Parameters<typeof jwtPayload>[0]);
}

const pub = (k: GeneratedKey): PublicJwk => toPublicJwk(k.publicJwk);

function didDocument(did: string, methods: Array<{ id: string; publicKeyJwk?: PublicJwk; publicKeyMultibase?: string; type?: string }>): Record<string, unknown> {
  return {
    '@context': ['https://www.w3.org/ns/did/v1'],
    id: did,
    verificationMethod: methods.map((m) => ({
      id: m.id,
      type: m.type ?? (m.publicKeyMultibase ? 'Multikey' : 'JsonWebKey2020'),
      controller: did,
      ...(m.publicKeyJwk ? { publicKeyJwk: m.publicKeyJwk } : {}),
      ...(m.publicKeyMultibase ? { publicKeyMultibase: m.publicKeyMultibase } : {}),
    })),
    assertionMethod: methods.map((m) => m.id),
  };
}

// --- report helpers ----------------------------------------------------------------------

function check(report: VerificationReport, name: CheckName): CheckResult {
  const c = report.checks.find((x) => x.check === name);
  if (!c) throw new Error(`no ${name} check in ${JSON.stringify(report.checks)}`);
  return c;
}

function expectCheck(report: VerificationReport, name: CheckName, status: CheckStatus, code: CheckCode): CheckResult {
  const c = check(report, name);
  expect({ check: c.check, status: c.status, code: c.code }, c.message).toEqual({ check: name, status, code });
  return c;
}

/** The key checks of a credential that should verify end to end. */
function expectVerified(report: VerificationReport): void {
  const failed = report.checks.filter((c) => c.status === 'failed');
  expect(failed, JSON.stringify(failed)).toEqual([]);
  expectCheck(report, 'key-resolution', 'passed', 'MC_OK');
  expectCheck(report, 'signature', 'passed', 'MC_OK');
  expectCheck(report, 'key-binding', 'passed', 'MC_OK');
  expect(report.verified).toBe(true);
}

/** Key resolution failed, so neither the signature nor the binding could be checked. */
function expectKeyResolutionFailed(report: VerificationReport, code: CheckCode): CheckResult {
  const c = expectCheck(report, 'key-resolution', 'failed', code);
  expectCheck(report, 'signature', 'skipped', 'MC_SKIPPED');
  expectCheck(report, 'key-binding', 'skipped', 'MC_SKIPPED');
  expect(report.verified).toBe(false);
  return c;
}

/** "Possible forgery": the signature is fine, but the key is not (provably) the issuer's. */
function expectSignedButNotBound(report: VerificationReport, code: 'MC_KEY_NOT_BOUND' | 'MC_KEY_BINDING_UNCHECKED'): CheckResult {
  expectCheck(report, 'key-resolution', 'passed', 'MC_OK');
  expectCheck(report, 'signature', 'passed', 'MC_OK');
  const c = expectCheck(report, 'key-binding', 'failed', code);
  expect(report.verified).toBe(false);
  // Key binding is decided after (and only because of) a valid signature.
  const names = report.checks.map((x) => x.check);
  expect(names.indexOf('signature')).toBeLessThan(names.indexOf('key-binding'));
  return c;
}

// --- lifecycle ---------------------------------------------------------------------------

beforeAll(async () => {
  [issuerSite, otherSite, downPort] = await Promise.all([startSite(), startSite(), closedPort()]);
  es1 = generateKey('ES256');
  es2 = generateKey('ES256');
  ed = generateKey('EdDSA');
  rsa = generateKey('RS256');
});

afterAll(async () => {
  await Promise.all([issuerSite, otherSite].filter(Boolean).map((s) => stopServer(s.server)));
});

beforeEach(() => {
  for (const s of [issuerSite, otherSite]) {
    s.routes.clear();
    s.hits.clear();
  }
  requested = [];
});

const DID = 'did:web:issuer.test';

// --- did:web -----------------------------------------------------------------------------

describe('did:web over real HTTP', () => {
  it('resolves an absolute verification method id and verifies', async () => {
    issuerSite.routes.set('/.well-known/did.json', { json: didDocument(DID, [{ id: `${DID}#key-1`, publicKeyJwk: pub(es1) }]) });
    const { jwt } = await issue(es1, `${DID}#key-1`, DID);
    const report = await verifyCredential(jwt, { fetcher: loopbackFetcher() });
    expectVerified(report);
    expect(check(report, 'key-resolution').message).toContain(`${DID}#key-1`);
    expect(requested).toEqual(['https://issuer.test/.well-known/did.json']);
    expect(issuerSite.hits.get('/.well-known/did.json')).toBe(1);
  });

  it('resolves a relative (#key-1) verification method id', async () => {
    issuerSite.routes.set('/.well-known/did.json', {
      json: didDocument(DID, [
        { id: '#key-0', publicKeyJwk: pub(es2) },
        { id: '#key-1', publicKeyJwk: pub(es1) },
      ]),
    });
    const { jwt } = await issue(es1, `${DID}#key-1`, DID);
    expectVerified(await verifyCredential(jwt, { fetcher: loopbackFetcher() }));
  });

  it('resolves a publicKeyMultibase (Ed25519 Multikey) method', async () => {
    issuerSite.routes.set('/.well-known/did.json', {
      json: didDocument(DID, [{ id: `${DID}#ed`, publicKeyMultibase: multikeyFromJwk(pub(ed)) }]),
    });
    const { jwt } = await issue(ed, `${DID}#ed`, DID);
    const report = await verifyCredential(jwt, { fetcher: loopbackFetcher() });
    expectVerified(report);
    expect(check(report, 'signature').message).toContain('EdDSA');
  });

  it('maps a did:web with a path to /org/dept/did.json', async () => {
    const did = 'did:web:issuer.test:org:dept';
    issuerSite.routes.set('/org/dept/did.json', { json: didDocument(did, [{ id: `${did}#key-1`, publicKeyJwk: pub(es1) }]) });
    const { jwt } = await issue(es1, `${did}#key-1`, did);
    const report = await verifyCredential(jwt, { fetcher: loopbackFetcher() });
    expectVerified(report);
    expect(requested).toEqual(['https://issuer.test/org/dept/did.json']);
    expect(issuerSite.hits.get('/.well-known/did.json')).toBeUndefined();
  });

  it('refuses a DID document whose id is another DID: MC_KEY_UNRESOLVABLE', async () => {
    issuerSite.routes.set('/.well-known/did.json', {
      json: didDocument('did:web:evil.test', [{ id: 'did:web:evil.test#key-1', publicKeyJwk: pub(es1) }]),
    });
    const { jwt } = await issue(es1, `${DID}#key-1`, DID);
    const c = expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_UNRESOLVABLE');
    expect(c.message).toContain('not for did:web:issuer.test');
  });

  it('reports a kid fragment missing from the document as MC_KEY_NOT_FOUND', async () => {
    issuerSite.routes.set('/.well-known/did.json', { json: didDocument(DID, [{ id: `${DID}#key-1`, publicKeyJwk: pub(es1) }]) });
    const { jwt } = await issue(es1, `${DID}#key-2`, DID);
    expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_NOT_FOUND');
  });

  it('reports a 404 for did.json as MC_KEY_UNRESOLVABLE', async () => {
    const { jwt } = await issue(es1, `${DID}#key-1`, DID);
    const c = expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_UNRESOLVABLE');
    expect(c.message).toContain('404');
    expect(issuerSite.hits.get('/.well-known/did.json')).toBe(1);
  });

  it('reports an unreachable did:web host as MC_KEY_UNRESOLVABLE', async () => {
    const did = 'did:web:down.test';
    const { jwt } = await issue(es1, `${did}#key-1`, did);
    expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_UNRESOLVABLE');
  });

  it('with the DEFAULT fetch policy, a did:web on loopback is blocked: MC_KEY_FETCH_BLOCKED', async () => {
    const did = `did:web:127.0.0.1%3A${issuerSite.port}`;
    // The document is really there; only the SSRF policy stops the fetch.
    issuerSite.routes.set('/.well-known/did.json', { json: didDocument(did, [{ id: `${did}#key-1`, publicKeyJwk: pub(es1) }]) });
    const { jwt } = await issue(es1, `${did}#key-1`, did);
    const c = expectKeyResolutionFailed(await verifyCredential(jwt), 'MC_KEY_FETCH_BLOCKED');
    expect(c.message).toContain('127.0.0.1');
    expect(issuerSite.hits.size).toBe(0);
  });
});

// --- https kids and JWKS -----------------------------------------------------------------

describe('https kid over real HTTP', () => {
  const ISSUER = 'https://issuer.test/issuers/1';

  it('a kid serving a bare JWK on the issuer origin verifies', async () => {
    issuerSite.routes.set('/keys/1', { json: { ...pub(es1), kid: 'https://issuer.test/keys/1' }, contentType: 'application/jwk+json' });
    const { jwt } = await issue(es1, 'https://issuer.test/keys/1', ISSUER);
    const report = await verifyCredential(jwt, { fetcher: loopbackFetcher() });
    expectVerified(report);
    expect(check(report, 'key-binding').message).toContain('https://issuer.test');
    // Same origin: the binding needs no second fetch.
    expect(requested).toEqual(['https://issuer.test/keys/1']);
  });

  it('a kid pointing into a JWKS (#k1) picks the key with kid "k1"', async () => {
    issuerSite.routes.set('/.well-known/jwks.json', {
      json: { keys: [{ ...pub(es2), kid: 'k0' }, { ...pub(es1), kid: 'k1' }] },
      contentType: 'application/jwk-set+json',
    });
    const { jwt } = await issue(es1, 'https://issuer.test/.well-known/jwks.json#k1', ISSUER);
    expectVerified(await verifyCredential(jwt, { fetcher: loopbackFetcher() }));
    // The fragment is never sent to the server.
    expect(issuerSite.hits.get('/.well-known/jwks.json')).toBe(1);
  });

  it('a kid pointing into a JWKS by the key\'s thumbprint (#<RFC 7638 thumbprint>) finds it though the set names it by another kid', async () => {
    // How the issuer service wrote kids before 2026-12-08; its set now names each key by its /keys/<id>.jwk URL.
    issuerSite.routes.set('/.well-known/jwks.json', { json: { keys: [{ ...pub(es2), kid: 'https://issuer.test/keys/a.jwk' }, { ...pub(es1), kid: 'https://issuer.test/keys/b.jwk' }] }, contentType: 'application/jwk-set+json' });
    const { jwt } = await issue(es1, `https://issuer.test/.well-known/jwks.json#${jwkThumbprint(pub(es1))}`, ISSUER);
    expectVerified(await verifyCredential(jwt, { fetcher: loopbackFetcher() }));
    const { jwt: unknown } = await issue(es1, `https://issuer.test/.well-known/jwks.json#${jwkThumbprint(pub(es1)).slice(1)}`, ISSUER);
    expectKeyResolutionFailed(await verifyCredential(unknown, { fetcher: loopbackFetcher() }), 'MC_KEY_NOT_FOUND');
  });

  it('a JWKS without that kid: MC_KEY_NOT_FOUND', async () => {
    issuerSite.routes.set('/.well-known/jwks.json', { json: { keys: [{ ...pub(es1), kid: 'k0' }] } });
    const { jwt } = await issue(es1, 'https://issuer.test/.well-known/jwks.json#k1', ISSUER);
    expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_NOT_FOUND');
  });

  it('a JWKS serving the matching key WITH its private part (d) is refused', async () => {
    issuerSite.routes.set('/.well-known/jwks.json', { json: { keys: [{ ...es1.privateJwk, kid: 'k1' }] } });
    const { jwt } = await issue(es1, 'https://issuer.test/.well-known/jwks.json#k1', ISSUER);
    expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_UNRESOLVABLE');
  });

  it('a kid serving a bare private JWK is refused: MC_KEY_UNRESOLVABLE', async () => {
    issuerSite.routes.set('/keys/1', { json: es1.privateJwk });
    const { jwt } = await issue(es1, 'https://issuer.test/keys/1', ISSUER);
    const c = expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_UNRESOLVABLE');
    expect(c.message).toContain('private key');
  });

  it('a kid serving a Multikey verification method document (as the issuer service does for Data Integrity keys) verifies', async () => {
    const method = { '@context': 'https://w3id.org/security/multikey/v1', id: 'https://issuer.test/keys/1', type: 'Multikey', controller: ISSUER, publicKeyMultibase: multikeyFromJwk(pub(es1)) };
    issuerSite.routes.set('/keys/1', { json: method, contentType: 'application/ld+json' });
    const { jwt } = await issue(es1, 'https://issuer.test/keys/1', ISSUER);
    expectVerified(await verifyCredential(jwt, { fetcher: loopbackFetcher() }));
    // Marked revoked (compromised): MC_KEY_COMPROMISED.
    issuerSite.routes.set('/keys/1', { json: { ...method, revoked: '2026-01-01T00:00:00Z' }, contentType: 'application/ld+json' });
    expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_COMPROMISED');
    // A document about another method (another URL's key served here): refused, not used.
    issuerSite.routes.set('/keys/1', { json: { ...method, id: 'https://issuer.test/keys/2' }, contentType: 'application/ld+json' });
    const other = expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_UNRESOLVABLE');
    expect(other.message).toContain('not its own');
    // Another key than the one that signed: the signature fails.
    issuerSite.routes.set('/keys/1', { json: { ...method, publicKeyMultibase: multikeyFromJwk(pub(es2)) }, contentType: 'application/ld+json' });
    expect(check(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'signature').status).toBe('failed');
  });

  it('a kid that is not JSON: MC_KEY_UNRESOLVABLE', async () => {
    issuerSite.routes.set('/keys/1', { text: '<html>hello</html>', contentType: 'text/html' });
    const { jwt } = await issue(es1, 'https://issuer.test/keys/1', ISSUER);
    expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_UNRESOLVABLE');
  });

  describe('kid on another origin than the issuer', () => {
    it('key NOT in the issuer JWKS: signature passed, key-binding MC_KEY_NOT_BOUND, verified false', async () => {
      otherSite.routes.set('/key', { json: pub(es1) });
      issuerSite.routes.set('/.well-known/jwks.json', { json: { keys: [pub(es2)] } });
      const { jwt } = await issue(es1, 'https://other.test/key', ISSUER);
      const c = expectSignedButNotBound(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_NOT_BOUND');
      expect(c.message).toContain('https://issuer.test/.well-known/jwks.json');
      expect(requested).toEqual(['https://other.test/key', 'https://issuer.test/.well-known/jwks.json']);
    });

    it('key listed in the issuer JWKS: key-binding passed, verified', async () => {
      otherSite.routes.set('/key', { json: pub(es1) });
      issuerSite.routes.set('/.well-known/jwks.json', { json: { keys: [pub(es2), { ...pub(es1), kid: 'whatever', use: 'sig' }] } });
      const { jwt } = await issue(es1, 'https://other.test/key', ISSUER);
      const report = await verifyCredential(jwt, { fetcher: loopbackFetcher() });
      expectVerified(report);
      expect(check(report, 'key-binding').message).toContain('lists the key');
    });

    it('issuer JWKS missing (404): MC_KEY_BINDING_UNCHECKED, not a signature failure', async () => {
      otherSite.routes.set('/key', { json: pub(es1) });
      const { jwt } = await issue(es1, 'https://other.test/key', ISSUER);
      expectSignedButNotBound(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_BINDING_UNCHECKED');
    });
  });
});

// --- embedded jwk header ------------------------------------------------------------------

describe('embedded jwk header (no kid)', () => {
  async function embeddedJwt(issuerId: string, key: GeneratedKey = es1): Promise<string> {
    const payload = await payloadFor(issuerId);
    return signJws({ alg: key.alg, typ: 'JWT', jwk: pub(key) }, payload, key.privateJwk);
  }

  it('issuer JWKS lists the key: key-binding passed, verified', async () => {
    issuerSite.routes.set('/.well-known/jwks.json', { json: { keys: [pub(es1)] } });
    const report = await verifyCredential(await embeddedJwt('https://issuer.test/issuers/1'), { fetcher: loopbackFetcher() });
    expectVerified(report);
    expect(check(report, 'key-resolution').message).toContain('embedded');
    expect(requested).toEqual(['https://issuer.test/.well-known/jwks.json']);
  });

  it('issuer JWKS lists another key: MC_KEY_NOT_BOUND with the signature passed', async () => {
    issuerSite.routes.set('/.well-known/jwks.json', { json: { keys: [pub(es2)] } });
    const report = await verifyCredential(await embeddedJwt('https://issuer.test/issuers/1'), { fetcher: loopbackFetcher() });
    expectSignedButNotBound(report, 'MC_KEY_NOT_BOUND');
  });

  it('issuer host unreachable: MC_KEY_BINDING_UNCHECKED with the signature passed', async () => {
    const report = await verifyCredential(await embeddedJwt('https://down.test/issuers/1'), { fetcher: loopbackFetcher() });
    const c = expectSignedButNotBound(report, 'MC_KEY_BINDING_UNCHECKED');
    expect(c.message).toContain('could not be tied');
  });

  it('a broken signature is told apart from an unbound key', async () => {
    issuerSite.routes.set('/.well-known/jwks.json', { json: { keys: [pub(es1)] } });
    const jwt = await embeddedJwt('https://issuer.test/issuers/1');
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const tampered = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    const report = await verifyCredential(tampered, { fetcher: loopbackFetcher() });
    expectCheck(report, 'key-resolution', 'passed', 'MC_OK');
    expectCheck(report, 'signature', 'failed', 'MC_SIGNATURE_INVALID');
    expectCheck(report, 'key-binding', 'skipped', 'MC_SKIPPED');
    expect(report.verified).toBe(false);
  });

  it('did:web issuer whose document lists the embedded key: key-binding passed', async () => {
    issuerSite.routes.set('/.well-known/did.json', { json: didDocument(DID, [{ id: '#key-1', publicKeyJwk: pub(es1) }]) });
    expectVerified(await verifyCredential(await embeddedJwt(DID), { fetcher: loopbackFetcher() }));
  });

  it('did:key issuer with its own key embedded: key-binding passed, no network', async () => {
    const { did } = didKeyFromJwk(pub(es1));
    expectVerified(await verifyCredential(await embeddedJwt(did), { fetcher: loopbackFetcher() }));
    expect(requested).toEqual([]);
  });
});

// --- DID methods decoded locally ------------------------------------------------------------

describe('did:key and did:jwk', () => {
  it('did:key issuer, kid of ANOTHER did:key: signature passes with that key, key-binding MC_KEY_NOT_BOUND', async () => {
    const issuerDid = didKeyFromJwk(pub(es1)).did;
    const attacker = didKeyFromJwk(pub(es2));
    const payload = await payloadFor(issuerDid);
    const jwt = signJws({ alg: 'ES256', kid: attacker.kid, typ: 'JWT' }, payload, es2.privateJwk);
    const report = await verifyCredential(jwt, { fetcher: loopbackFetcher() });
    const c = expectSignedButNotBound(report, 'MC_KEY_NOT_BOUND');
    expect(check(report, 'key-resolution').message).toContain(attacker.kid);
    expect(c.message).toContain(issuerDid);
    expect(requested).toEqual([]);
  });

  it('issueCredential itself refuses to sign for a did:key issuer with another did:key', async () => {
    const issuerDid = didKeyFromJwk(pub(es1)).did;
    await expect(issue(es2, didKeyFromJwk(pub(es2)).kid, issuerDid)).rejects.toMatchObject({ code: 'MC_CREDENTIAL_INVALID' });
  });

  it('did:key round trip (ES256 and EdDSA) verifies without network', async () => {
    for (const key of [es1, ed]) {
      const { did, kid } = didKeyFromJwk(pub(key));
      const { jwt } = await issue(key, kid, did);
      expectVerified(await verifyCredential(jwt, { fetcher: loopbackFetcher() }));
    }
    expect(requested).toEqual([]);
  });

  it('did:key with a fragment that is not the key: MC_KEY_NOT_FOUND', async () => {
    const { did } = didKeyFromJwk(pub(es1));
    const { jwt } = await issue(es1, `${did}#other`, did);
    expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_NOT_FOUND');
  });

  it('did:jwk round trip for RS256 (did:key cannot carry RSA) verifies', async () => {
    expect(() => didKeyFromJwk(pub(rsa))).toThrow();
    const { did, kid } = didJwkFromJwk(pub(rsa));
    const { jwt } = await issue(rsa, kid, did);
    const report = await verifyCredential(jwt, { fetcher: loopbackFetcher() });
    expectVerified(report);
    expect(check(report, 'signature').message).toContain('RS256');
    expect(requested).toEqual([]);
  });

  it('did:jwk with a fragment other than #0: MC_KEY_NOT_FOUND', async () => {
    const { did } = didJwkFromJwk(pub(es1));
    const { jwt } = await issue(es1, `${did}#1`, did);
    expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_NOT_FOUND');
  });
});

// --- compromised keys -----------------------------------------------------------------------

describe('compromisedKeys', () => {
  it('a did:key kid of a compromised key: key-resolution MC_KEY_COMPROMISED', async () => {
    const { did, kid } = didKeyFromJwk(pub(es1));
    const { jwt } = await issue(es1, kid, did);
    expectVerified(await verifyCredential(jwt, { fetcher: loopbackFetcher() }));
    expectKeyResolutionFailed(
      await verifyCredential(jwt, { fetcher: loopbackFetcher(), compromisedKeys: [pub(es1)] }),
      'MC_KEY_COMPROMISED',
    );
  });

  it('a did:web key marked compromised (given with kid/alg members) is refused too', async () => {
    issuerSite.routes.set('/.well-known/did.json', { json: didDocument(DID, [{ id: `${DID}#key-1`, publicKeyJwk: pub(es1) }]) });
    const { jwt } = await issue(es1, `${DID}#key-1`, DID);
    expectKeyResolutionFailed(
      await verifyCredential(jwt, { fetcher: loopbackFetcher(), compromisedKeys: [{ ...es1.publicJwk, kid: 'old', use: 'sig' }] }),
      'MC_KEY_COMPROMISED',
    );
  });

  it('another key marked compromised does not affect this one', async () => {
    const { did, kid } = didKeyFromJwk(pub(es1));
    const { jwt } = await issue(es1, kid, did);
    expectVerified(await verifyCredential(jwt, { fetcher: loopbackFetcher(), compromisedKeys: [pub(es2)] }));
  });
});

// --- caching --------------------------------------------------------------------------------

describe('caching with createVerifier', () => {
  it('two verifications with one verifier fetch did.json once', async () => {
    issuerSite.routes.set('/.well-known/did.json', { json: didDocument(DID, [{ id: `${DID}#key-1`, publicKeyJwk: pub(es1) }]) });
    const verify = createVerifier({ fetcher: loopbackFetcher() });
    const a = await issue(es1, `${DID}#key-1`, DID);
    const b = await issue(es1, `${DID}#key-1`, DID);
    expectVerified(await verify(a.jwt));
    expect(issuerSite.hits.get('/.well-known/did.json')).toBe(1);
    expectVerified(await verify(b.jwt));
    expect(issuerSite.hits.get('/.well-known/did.json')).toBe(1);
  });

  it('a failed fetch is not cached: the next verification retries', async () => {
    const verify = createVerifier({ fetcher: loopbackFetcher() });
    const { jwt } = await issue(es1, `${DID}#key-1`, DID);
    expectKeyResolutionFailed(await verify(jwt), 'MC_KEY_UNRESOLVABLE');
    issuerSite.routes.set('/.well-known/did.json', { json: didDocument(DID, [{ id: `${DID}#key-1`, publicKeyJwk: pub(es1) }]) });
    expectVerified(await verify(jwt));
    expect(issuerSite.hits.get('/.well-known/did.json')).toBe(2);
  });
});

// --- regressions of bugs found in review -------------------------------------------------------

describe('key provenance regressions', () => {
  // verify.ts: the embedded-jwk branch never consults compromisedKeys (only resolveKid does),
  // so whoever holds a compromised key just swaps `kid` for `jwk`. (Fixed; kept as a regression test.)
  it('a compromised key embedded as a jwk header is refused: MC_KEY_COMPROMISED', async () => {
    const { did } = didKeyFromJwk(pub(es1));
    const jwt = signJws({ alg: 'ES256', typ: 'JWT', jwk: pub(es1) }, await payloadFor(did), es1.privateJwk);
    expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher(), compromisedKeys: [pub(es1)] }), 'MC_KEY_COMPROMISED');
  });

  // resolve.ts issuerPublishesKey (https issuer): JWKS entries carrying `d` still bind the key
  // (sameKey strips `d`). A published private key means anyone can sign. (Fixed; kept as a regression test.)
  it('an issuer JWKS that publishes the PRIVATE key does not bind it', async () => {
    issuerSite.routes.set('/.well-known/jwks.json', { json: { keys: [es1.privateJwk] } });
    const jwt = signJws({ alg: 'ES256', typ: 'JWT', jwk: pub(es1) }, await payloadFor('https://issuer.test/issuers/1'), es1.privateJwk);
    const report = await verifyCredential(jwt, { fetcher: loopbackFetcher() });
    expect(check(report, 'key-binding').status).toBe('failed');
    expect(report.verified).toBe(false);
  });

  // verify.ts reads `key.jwk.alg`, but every resolved key went through toPublicJwk, which drops
  // `alg`: the MC_KEY_ALG_MISMATCH test on a declared alg is dead code. (Fixed; kept as a regression test.)
  it('a JWKS key declared for another alg (alg: ES384) is not used for ES256: MC_KEY_ALG_MISMATCH', async () => {
    issuerSite.routes.set('/.well-known/jwks.json', { json: { keys: [{ ...pub(es1), kid: 'k1', alg: 'ES384' }] } });
    const { jwt } = await issue(es1, 'https://issuer.test/.well-known/jwks.json#k1', 'https://issuer.test/issuers/1');
    expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_ALG_MISMATCH');
  });

  // resolve.ts findMethod ignores assertionMethod: a keyAgreement-only method signs credentials.
  it('a did:web method not referenced by assertionMethod is not an issuing key', async () => {
    const doc = didDocument(DID, [{ id: `${DID}#key-1`, publicKeyJwk: pub(es1) }]);
    doc.assertionMethod = [];
    doc.keyAgreement = [`${DID}#key-1`];
    issuerSite.routes.set('/.well-known/did.json', { json: doc });
    const { jwt } = await issue(es1, `${DID}#key-1`, DID);
    expectKeyResolutionFailed(await verifyCredential(jwt, { fetcher: loopbackFetcher() }), 'MC_KEY_NOT_FOUND');
  });

  // resolve.ts findMethod only searches verificationMethod; a method embedded in assertionMethod
  // (allowed by DID Core) is not found. (Fixed; kept as a regression test.)
  it('a did:web method embedded in assertionMethod resolves', async () => {
    issuerSite.routes.set('/.well-known/did.json', {
      json: { id: DID, assertionMethod: [{ id: `${DID}#key-1`, type: 'JsonWebKey2020', controller: DID, publicKeyJwk: pub(es1) }] },
    });
    const { jwt } = await issue(es1, `${DID}#key-1`, DID);
    expectVerified(await verifyCredential(jwt, { fetcher: loopbackFetcher() }));
  });
});
