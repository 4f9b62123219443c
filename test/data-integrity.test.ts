/**
 * Data Integrity (issue #7): eddsa-rdfc-2022 issuance (`format: 'di' | 'both'`) and
 * verification, the same verdict for one credential in either form, tampering, key provenance,
 * the closed document loader, and cross-checks with code written outside this project:
 *
 * - the OB 3.0 implementation guide's eddsa-rdfc-2022 test vector (../shared);
 * - the rendered spec's Data Integrity examples and the official validator's fixtures (../shared);
 * - the Digital Credentials Consortium's verifier (@digitalcredentials/verifier-core), offline;
 * - plain @digitalbazaar/vc verifyCredential with @digitalbazaar/eddsa-rdfc-2022-cryptosuite.
 *
 * Key provenance for an https issuer whose proof names `https://issuer#z6Mk…` (the test vector,
 * the spec examples, most validator fixtures): the key in the fragment is self-asserted, like a
 * JWT header `jwk`, so the proof can verify while the key is not bound to the issuer until the
 * issuer publishes it (its JWK Set). Offline, that is MC_KEY_BINDING_UNCHECKED, a failure of its
 * own kind, never confused with a broken proof.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as dbVc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { MicrocredError } from '../src/errors.js';
import {
  buildCredential,
  createLocalSigner,
  generateKey,
  issueCredential,
  signCredentialDataIntegrity,
  type GeneratedKey,
  type IssuanceRequest,
  type IssuedCredential,
} from '../src/issuer/index.js';
import { bundledContexts } from '../src/lib/jsonld/contexts.js';
import { canonize, canonizeReference, proofOptionsOf, sha256, unsecuredDocumentOf } from '../src/lib/di/rdfc.js';
import { encodeMultibaseBase58btc, decodeMultibase } from '../src/lib/di/multibase.js';
import { jwkFromMultikey } from '../src/lib/did/did-key.js';
import { verifyCredential, type CheckResult, type FetchedResource, type ResourceFetcher, type VerificationReport, type VerifyOptions } from '../src/verifier/index.js';
import { SHARED_DIR, hasShared, readShared, readSharedJson, requireShared } from './helpers/shared.js';
import { REPO, baseRequest, checkOf, keyFor } from './helpers/tokens.js';

const EXAMPLES = 'spec/ob3/examples';
const JWT_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** A fetcher answer with a JSON body. */
const jsonResource = (url: string, body: unknown): FetchedResource => ({ url, status: 200, contentType: 'application/json', body: Buffer.from(JSON.stringify(body)) });

/** A fetcher that refuses everything and records what was asked for. */
function recordingFetcher(): { fetcher: ResourceFetcher; fetched: string[] } {
  const fetched: string[] = [];
  return {
    fetched,
    fetcher: async (url) => {
      fetched.push(url);
      throw new MicrocredError('MC_FETCH_FAILED', `offline test: ${url}`);
    },
  };
}

async function verify(input: string | Record<string, unknown>, options: VerifyOptions = {}): Promise<VerificationReport & { fetched: string[] }> {
  const { fetcher, fetched } = recordingFetcher();
  const report = await verifyCredential(input, { fetcher, ...options });
  return { ...report, fetched };
}

const ed = (): GeneratedKey => keyFor('EdDSA');
function edSigner(k: GeneratedKey = ed()) {
  const id = k.identifiers.find((i) => i.method === 'did:key')!;
  return { signer: createLocalSigner(k.privateJwk, id.kid), issuerId: id.id, kid: id.kid };
}

async function issue(format: 'di' | 'both', request: IssuanceRequest = baseRequest(), now?: Date): Promise<IssuedCredential> {
  return issueCredential(request, { signer: edSigner().signer, format, ...(now ? { now } : {}) });
}

const b64json = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
/** The credential a VC-JWT carries: its payload minus the registered JWT claims. */
function credentialOfJwt(jwt: string): Record<string, unknown> {
  const payload = b64json(jwt.split('.')[1]!);
  return Object.fromEntries(Object.entries(payload).filter(([k]) => !JWT_CLAIMS.includes(k)));
}
/** The same JWT with its payload changed and the old signature kept. */
function tamperJwt(jwt: string, change: (payload: Record<string, unknown>) => void): string {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const payload = b64json(p);
  change(payload);
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}

const proofOf = (credential: Record<string, unknown>): Record<string, unknown> => (credential.proof as Array<Record<string, unknown>>)[0]!;
const withProof = (credential: Record<string, unknown>, change: Record<string, unknown>): Record<string, unknown> => ({ ...credential, proof: [{ ...proofOf(credential), ...change }] });
const expectCheck = (r: VerificationReport, name: string, status: string, code?: string) => {
  const c = checkOf(r, name);
  expect({ status: c.status, code: c.code }, `${name}: ${c.message}`).toEqual({ status, code: code ?? c.code });
};

/**
 * What a report says about a credential, whatever secures it: the key and proof checks (a JWT's
 * `signature` is the DI `proof`) by status, every body check by status and code.
 */
function verdict(r: VerificationReport) {
  const securing = ['key-resolution', 'signature', 'proof', 'key-binding'];
  const envelope = ['parse', 'format', 'jose-header', 'claims'];
  const checks = Object.fromEntries(
    r.checks
      .filter((c) => !envelope.includes(c.check))
      .map((c: CheckResult) => [c.check === 'signature' ? 'proof' : c.check, securing.includes(c.check) ? c.status : `${c.status} ${c.code}`]),
  );
  return { verified: r.verified, checks };
}

// ---------------------------------------------------------------------------------------------
// Issuance
// ---------------------------------------------------------------------------------------------

describe('Data Integrity issuance', () => {
  it("format 'di': an eddsa-rdfc-2022 DataIntegrityProof, Multikey did:key method, assertionMethod; no JWT", async () => {
    const issued = await issue('di');
    const { issuerId, kid } = edSigner();
    expect(issued.jwt).toBeNull();
    expect(issued.credential.issuer.id).toBe(issuerId);
    expect(Array.isArray(issued.credential.proof)).toBe(true);
    const proof = proofOf(issued.credential);
    expect(Object.keys(proof).sort()).toEqual(['created', 'cryptosuite', 'proofPurpose', 'proofValue', 'type', 'verificationMethod']);
    expect(proof).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod', verificationMethod: kid });
    // did:key:z6Mk…#z6Mk…: the method is the key itself.
    const mk = kid.slice('did:key:'.length).split('#')[0]!;
    expect(kid).toBe(`did:key:${mk}#${mk}`);
    expect(decodeMultibase(proof.proofValue as string)).toHaveLength(64);
    // VCDM 2.0 defines DataIntegrityProof: no further context is needed.
    expect((issued.credential['@context'] as string[])[0]).toBe('https://www.w3.org/ns/credentials/v2');
    expect(issued.credential['@context']).not.toContain('https://w3id.org/security/data-integrity/v2');
  });

  it("format 'both': the JWT payload is the credential WITH its proof, plus the JWT claims", async () => {
    const issued = await issue('both');
    expect(issued.jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(credentialOfJwt(issued.jwt!)).toEqual(issued.credential);
    const payload = b64json(issued.jwt!.split('.')[1]!);
    expect(payload).toMatchObject({ iss: issued.credential.issuer.id, jti: issued.credential.id });
    expect(b64json(issued.jwt!.split('.')[0]!)).toEqual({ alg: 'EdDSA', kid: edSigner().kid, typ: 'JWT' });
  });

  it("the default stays 'jwt': no proof in the credential, a JWT", async () => {
    const issued = await issueCredential(baseRequest(), { signer: edSigner().signer });
    expect(issued.credential.proof).toBeUndefined();
    expect(typeof issued.jwt).toBe('string');
    const explicit = await issueCredential(baseRequest(), { signer: edSigner().signer, format: 'jwt' });
    expect(explicit.credential.proof).toBeUndefined();
  });

  it.each(['ES256', 'RS256'] as const)("refuses format 'di' and 'both' with a %s key: MC_ALG_UNSUPPORTED, saying why", async (alg) => {
    const k = keyFor(alg);
    const signer = createLocalSigner(k.privateJwk, k.identifiers.at(-1)!.kid);
    for (const format of ['di', 'both'] as const) {
      const err = await issueCredential(baseRequest(), { signer, format }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MicrocredError);
      expect((err as MicrocredError).code).toBe('MC_ALG_UNSUPPORTED');
      expect((err as MicrocredError).message).toMatch(/need an Ed25519 key/);
    }
  });

  it('our RDFC-1.0 (fast expansion) equals jsonld.canonize for our credentials, with and without the quality-benchmark extension', async () => {
    for (const name of ['basic', 'in-ncrf-data-ethics', 'eu-ects-data-literacy', 'au-nmf-cyber-awareness', 'nz-cloud-fundamentals', 'uk-research-data']) {
      const request = JSON.parse(readFileSync(join(REPO, `examples/requests/${name}.json`), 'utf8')) as IssuanceRequest;
      const { credential } = await issue('di', request);
      for (const input of [unsecuredDocumentOf(credential), proofOptionsOf(credential, proofOf(credential))]) {
        expect(await canonize(input), name).toBe(await canonizeReference(input));
      }
    }
  });

  it('never fetches anything while issuing, and refuses a context that is not bundled', async () => {
    const spy = vi.spyOn(globalThis, 'fetch');
    try {
      await issue('both');
      const request = { ...baseRequest(), '@context': ['https://example.org/not-bundled/v1'] } as IssuanceRequest;
      const err = await issue('di', request).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MicrocredError);
      expect(JSON.stringify([(err as MicrocredError).message, (err as MicrocredError).problems])).toContain('https://example.org/not-bundled/v1');
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Verification, and one verdict whatever the form
// ---------------------------------------------------------------------------------------------

describe('Data Integrity verification', () => {
  it("a 'di' credential verifies: format data-integrity, key found, bound to the issuer, proof valid", async () => {
    const { credential } = await issue('di');
    const r = await verify(credential);
    expect(r.verified, JSON.stringify(r.checks.filter((c) => c.status === 'failed'))).toBe(true);
    expect(r.format).toBe('data-integrity');
    expect(r.checks.map((c) => c.check).slice(0, 5)).toEqual(['parse', 'format', 'key-resolution', 'key-binding', 'proof']);
    expectCheck(r, 'key-resolution', 'passed');
    expectCheck(r, 'key-binding', 'passed');
    expectCheck(r, 'proof', 'passed', 'MC_OK');
    expect(checkOf(r, 'proof').message).toBe('the eddsa-rdfc-2022 DataIntegrityProof is valid');
    // did:key resolves locally; contexts come from the bundle: nothing is fetched.
    expect(r.fetched).toEqual([]);
  });

  it("'both': the JWT verifies, and the credential inside it verifies on its own as Data Integrity, with the same verdict", async () => {
    const { credential, jwt } = await issue('both');
    const asJwt = await verify(jwt!);
    const asDi = await verify(credentialOfJwt(jwt!));
    expect(asJwt.verified).toBe(true);
    expect(asJwt.format).toBe('vc-jwt');
    expect(asDi.verified).toBe(true);
    expect(asDi.format).toBe('data-integrity');
    expect(asJwt.credential).toEqual(credential);
    expect(verdict(asDi)).toEqual(verdict(asJwt));
  });

  it('the same credential tampered in either form fails in either form: MC_PROOF_INVALID / MC_SIGNATURE_INVALID', async () => {
    const { credential, jwt } = await issue('both');
    const di = await verify({ ...credential, name: 'Advanced Data Ethics' });
    const vcJwt = await verify(tamperJwt(jwt!, (p) => (p.name = 'Advanced Data Ethics')));
    expectCheck(di, 'proof', 'failed', 'MC_PROOF_INVALID');
    expectCheck(di, 'key-binding', 'skipped');
    expectCheck(vcJwt, 'signature', 'failed', 'MC_SIGNATURE_INVALID');
    expect(di.verified).toBe(false);
    expect(verdict(di)).toEqual(verdict(vcJwt));
  });

  it('the same expired credential (validUntil in the past, no status) fails in both forms with MC_EXPIRED', async () => {
    // Issued after the learning activity (2025-06-15), expired since September 2025.
    const request = { ...baseRequest(), validUntil: '2025-09-01T00:00:00Z' } as IssuanceRequest;
    const { credential, jwt } = await issue('both', request, new Date('2025-07-01T00:00:00Z'));
    expect(Date.now()).toBeGreaterThan(Date.parse('2025-09-01T00:00:00Z'));
    const di = await verify(credential);
    const vcJwt = await verify(jwt!);
    expectCheck(di, 'validity-period', 'failed', 'MC_EXPIRED');
    expectCheck(vcJwt, 'validity-period', 'failed', 'MC_EXPIRED');
    expectCheck(di, 'proof', 'passed');
    expect(di.verified).toBe(false);
    expect(verdict(di)).toEqual(verdict(vcJwt));
  });

  it('a compromised key fails in both forms (MC_KEY_COMPROMISED)', async () => {
    const { credential, jwt } = await issue('both');
    const compromisedKeys = [edSigner().signer.publicJwk];
    const di = await verify(credential, { compromisedKeys });
    const vcJwt = await verify(jwt!, { compromisedKeys });
    expectCheck(di, 'key-resolution', 'failed', 'MC_KEY_COMPROMISED');
    expectCheck(vcJwt, 'key-resolution', 'failed', 'MC_KEY_COMPROMISED');
    expect(verdict(di).verified).toBe(false);
    expect(verdict(di)).toEqual({ ...verdict(vcJwt), checks: { ...verdict(vcJwt).checks, proof: 'failed' } });
  });

  it('a did:web issuer: the verification method is resolved through the guarded fetcher, and bound', async () => {
    const k = generateKey('EdDSA');
    const did = 'did:web:issuer.example';
    const kid = `${did}#key-1`;
    const signer = createLocalSigner(k.privateJwk, kid);
    const { credential, jwt } = await issueCredential({ ...baseRequest(), issuer: { ...baseRequest().issuer, id: did } } as IssuanceRequest, { signer, issuerId: did, format: 'both' });
    const didDocument = {
      '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'],
      id: did,
      verificationMethod: [{ id: kid, type: 'Multikey', controller: did, publicKeyMultibase: k.identifiers[0]!.id.slice('did:key:'.length) }],
      assertionMethod: [kid],
    };
    const fetched: string[] = [];
    const fetcher: ResourceFetcher = async (url) => {
      fetched.push(url);
      if (url === 'https://issuer.example/.well-known/did.json') return jsonResource(url, didDocument);
      throw new MicrocredError('MC_FETCH_FAILED', `offline test: ${url}`);
    };
    const di = await verifyCredential(credential, { fetcher });
    expect(di.verified, JSON.stringify(di.checks.filter((c) => c.status === 'failed'))).toBe(true);
    expect(proofOf(credential).verificationMethod).toBe(kid);
    expect(checkOf(di, 'key-binding').message).toContain(did);
    expect(fetched).toEqual(['https://issuer.example/.well-known/did.json']);
    expect(verdict(di)).toEqual(verdict(await verifyCredential(jwt!, { fetcher })));
  });
});

describe('Data Integrity tampering and refusals', () => {
  it('one value changed after signing: MC_PROOF_INVALID', async () => {
    const { credential } = await issue('di');
    const subject = { ...(credential.credentialSubject as Record<string, unknown>), creditsEarned: 4 };
    const r = await verify({ ...credential, credentialSubject: subject });
    expectCheck(r, 'key-resolution', 'passed');
    expectCheck(r, 'proof', 'failed', 'MC_PROOF_INVALID');
    expect(r.verified).toBe(false);
  });

  it('the proofValue changed (one bit of the signature): MC_PROOF_INVALID', async () => {
    const { credential } = await issue('di');
    const sig = Buffer.from(decodeMultibase(proofOf(credential).proofValue as string)!);
    sig[10] = sig[10]! ^ 0x01;
    const r = await verify(withProof(credential, { proofValue: encodeMultibaseBase58btc(sig) }));
    expectCheck(r, 'proof', 'failed', 'MC_PROOF_INVALID');
    const truncated = await verify(withProof(credential, { proofValue: (proofOf(credential).proofValue as string).slice(0, -4) }));
    expectCheck(truncated, 'proof', 'failed', 'MC_PROOF_INVALID');
  });

  it.each(['authentication', 'capabilityInvocation', undefined])('proofPurpose %s: refused (MC_PROOF_INVALID)', async (purpose) => {
    const { credential } = await issue('di');
    const r = await verify(withProof(credential, { proofPurpose: purpose }));
    expectCheck(r, 'proof', 'failed', 'MC_PROOF_INVALID');
    expect(checkOf(r, 'proof').message).toMatch(/assertionMethod/);
    expect(r.verified).toBe(false);
  });

  it('a valid proof by another did:key than the issuer: the proof verifies, the key is not bound (MC_KEY_NOT_BOUND)', async () => {
    const issuer = edSigner();
    const other = generateKey('EdDSA');
    const otherId = other.identifiers[0]!;
    // Built for the issuer, signed by another key (bypassing the issuer's own refusal to do so).
    const built = buildCredential(baseRequest(), { issuerId: issuer.issuerId, now: new Date() });
    const forged = await signCredentialDataIntegrity(built, createLocalSigner(other.privateJwk, otherId.kid));
    const r = await verify(forged);
    expectCheck(r, 'proof', 'passed');
    expectCheck(r, 'key-binding', 'failed', 'MC_KEY_NOT_BOUND');
    expect(r.verified).toBe(false);
    // Its JWT twin gets the same verdict.
    const { signJwtPayload, jwtPayload } = await import('../src/issuer/index.js');
    const twin = await verify(await signJwtPayload(jwtPayload(forged), createLocalSigner(other.privateJwk, otherId.kid)));
    expectCheck(twin, 'key-binding', 'failed', 'MC_KEY_NOT_BOUND');
    expect(verdict(r)).toEqual(verdict(twin));
  });

  it.each(['ecdsa-rdfc-2019', 'bbs-2023', 'eddsa-jcs-2022'])('an unsupported cryptosuite (%s): MC_PROOF_UNSUPPORTED, no key looked up', async (cryptosuite) => {
    const { credential } = await issue('di');
    const r = await verify(withProof(credential, { cryptosuite }));
    expectCheck(r, 'proof', 'failed', 'MC_PROOF_UNSUPPORTED');
    expectCheck(r, 'key-resolution', 'skipped');
    const unknownType = await verify(withProof(credential, { type: 'JsonWebSignature2020' }));
    expectCheck(unknownType, 'proof', 'failed', 'MC_PROOF_UNSUPPORTED');
  });

  it('a context that is not bundled: the proof fails (MC_CONTEXT_UNKNOWN) without any network access', async () => {
    const { credential } = await issue('di');
    const url = 'https://example.org/contexts/not-bundled.jsonld';
    const spy = vi.spyOn(globalThis, 'fetch');
    try {
      const r = await verify({ ...credential, '@context': [...(credential['@context'] as string[]), url] });
      expectCheck(r, 'proof', 'failed', 'MC_CONTEXT_UNKNOWN');
      expect(checkOf(r, 'proof').message).toContain(url);
      expect(r.verified).toBe(false);
      // Neither the verifier's fetcher nor the global fetch was asked for the context (or anything).
      expect(r.fetched).toEqual([]);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  it('a proof whose verification method gives no key fails in key-resolution and in the proof', async () => {
    const { credential } = await issue('di');
    const r = await verify(withProof(credential, { verificationMethod: 'did:example:123#key-1' }));
    expectCheck(r, 'key-resolution', 'failed', 'MC_DID_METHOD_UNSUPPORTED');
    expectCheck(r, 'proof', 'failed', 'MC_DID_METHOD_UNSUPPORTED');
  });

  it('a credential with more proofs than the verifier checks is refused without any key lookup', async () => {
    const { credential } = await issue('di');
    const methods = Array.from({ length: 9 }, (_, i) => `did:web:host${i}.example#key-1`);
    const r = await verify({ ...credential, proof: methods.map((verificationMethod) => ({ ...proofOf(credential), verificationMethod })) });
    expectCheck(r, 'proof', 'failed', 'MC_PROOF_INVALID');
    expect(checkOf(r, 'proof').message).toMatch(/9 proofs; at most 8/);
    expect(r.fetched).toEqual([]);
  });

  it('one valid proof among several suffices', async () => {
    const { credential } = await issue('di');
    const r = await verify({ ...credential, proof: [{ ...proofOf(credential), cryptosuite: 'bbs-2023' }, proofOf(credential)] });
    expect(r.verified).toBe(true);
    expect((checkOf(r, 'proof').details as { proofs: Array<{ code: string }> }).proofs.map((p) => p.code)).toEqual(['MC_PROOF_UNSUPPORTED', 'MC_OK']);
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-checks with the 1EdTech material (../shared)
// ---------------------------------------------------------------------------------------------

/** The parts of `impl-guide-ldp-test-vector/test-vector.json` used here. */
interface TestVector {
  publicKeyHex: string;
  publicKeyMultibase: string;
  proofOptions: Record<string, unknown>;
  documentHashHex: string;
  proofHashHex: string;
}

const SHARED_SUITE = 'Data Integrity cross-checks with the OB 3.0 test vector, spec examples and validator fixtures';
describe.skipIf(!requireShared(SHARED_SUITE))(SHARED_SUITE, () => {
  const TV = `${EXAMPLES}/impl-guide-ldp-test-vector`;

  it('the implementation guide test vector: our canonical forms and hashes are the published ones', async () => {
    const vector = readSharedJson(`${TV}/test-vector.json`) as TestVector;
    const unsigned = readSharedJson(`${TV}/credential.unsigned.json`) as Record<string, unknown>;
    const documentCanon = await canonize(unsigned);
    expect(documentCanon).toBe(readShared(`${TV}/document-canon.txt`));
    const proofCanon = await canonize(proofOptionsOf(unsigned, vector.proofOptions));
    expect(proofCanon).toBe(readShared(`${TV}/proof-canon.txt`));
    expect(sha256(documentCanon).toString('hex')).toBe(vector.documentHashHex);
    expect(sha256(proofCanon).toString('hex')).toBe(vector.proofHashHex);
    // And the signed credential is the unsigned one plus that proof.
    const signed = readSharedJson(`${TV}/credential.signed-eddsa-rdfc-2022.json`) as Record<string, unknown>;
    expect(unsecuredDocumentOf(signed)).toEqual(unsigned);
    expect(jwkFromMultikey(vector.publicKeyMultibase)).toEqual({ kty: 'OKP', crv: 'Ed25519', x: Buffer.from(vector.publicKeyHex, 'hex').toString('base64url') });
  });

  it('the implementation guide test vector verifies: proof valid; its https#z6Mk key binds only when the issuer publishes it', async () => {
    const signed = readShared(`${TV}/credential.signed-eddsa-rdfc-2022.json`);
    const vector = readSharedJson(`${TV}/test-vector.json`) as TestVector;
    const offline = await verify(signed, { now: new Date('2026-01-01T00:00:00Z') });
    expectCheck(offline, 'key-resolution', 'passed');
    expect(checkOf(offline, 'key-resolution').message).toMatch(/fragment of the verification method/);
    expectCheck(offline, 'proof', 'passed', 'MC_OK');
    expectCheck(offline, 'key-binding', 'failed', 'MC_KEY_BINDING_UNCHECKED');
    expect(offline.fetched).toEqual(['https://example.edu/.well-known/jwks.json']);

    // When the issuer's origin publishes the key, the key is bound.
    const jwks = { keys: [jwkFromMultikey(vector.publicKeyMultibase)] };
    const fetcher: ResourceFetcher = async (url) => {
      if (url === 'https://example.edu/.well-known/jwks.json') return jsonResource(url, jwks);
      throw new MicrocredError('MC_FETCH_FAILED', url);
    };
    const published = await verifyCredential(signed, { fetcher, now: new Date('2026-01-01T00:00:00Z') });
    expectCheck(published, 'key-binding', 'passed');
    // Another key published there does not bind this one.
    const otherJwks = { keys: [edSigner().signer.publicJwk] };
    const other = await verifyCredential(signed, {
      fetcher: async (url) => jsonResource(url, otherJwks),
      now: new Date('2026-01-01T00:00:00Z'),
    });
    expectCheck(other, 'key-binding', 'failed', 'MC_KEY_NOT_BOUND');
  });

  /**
   * The spec's Data Integrity examples and the validator's simple fixtures. Their issuers are
   * https URLs (the first nine, with `https://issuer#z6Mk…` methods) or a urn:uuid (with a did:key
   * method): either way the proof verifies and, offline, the key cannot be tied to the issuer.
   */
  const DI_EXAMPLES = hasShared
    ? [
        ...readdirSync(join(SHARED_DIR, EXAMPLES, 'rendered-spec-2024-04'))
          .filter((f) => f.endsWith('.with-data-integrity-proof.json'))
          .map((f) => `rendered-spec-2024-04/${f}`),
        'validator-fixtures/ob30/simple.json',
        'validator-fixtures/ob30/simple-did-key-method.json',
      ]
    : [];

  it('covers the 8 rendered-spec Data Integrity examples and the 2 simple validator fixtures', () => {
    expect(DI_EXAMPLES).toHaveLength(10);
  });

  it.each(DI_EXAMPLES)('%s: the proof verifies; offline, its key cannot be tied to the issuer (MC_KEY_BINDING_UNCHECKED)', async (file) => {
    const r = await verify(readShared(`${EXAMPLES}/${file}`), { now: new Date('2026-01-01T00:00:00Z') });
    expectCheck(r, 'key-resolution', 'passed');
    expectCheck(r, 'proof', 'passed', 'MC_OK');
    expectCheck(r, 'key-binding', 'failed', 'MC_KEY_BINDING_UNCHECKED');
    expect(checkOf(r, 'key-binding').message).toMatch(/signature is valid, but the key could not be tied to the issuer/);
    // The key came from the credential itself (fragment Multikey or did:key): it was never fetched.
    const method = String(proofOf({ proof: [r.credential!.proof].flat() }).verificationMethod);
    expect(r.fetched.filter((u) => method.startsWith(u))).toEqual([]);
  });

  it('our RDFC-1.0 (fast expansion) equals jsonld.canonize byte for byte on every example, fixture and proof, and refuses the same ones', async () => {
    const root = join(SHARED_DIR, EXAMPLES);
    const files = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.json'));
    let compared = 0;
    let refused = 0;
    for (const file of files) {
      const doc = readSharedJson(`${EXAMPLES}/${file.split('\\').join('/')}`) as Record<string, unknown>;
      if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || doc['@context'] === undefined) continue;
      const proofs = [doc.proof ?? []].flat().filter((p): p is Record<string, unknown> => p !== null && typeof p === 'object');
      for (const input of [unsecuredDocumentOf(doc), ...proofs.map((p) => proofOptionsOf(doc, p))]) {
        const ours = await canonize(input).then((out) => ({ out }), () => 'refused' as const);
        const reference = await canonizeReference(input).then((out) => ({ out }), () => 'refused' as const);
        expect(ours, file).toEqual(reference);
        if (ours === 'refused') refused++;
        else compared++;
      }
    }
    expect(compared).toBeGreaterThan(90);
    expect(refused).toBeGreaterThan(10);
  });

  it('the validator fixtures that are edited after signing, or have broken methods, fail in the proof', async () => {
    const vf = `${EXAMPLES}/validator-fixtures/ob30`;
    const codes = async (name: string) => {
      const r = await verify(readShared(`${vf}/${name}`), { now: new Date('2026-01-01T00:00:00Z') });
      return checkOf(r, 'proof').code;
    };
    expect(await codes('simple-err-proof-value.json')).toBe('MC_PROOF_INVALID');
    expect(await codes('simple-err-proof-method-unknown-did-method.json')).toBe('MC_DID_METHOD_UNSUPPORTED');
    expect(await codes('simple-err-proof-method-no-scheme.json')).toBe('MC_KEY_UNRESOLVABLE');
    expect(await codes('simple-eddsa-2022.json')).toBe('MC_PROOF_DEPRECATED');
    expect(await codes('simple_v1.json')).toBe('MC_PROOF_DEPRECATED');
  });
});

// ---------------------------------------------------------------------------------------------
// Cross-checks with verifiers written outside this project
// ---------------------------------------------------------------------------------------------

/** A did:key verification method or DID document, built from the key alone (did:key spec). */
function didKeyDocument(url: string): Record<string, unknown> {
  const did = url.split('#')[0]!;
  const mk = did.slice('did:key:'.length);
  const method = { id: `${did}#${mk}`, type: 'Multikey', controller: did, publicKeyMultibase: mk };
  if (url.includes('#')) return { '@context': 'https://w3id.org/security/multikey/v1', ...method };
  return { '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'], id: did, verificationMethod: [method], assertionMethod: [method.id] };
}

describe('Data Integrity cross-checks with outside verifiers', () => {
  afterEach(() => vi.restoreAllMocks());

  it('the DCC verifier (@digitalcredentials/verifier-core), run offline, verifies our credential and refuses it tampered', async () => {
    const requested: string[] = [];
    const schemaUrl = 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json';
    // Offline: contexts are served from our bundle, the OB schema from ../shared when present; nothing else.
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: string | URL | Request) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      requested.push(url);
      const context = bundledContexts().get(url);
      if (context) return new Response(JSON.stringify(context), { status: 200, headers: { 'content-type': 'application/ld+json' } });
      if (url === schemaUrl && hasShared) return new Response(readShared('spec/ob3/schema/json/achievementcredential.json'), { status: 200, headers: { 'content-type': 'application/json' } });
      throw new TypeError(`offline test: ${url}`);
    });
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const { verifyCredential: dccVerify } = await import('@digitalcredentials/verifier-core');
    const { credential } = await issue('di');

    const ok = (await dccVerify({ credential: credential as never, knownDIDRegistries: [] })) as { errors?: unknown[]; log?: Array<{ id: string; valid?: boolean }>; additionalInformation?: unknown };
    expect(ok.errors, JSON.stringify(ok.errors)).toBeUndefined();
    const log = Object.fromEntries((ok.log ?? []).map((s) => [s.id, s.valid]));
    expect(log).toMatchObject({ valid_signature: true, expiration: true });
    if (hasShared) expect(JSON.stringify(ok.additionalInformation)).toContain('"valid":true');

    const bad = (await dccVerify({ credential: { ...credential, name: 'Advanced Data Ethics' } as never, knownDIDRegistries: [] })) as { errors?: Array<{ name: string }> };
    expect(bad.errors?.map((e) => e.name)).toEqual(['invalid_signature']);
    // Only bundled contexts or the schema were asked for: the DCC loader bundles the rest itself.
    expect(requested.filter((u) => u !== schemaUrl && !bundledContexts().has(u))).toEqual([]);
  });

  it('plain @digitalbazaar/vc verifyCredential (DataIntegrityProof + eddsa-rdfc-2022-cryptosuite) verifies our credential and refuses it tampered', async () => {
    const requested: string[] = [];
    const documentLoader = async (url: string) => {
      requested.push(url);
      const context = bundledContexts().get(url);
      if (context) return { contextUrl: null, documentUrl: url, document: context };
      if (url.startsWith('did:key:')) return { contextUrl: null, documentUrl: url, document: didKeyDocument(url) };
      throw new Error(`offline test: ${url}`);
    };
    const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
    const { credential } = await issue('di');
    const ok = await dbVc.verifyCredential({ credential, suite, documentLoader });
    expect(ok.verified, JSON.stringify(ok.error ?? ok.results)).toBe(true);
    const bad = await dbVc.verifyCredential({ credential: { ...credential, name: 'Advanced Data Ethics' }, suite, documentLoader });
    expect(bad.verified).toBe(false);
    expect(requested.filter((u) => !u.startsWith('did:key:') && !bundledContexts().has(u))).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

describe('CLI: issue --format di|both, verify', () => {
  const BIN = join(REPO, 'dist/cli/main.js');
  const dir = mkdtempSync(join(tmpdir(), 'mc-di-'));
  const cli = (args: string[], input?: string) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, input, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const edKey = join(dir, 'ed.jwk');
  const esKey = join(dir, 'es.jwk');

  it('issue --format di prints the JSON credential with its proof; verify file.json exits 0', () => {
    expect(cli(['keys', 'generate', '--alg', 'EdDSA', '--out', edKey]).code).toBe(0);
    const r = cli(['issue', 'examples/requests/in-ncrf-data-ethics.json', '--key', edKey, '--format', 'di']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const credential = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(proofOf(credential)).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' });
    const file = join(dir, 'c.json');
    writeFileSync(file, r.stdout);
    const v = cli(['verify', file]);
    expect(v.code, v.stdout).toBe(0);
    expect(v.stdout).toMatch(/^✓ proof +the eddsa-rdfc-2022 DataIntegrityProof is valid$/m);
    expect(v.stdout).toMatch(/^✓ key-binding /m);
    expect(v.stdout).toMatch(/VERIFIED "Applied Data Ethics" \(data-integrity\)/);

    const tampered = { ...credential, name: 'Something else' };
    const t = cli(['verify', '-'], JSON.stringify(tampered));
    expect(t.code).toBe(1);
    expect(t.stdout).toMatch(/^✗ proof .*\[MC_PROOF_INVALID\]$/m);
  });

  it('issue --format both prints a VC-JWT whose payload carries the proof; verify exits 0 for the JWT and for the JSON inside it', () => {
    const r = cli(['issue', 'examples/requests/in-ncrf-data-ethics.json', '--key', edKey, '--format', 'both']);
    expect(r.code, r.stderr).toBe(0);
    const jwt = r.stdout.trim();
    expect(jwt).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const v = cli(['verify', '-', '--json'], jwt);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ verified: true, format: 'vc-jwt' });
    const inner = cli(['verify', '-', '--json'], JSON.stringify(credentialOfJwt(jwt)));
    expect(inner.code).toBe(0);
    expect(JSON.parse(inner.stdout)).toMatchObject({ verified: true, format: 'data-integrity' });
    const json = cli(['issue', 'examples/requests/in-ncrf-data-ethics.json', '--key', edKey, '--format', 'both', '--json']);
    const out = JSON.parse(json.stdout) as { credential: Record<string, unknown>; jwt: string };
    expect(credentialOfJwt(out.jwt)).toEqual(out.credential);
  });

  it('issue --format di with an ES256 key exits 1 with MC_ALG_UNSUPPORTED; an unknown format is a usage error', () => {
    expect(cli(['keys', 'generate', '--alg', 'ES256', '--out', esKey]).code).toBe(0);
    const r = cli(['issue', 'examples/requests/in-ncrf-data-ethics.json', '--key', esKey, '--format', 'di']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^microcred: MC_ALG_UNSUPPORTED: .*Ed25519/);
    const u = cli(['issue', 'examples/requests/in-ncrf-data-ethics.json', '--key', edKey, '--format', 'ldp']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/^microcred: MC_USAGE: --format must be one of jwt, di, both/);
  });
});
