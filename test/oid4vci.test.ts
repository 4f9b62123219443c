/**
 * OpenID4VCI issuer (issue #6), end to end over loopback HTTP.
 *
 * The wallet side is a third-party client library, @openid4vc/openid4vci (OpenWallet Foundation
 * Labs' oid4vc-ts, the one Credo wallets use), not our own code: it resolves the offer by
 * reference, reads and validates our metadata, gets the access token with the PIN, asks for a
 * c_nonce, builds the key proof and requests the credential. Its `fetch` callback routes the
 * issuer host (issuer.test) to 127.0.0.1, and `allowInsecureUrls` lets it use http on loopback.
 * Key proofs are signed with jose. The credential it receives is checked with our verifier.
 *
 * Failure cases speak the protocol directly (fetch), so each error code is seen exactly.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { CompactSign, importJWK } from 'jose';
import { base58btc } from 'multiformats/bases/base58';
import { Openid4vciClient, Openid4vciVersion, setGlobalConfig, type IssuerMetadataResult } from '@openid4vc/openid4vci';
import { clientAuthenticationAnonymous, HashAlgorithm, type CallbackContext, type Jwk } from '@openid4vc/oauth2';
import { loadConfig } from '../src/config/config.js';
import { startService, type RunningService } from '../src/server/start.js';
import { openPostgresStorage, openSqliteStorage } from '../src/storage/index.js';
import type { Storage } from '../src/storage/types.js';
import { createGuardedFetcher, verifyCredential } from '../src/verifier/index.js';
import { unbake } from '../src/baking/index.js';
import { bundledContexts } from '../src/lib/jsonld/contexts.js';
import { jwkFromMultikey } from '../src/lib/did/did-key.js';
import jsonld from 'jsonld';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { readSharedJson, requireShared } from './helpers/shared.js';
import * as dbVc from '@digitalbazaar/vc';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { PG_URL, freePort, requirePostgres } from './helpers/net.js';
import { bearer, exampleParts, readResult, type ApiResult } from './helpers/service.js';

const HOST = 'issuer.test';
const CONFIG_ID = 'OpenBadgeCredential_jwt';
const GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

setGlobalConfig({ allowInsecureUrls: true });

const pgUp = await requirePostgres('the OpenID4VCI race test');

// --- holders ---------------------------------------------------------------------------------

interface Holder {
  did: string;
  kid: string;
  alg: 'EdDSA' | 'ES256';
  publicJwk: Jwk;
  privateKey: KeyObject;
}

/** did:key for Ed25519, encoded here (multicodec 0xed01 + raw key, base58btc), not with our helpers. */
function ed25519DidKeyHolder(): Holder {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' }) as Jwk & { x: string };
  const mb = base58btc.encode(Uint8Array.from([0xed, 0x01, ...Buffer.from(jwk.x, 'base64url')]));
  return { did: `did:key:${mb}`, kid: `did:key:${mb}#${mb}`, alg: 'EdDSA', publicJwk: jwk, privateKey };
}

/** did:jwk for P-256 (the public JWK, base64url). */
function p256DidJwkHolder(): Holder {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as Jwk;
  const did = `did:jwk:${Buffer.from(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })).toString('base64url')}`;
  return { did, kid: `${did}#0`, alg: 'ES256', publicJwk: jwk, privateKey };
}

async function signJws(holder: Holder, header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload))).setProtectedHeader(header as never).sign(holder.privateKey);
}

/** A key proof made by hand, with any change to header or payload. */
async function proofJwt(holder: Holder, ctx: { audience: string; nonce?: string }, change: { header?: Record<string, unknown>; payload?: Record<string, unknown> } = {}): Promise<string> {
  const header = { typ: 'openid4vci-proof+jwt', alg: holder.alg, kid: holder.kid, ...change.header };
  const payload = { aud: ctx.audience, iat: Math.floor(Date.now() / 1000), ...(ctx.nonce !== undefined ? { nonce: ctx.nonce } : {}), ...change.payload };
  for (const [k, v] of Object.entries(header)) if (v === undefined) delete (header as Record<string, unknown>)[k];
  for (const [k, v] of Object.entries(payload)) if (v === undefined) delete (payload as Record<string, unknown>)[k];
  return signJws(holder, header, payload);
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const decodePayload = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;

// --- the service -----------------------------------------------------------------------------

interface Service {
  svc: RunningService;
  port: number;
  base: string;
  admin: string;
  call(method: string, path: string, init?: { body?: unknown; form?: Record<string, string>; headers?: Record<string, string> }): Promise<ApiResult>;
}

/** Every line the services log, at trace level (checked for secrets). */
const logLines: string[] = [];
const logSink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  },
});

async function start(storage: Storage, envOrForPort: Record<string, string> | ((port: number) => Record<string, string>) = {}): Promise<Service> {
  const port = await freePort();
  const env = typeof envOrForPort === 'function' ? envOrForPort(port) : envOrForPort;
  // Several servers behind one public URL share BASE_URL (env); alone, the server's own port.
  const base = env.BASE_URL ?? `http://${HOST}:${port}`;
  const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', BASE_URL: base, DATA_DIR: mkdtempSync(join(tmpdir(), 'mc-oid4vci-')), LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '100000', ...env });
  const svc = await startService(config, { storage, log: pino({ level: 'trace' }, logSink) });
  const call: Service['call'] = async (method, path, init = {}) => {
    const headers: Record<string, string> = { ...init.headers };
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    } else if (init.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
    }
    const res = await fetch(`http://127.0.0.1:${port}${path.startsWith('http') ? new URL(path).pathname + new URL(path).search : path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
    return readResult(res);
  };
  return { svc, port, base, admin: svc.bootstrapToken ?? '', call };
}


async function issueOne(s: Service, admin: string, achievementId: string): Promise<string> {
  const { issue } = exampleParts();
  const res = await s.call('POST', '/api/v1/credentials', { body: { ...issue, achievementId }, headers: bearer(admin) });
  expect(res.status, res.text).toBe(201);
  return (res.json.id as string).replace('urn:uuid:', '');
}

interface Offer {
  id: string;
  offerUri: string;
  offerUrl: string;
  txCode?: string;
  walletPageUrl: string;
  expiresAt: string;
}

async function makeOffer(s: Service, admin: string, uuid: string, body: Record<string, unknown> = {}): Promise<Offer> {
  const res = await s.call('POST', `/api/v1/credentials/${uuid}/offers`, { body, headers: bearer(admin) });
  expect(res.status, res.text).toBe(201);
  return res.json as unknown as Offer;
}

/** The pre-authorized code of an offer, read from the offer document as a wallet would. */
async function codeOf(s: Service, offer: Offer): Promise<string> {
  const doc = await s.call('GET', offer.offerUrl);
  expect(doc.status, doc.text).toBe(200);
  return ((doc.json.grants as Record<string, Record<string, string>>)[GRANT]!)['pre-authorized_code']!;
}

async function tokenFor(s: Service, offer: Offer, extra: Record<string, string> = {}): Promise<ApiResult> {
  const code = await codeOf(s, offer);
  return s.call('POST', '/oid4vci/token', { form: { grant_type: GRANT, 'pre-authorized_code': code, ...(offer.txCode ? { tx_code: offer.txCode } : {}), ...extra } });
}

async function nonceFrom(s: Service): Promise<string> {
  const res = await s.call('POST', '/oid4vci/nonce');
  expect(res.status).toBe(200);
  return res.json.c_nonce as string;
}

// --- the suite -------------------------------------------------------------------------------

/** The third-party client's environment: a holder's signer, and fetch with the issuer's host mapped to loopback. */
function callbacks(s: Service, holder: Holder): Omit<CallbackContext, 'verifyJwt' | 'encryptJwe' | 'decryptJwe'> & Pick<CallbackContext, 'verifyJwt' | 'encryptJwe' | 'decryptJwe'> {
  const loopback = (url: string) => url.replace(`http://${HOST}:${s.port}`, `http://127.0.0.1:${s.port}`);
  return {
    fetch: ((input: RequestInfo | URL, init?: RequestInit) => fetch(loopback(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url), init)) as typeof fetch,
    hash: (data: Uint8Array, alg: HashAlgorithm) => new Uint8Array(createHash(alg.replace('-', '').toLowerCase()).update(data).digest()),
    generateRandom: (n: number) => new Uint8Array(randomBytes(n)),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (_signer, { header, payload }) => ({ jwt: await signJws(holder, header as Record<string, unknown>, payload as Record<string, unknown>), signerJwk: holder.publicJwk }),
    verifyJwt: async () => {
      throw new Error('not used');
    },
    encryptJwe: async () => {
      throw new Error('not used');
    },
    decryptJwe: async () => {
      throw new Error('not used');
    },
  };
}

/**
 * The third-party client redeems an offer of one configuration (the only one it names) as a 1.0
 * wallet does: offer, metadata, token with the PIN, nonce, key proof, credential.
 */
async function walletRedeems(s: Service, offer: Offer, holder: Holder): Promise<unknown> {
  const client = new Openid4vciClient({ callbacks: callbacks(s, holder) });
  const credentialOffer = await client.resolveCredentialOffer(offer.offerUri);
  expect(credentialOffer.credential_configuration_ids).toHaveLength(1);
  const credentialConfigurationId = credentialOffer.credential_configuration_ids[0]!;
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, ...(offer.txCode ? { txCode: offer.txCode } : {}) });
  const { c_nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt } = await client.createCredentialRequestJwtProof({ issuerMetadata, credentialConfigurationId, signer: { method: 'did', didUrl: holder.kid, alg: holder.alg }, nonce: c_nonce });
  const { credentialResponse } = await client.retrieveCredentials({ issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId, proofs: { jwt: [jwt] } });
  expect(credentialResponse.credentials).toHaveLength(1);
  return (credentialResponse.credentials![0] as { credential: unknown }).credential;
}

describe('OpenID4VCI issuer over HTTP (SQLite)', () => {
  let s: Service;
  let issueToken: string;
  let credentialUuid: string;
  const fetcher = () => createGuardedFetcher({ allowHttp: true, allowedHosts: [HOST], lookup: async () => [{ address: '127.0.0.1', family: 4 }], cacheTtlMs: 0 });

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-oid4vci-db-'));
    s = await start(await openSqliteStorage(join(dir, 'microcred.db')));
    const { achievement } = exampleParts();
    expect((await s.call('POST', '/api/v1/achievements', { body: { ...achievement, id: 'data-ethics-101' }, headers: bearer(s.admin) })).status).toBe(201);
    issueToken = (await s.call('POST', '/api/v1/tokens', { body: { scopes: ['issue'], label: 'registrar' }, headers: bearer(s.admin) })).json.token as string;
    credentialUuid = await issueOne(s, issueToken, 'data-ethics-101');
  });
  afterAll(async () => {
    await s?.svc.close();
  });

  /** The wallet's callbacks for the third-party client. */
  it('the institution creates a single-use offer: PIN shown once, URIs, wallet page', async () => {
    const offer = await makeOffer(s, issueToken, credentialUuid, { expiresInSec: 3600 });
    expect(offer.offerUri).toMatch(/^openid-credential-offer:\/\/\?credential_offer_uri=/);
    expect(decodeURIComponent(offer.offerUri.split('credential_offer_uri=')[1]!)).toBe(offer.offerUrl);
    expect(offer.offerUrl).toMatch(new RegExp(`^${s.base}/oid4vci/offers/[A-Za-z0-9_-]{43}$`));
    expect(offer.txCode).toMatch(/^\d{6}$/);
    expect(offer.walletPageUrl).toMatch(new RegExp(`^${s.base}/wallet/[A-Za-z0-9_-]{43}$`));
    expect(Date.parse(offer.expiresAt) - Date.now()).toBeGreaterThan(3500_000);
    // Neither the PIN nor any URL secret is stored in the clear.
    const stored = await s.svc.storage.getOffer(offer.id);
    expect(stored).toMatchObject({ state: 'pending', attempts: 0, credentialId: `urn:uuid:${credentialUuid}` });
    expect(JSON.stringify(stored)).not.toContain(offer.txCode);
    expect(JSON.stringify(stored)).not.toContain(offer.offerUrl.split('/').pop());
    // Without PIN; bad options; scope and state checks.
    expect((await makeOffer(s, issueToken, credentialUuid, { txCode: false })).txCode).toBeUndefined();
    expect((await s.call('POST', `/api/v1/credentials/${credentialUuid}/offers`, { body: { expiresInSec: 0 }, headers: bearer(issueToken) })).json.code).toBe('MC_REQUEST_INVALID');
    expect((await s.call('POST', `/api/v1/credentials/${credentialUuid}/offers`, { body: {} })).status).toBe(401);
    expect((await s.call('POST', '/api/v1/credentials/00000000-0000-4000-8000-000000000000/offers', { body: {}, headers: bearer(issueToken) })).status).toBe(404);
  });

  it('serves valid issuer and authorization server metadata, and the offer by reference', async () => {
    const meta = await s.call('GET', '/.well-known/openid-credential-issuer');
    expect(meta.status).toBe(200);
    expect(meta.headers.get('access-control-allow-origin')).toBe('*');
    expect(meta.json).toMatchObject({
      credential_issuer: s.base,
      credential_endpoint: `${s.base}/oid4vci/credential`,
      nonce_endpoint: `${s.base}/oid4vci/nonce`,
      credential_configurations_supported: {
        [CONFIG_ID]: {
          format: 'jwt_vc_json',
          credential_definition: { type: ['VerifiableCredential', 'OpenBadgeCredential'] },
          cryptographic_binding_methods_supported: ['did:key', 'did:jwk', 'jwk'],
          credential_signing_alg_values_supported: ['ES256'],
          proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256', 'EdDSA'] } },
        },
      },
    });
    // ldp_vc is not offered: the issuer service issues VC-JWTs only.
    expect(Object.values(meta.json.credential_configurations_supported as object).map((c: { format: string }) => c.format)).toEqual(['jwt_vc_json']);
    const as = await s.call('GET', '/.well-known/oauth-authorization-server');
    expect(as.json).toMatchObject({ issuer: s.base, token_endpoint: `${s.base}/oid4vci/token`, 'pre-authorized_grant_anonymous_access_supported': true, grant_types_supported: [GRANT] });

    const offer = await makeOffer(s, issueToken, credentialUuid);
    const doc = await s.call('GET', offer.offerUrl);
    expect(doc.status).toBe(200);
    expect(doc.headers.get('content-type')).toMatch(/^application\/json/);
    expect(doc.headers.get('cache-control')).toBe('no-store');
    expect(doc.json).toEqual({
      credential_issuer: s.base,
      credential_configuration_ids: [CONFIG_ID],
      grants: { [GRANT]: { 'pre-authorized_code': expect.stringMatching(/^[A-Za-z0-9_-]{43}$/), tx_code: { input_mode: 'numeric', length: 6, description: expect.any(String) } } },
    });
    const unknown = await s.call('GET', `/oid4vci/offers/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toBe('invalid_request');
    expect(unknown.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('full flow with the third-party client: a did:key (Ed25519) wallet gets a credential bound to its DID that our verifier accepts', async () => {
    const holder = ed25519DidKeyHolder();
    const offer = await makeOffer(s, issueToken, credentialUuid);
    const client = new Openid4vciClient({ callbacks: callbacks(s, holder) });
    const credentialOffer = await client.resolveCredentialOffer(offer.offerUri);
    expect(credentialOffer.credential_issuer).toBe(s.base);
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    expect(issuerMetadata.originalDraftVersion).toBe(Openid4vciVersion.V1);
    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, txCode: offer.txCode! });
    expect(accessTokenResponse).toMatchObject({ token_type: 'Bearer', expires_in: 600, c_nonce: expect.any(String) });
    const { c_nonce } = await client.requestNonce({ issuerMetadata });
    const { jwt } = await client.createCredentialRequestJwtProof({ issuerMetadata, credentialConfigurationId: CONFIG_ID, signer: { method: 'did', didUrl: holder.kid, alg: holder.alg }, nonce: c_nonce });
    const { credentialResponse } = await client.retrieveCredentials({ issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId: CONFIG_ID, proofs: { jwt: [jwt] } });
    expect(credentialResponse.credentials).toHaveLength(1);
    const credential = (credentialResponse.credentials![0] as { credential: string }).credential;
    expect(typeof credential).toBe('string');

    const payload = decodePayload(credential);
    expect(payload.sub).toBe(holder.did);
    expect((payload.credentialSubject as { id: string }).id).toBe(holder.did);
    expect(payload.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    // The same achievement version and subject data as the original, awarded when it was.
    const original = (await s.call('GET', `/api/v1/credentials/${credentialUuid}.json`)).json as Record<string, unknown> & { credentialSubject: Record<string, unknown> };
    const subject = payload.credentialSubject as Record<string, unknown>;
    expect(subject.achievement).toEqual(original.credentialSubject.achievement);
    expect(subject.identifier).toEqual(original.credentialSubject.identifier);
    expect(subject.creditsEarned).toBe(original.credentialSubject.creditsEarned);
    expect(payload.awardedDate).toBe(original.validFrom);
    expect(payload.jti).not.toBe(original.id);

    const report = await verifyCredential(credential, { fetcher: fetcher() });
    expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(report.verified).toBe(true);
    expect(report.checks.find((c) => c.check === 'status')).toMatchObject({ status: 'passed' });

    const stored = await s.svc.storage.getOffer(offer.id);
    expect(stored).toMatchObject({ state: 'redeemed', holderId: holder.did, issuedCredentialId: payload.jti });
    // A registrar looking for the learner by email finds the wallet's copy next to the original, though the copy holds the email only hashed.
    const byEmail = await s.call('GET', `/api/v1/credentials?learner=${encodeURIComponent('Priya.Sharma@Student.Example.in')}`, { headers: bearer(issueToken) });
    expect((byEmail.json.items as Array<{ id: string }>).map((c) => c.id).sort()).toEqual([`urn:uuid:${credentialUuid}`, payload.jti].sort());
    const byHolder = await s.call('GET', `/api/v1/credentials?learner=${encodeURIComponent(holder.did)}`, { headers: bearer(issueToken) });
    expect((byHolder.json.items as Array<{ id: string }>).map((c) => c.id)).toEqual([payload.jti]);
    const audit = (await s.call('GET', '/api/v1/audit?limit=100', { headers: bearer(s.admin) })).json.items as Array<{ action: string; target: string }>;
    expect(audit.filter((e) => e.target === offer.id).map((e) => e.action)).toEqual(['offer.created', 'offer.redeemed']);

    // The offer is single use: the offer document, the code and the access token are all spent.
    expect((await s.call('GET', offer.offerUrl)).json.error).toBe('invalid_grant');
    const again = await s.call('POST', '/oid4vci/credential', { body: { credential_configuration_id: CONFIG_ID, proofs: { jwt: [jwt] } }, headers: bearer(accessTokenResponse.access_token) });
    expect(again.status).toBe(401);
    expect(again.json.error).toBe('invalid_token');
  });

  it('a did:jwk (P-256) wallet and a jwk-header proof are bound too', async () => {
    for (const mode of ['kid', 'jwk'] as const) {
      const holder = p256DidJwkHolder();
      const offer = await makeOffer(s, issueToken, credentialUuid, { txCode: false });
      const token = await tokenFor(s, offer);
      expect(token.status, token.text).toBe(200);
      const proof = await proofJwt(holder, { audience: s.base, nonce: await nonceFrom(s) }, mode === 'jwk' ? { header: { kid: undefined, jwk: holder.publicJwk } } : {});
      const res = await s.call('POST', '/oid4vci/credential', { body: { credential_configuration_id: CONFIG_ID, proofs: { jwt: [proof] } }, headers: bearer(token.json.access_token as string) });
      expect(res.status, res.text).toBe(200);
      const payload = decodePayload((res.json.credentials as Array<{ credential: string }>)[0]!.credential);
      const expected = mode === 'kid' ? holder.did : `did:jwk:${Buffer.from(JSON.stringify({ kty: 'EC', crv: 'P-256', x: holder.publicJwk.x, y: holder.publicJwk.y })).toString('base64url')}`;
      expect(payload.sub).toBe(expected);
      expect((payload.credentialSubject as { id: string }).id).toBe(expected);
      expect((await verifyCredential((res.json.credentials as Array<{ credential: string }>)[0]!.credential, { fetcher: fetcher() })).verified).toBe(true);
    }
  });

  it('draft shapes through the same client: format + credential_definition + singular proof, c_nonce from the token response', async () => {
    const holder = ed25519DidKeyHolder();
    const offer = await makeOffer(s, issueToken, credentialUuid);
    const client = new Openid4vciClient({ callbacks: callbacks(s, holder) });
    const credentialOffer = await client.resolveCredentialOffer(offer.offerUri);
    const v1 = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    // The client speaks draft 14 when the metadata looks like it: ask it to.
    const issuerMetadata: IssuerMetadataResult = { ...v1, originalDraftVersion: Openid4vciVersion.Draft14 };
    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, txCode: offer.txCode! });
    const { jwt } = await client.createCredentialRequestJwtProof({ issuerMetadata, credentialConfigurationId: CONFIG_ID, signer: { method: 'did', didUrl: holder.kid, alg: holder.alg }, nonce: accessTokenResponse.c_nonce! });
    const { credentialResponse } = await client.retrieveCredentials({ issuerMetadata, accessToken: accessTokenResponse.access_token, credentialConfigurationId: CONFIG_ID, proof: { proof_type: 'jwt', jwt } });
    expect(credentialResponse).toMatchObject({ format: 'jwt_vc_json', c_nonce: expect.any(String), credential: expect.any(String) });
    expect(decodePayload(credentialResponse.credential as string).sub).toBe(holder.did);
  });

  it('draft 13 by hand: user_pin instead of tx_code, format + credential_definition, proof', async () => {
    const holder = p256DidJwkHolder();
    const offer = await makeOffer(s, issueToken, credentialUuid);
    const code = await codeOf(s, offer);
    const token = await s.call('POST', '/oid4vci/token', { form: { grant_type: GRANT, 'pre-authorized_code': code, user_pin: offer.txCode! } });
    expect(token.status, token.text).toBe(200);
    expect(token.headers.get('cache-control')).toBe('no-store');
    const proof = await proofJwt(holder, { audience: s.base, nonce: token.json.c_nonce as string });
    const res = await s.call('POST', '/oid4vci/credential', { body: { format: 'jwt_vc_json', credential_definition: { type: ['VerifiableCredential', 'OpenBadgeCredential'] }, proof: { proof_type: 'jwt', jwt: proof } }, headers: bearer(token.json.access_token as string) });
    expect(res.status, res.text).toBe(200);
    expect(res.json).toMatchObject({ format: 'jwt_vc_json', credential: expect.any(String), c_nonce: expect.any(String), c_nonce_expires_in: 300 });
    expect(res.json.credentials).toBeUndefined();
  });

  it('wrong PIN: invalid_grant, attempts counted; the right PIN still works until the 5th wrong one locks the offer', async () => {
    const offer = await makeOffer(s, issueToken, credentialUuid);
    const wrong = offer.txCode === '000000' ? '111111' : '000000';
    const bad = await tokenFor(s, { ...offer, txCode: wrong });
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/4 attempt/) });
    expect(bad.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await s.svc.storage.getOffer(offer.id))!.attempts).toBe(1);
    // The third-party client sees the same error code.
    const holder = ed25519DidKeyHolder();
    const client = new Openid4vciClient({ callbacks: callbacks(s, holder) });
    const credentialOffer = await client.resolveCredentialOffer(offer.offerUri);
    const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
    const error = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata, txCode: wrong }).then(
      () => null,
      (e: unknown) => e as { errorResponse?: { error?: string } },
    );
    expect(error?.errorResponse?.error).toBe('invalid_grant');
    expect((await s.svc.storage.getOffer(offer.id))!.attempts).toBe(2);
    expect((await tokenFor(s, offer)).status).toBe(200);

    const locked = await makeOffer(s, issueToken, credentialUuid);
    const code = await codeOf(s, locked);
    for (let i = 0; i < 5; i++) expect((await s.call('POST', '/oid4vci/token', { form: { grant_type: GRANT, 'pre-authorized_code': code, tx_code: locked.txCode === '999999' ? '999998' : '999999' } })).json.error).toBe('invalid_grant');
    const right = await s.call('POST', '/oid4vci/token', { form: { grant_type: GRANT, 'pre-authorized_code': code, tx_code: locked.txCode! } });
    expect(right.json).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/too many/) });
    expect(await s.svc.storage.getOffer(locked.id)).toMatchObject({ state: 'failed', attempts: 5 });
    // A missing PIN is invalid_request, and does not count.
    const other = await makeOffer(s, issueToken, credentialUuid);
    expect((await tokenFor(s, { ...other, txCode: undefined })).json.error).toBe('invalid_request');
    expect((await s.svc.storage.getOffer(other.id))!.attempts).toBe(0);
  });

  it('reused offer: the pre-authorized code works once (invalid_grant after)', async () => {
    const offer = await makeOffer(s, issueToken, credentialUuid);
    const code = await codeOf(s, offer);
    const form = { grant_type: GRANT, 'pre-authorized_code': code, tx_code: offer.txCode! };
    expect((await s.call('POST', '/oid4vci/token', { form })).status).toBe(200);
    const second = await s.call('POST', '/oid4vci/token', { form });
    expect(second.status).toBe(400);
    expect(second.json).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/already used/) });
    // Concurrent exchanges of one code: exactly one wins.
    const race = await makeOffer(s, issueToken, credentialUuid, { txCode: false });
    const raceCode = await codeOf(s, race);
    const results = await Promise.all(Array.from({ length: 6 }, () => s.call('POST', '/oid4vci/token', { form: { grant_type: GRANT, 'pre-authorized_code': raceCode } })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.json.error === 'invalid_grant')).toHaveLength(5);
  });

  it('expired offer: the document is gone and the code is invalid_grant', async () => {
    const offer = await makeOffer(s, issueToken, credentialUuid, { expiresInSec: 1 });
    const code = await codeOf(s, offer);
    await new Promise((r) => setTimeout(r, 1100));
    const doc = await s.call('GET', offer.offerUrl);
    expect(doc.status).toBe(410);
    expect(doc.json.error).toBe('invalid_grant');
    const token = await s.call('POST', '/oid4vci/token', { form: { grant_type: GRANT, 'pre-authorized_code': code, tx_code: offer.txCode! } });
    expect(token.status).toBe(400);
    expect(token.json).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/expired/) });
    const page = await s.call('GET', new URL(offer.walletPageUrl).pathname);
    expect(page.text).toContain('has expired');
    expect(page.text).not.toContain('openid-credential-offer://');
  });

  it('token endpoint errors use the OAuth codes', async () => {
    expect((await s.call('POST', '/oid4vci/token', { form: { 'pre-authorized_code': 'x' } })).json.error).toBe('invalid_request');
    expect((await s.call('POST', '/oid4vci/token', { form: { grant_type: 'authorization_code', code: 'x' } })).json.error).toBe('unsupported_grant_type');
    expect((await s.call('POST', '/oid4vci/token', { form: { grant_type: GRANT } })).json.error).toBe('invalid_request');
    expect((await s.call('POST', '/oid4vci/token', { form: { grant_type: GRANT, 'pre-authorized_code': 'nope' } })).json.error).toBe('invalid_grant');
    const noPin = await makeOffer(s, issueToken, credentialUuid, { txCode: false });
    expect((await tokenFor(s, noPin, { tx_code: '123456' })).json.error).toBe('invalid_request');
    expect((await tokenFor(s, noPin, { resource: 'https://elsewhere.example' })).json.error).toBe('invalid_target');
    const get = await s.call('GET', '/oid4vci/token');
    expect(get.status).toBe(405);
    expect(get.json.error).toBe('invalid_request');
    const malformed = await s.call('POST', '/oid4vci/credential', { body: '{"credential_', headers: bearer('x') });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error).toBe('invalid_credential_request');
    expect(malformed.headers.get('content-type')).toMatch(/^application\/json/);
  });

  describe('credential endpoint errors', () => {
    let holder: Holder;
    /** A fresh access token each time (tokens are spent by a successful request only). */
    const freshToken = async () => {
      const offer = await makeOffer(s, issueToken, credentialUuid, { txCode: false });
      return (await tokenFor(s, offer)).json.access_token as string;
    };
    const request = (token: string, jwt: string) => s.call('POST', '/oid4vci/credential', { body: { credential_configuration_id: CONFIG_ID, proofs: { jwt: [jwt] } }, headers: bearer(token) });

    beforeAll(() => {
      holder = ed25519DidKeyHolder();
    });

    it('missing or wrong access token: 401 invalid_token with a Bearer challenge', async () => {
      const missing = await s.call('POST', '/oid4vci/credential', { body: { credential_configuration_id: CONFIG_ID } });
      expect(missing.status).toBe(401);
      expect(missing.json.error).toBe('invalid_token');
      expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token"/);
      expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
      expect((await request('not-a-token', 'x.y.z')).json.error).toBe('invalid_token');
      expect((await s.call('POST', '/oid4vci/credential', { body: {}, headers: { authorization: `DPoP ${await freshToken()}` } })).json.error).toBe('invalid_token');
    });

    it('bad proof signature: invalid_proof, with a fresh c_nonce; the token stays usable', async () => {
      const token = await freshToken();
      const good = await proofJwt(holder, { audience: s.base, nonce: await nonceFrom(s) });
      const [h, p, sig] = good.split('.') as [string, string, string];
      const flipped = Buffer.from(sig, 'base64url');
      flipped[5]! ^= 0xff;
      const res = await request(token, `${h}.${p}.${flipped.toString('base64url')}`);
      expect(res.status).toBe(400);
      expect(res.json).toMatchObject({ error: 'invalid_proof', c_nonce: expect.any(String) });
      // Another holder's key under this holder's kid.
      const other = ed25519DidKeyHolder();
      const swapped = await signJws(other, { typ: 'openid4vci-proof+jwt', alg: 'EdDSA', kid: holder.kid }, { aud: s.base, iat: Math.floor(Date.now() / 1000), nonce: await nonceFrom(s) });
      expect((await request(token, swapped)).json.error).toBe('invalid_proof');
      expect((await request(token, await proofJwt(holder, { audience: s.base, nonce: res.json.c_nonce as string }))).status).toBe(200);
    });

    it('wrong, used or missing nonce: invalid_nonce with a fresh c_nonce that works', async () => {
      const token = await freshToken();
      const wrong = await request(token, await proofJwt(holder, { audience: s.base, nonce: 'not-a-nonce-we-gave' }));
      expect(wrong.status).toBe(400);
      expect(wrong.json).toMatchObject({ error: 'invalid_nonce', c_nonce: expect.any(String), c_nonce_expires_in: 300 });
      expect(wrong.headers.get('cache-control')).toBe('no-store');
      const missing = await request(token, await proofJwt(holder, { audience: s.base }));
      expect(missing.json.error).toBe('invalid_nonce');
      // A nonce is single use: spend one, then try it again on another token.
      const nonce = await nonceFrom(s);
      expect((await request(token, await proofJwt(holder, { audience: s.base, nonce }))).status).toBe(200);
      const reused = await request(await freshToken(), await proofJwt(holder, { audience: s.base, nonce }));
      expect(reused.json).toMatchObject({ error: 'invalid_nonce', c_nonce: expect.any(String) });
    });

    it('wrong aud, alg none, HMAC, wrong typ, stale iat, unsupported DID method, private jwk: invalid_proof', async () => {
      const token = await freshToken();
      const n = () => nonceFrom(s);
      const cases: Array<[string, string]> = [
        ['wrong aud', await proofJwt(holder, { audience: 'https://other-issuer.example', nonce: await n() })],
        ['aud with a trailing slash', await proofJwt(holder, { audience: `${s.base}/`, nonce: await n() })],
        ['alg none', `${b64({ typ: 'openid4vci-proof+jwt', alg: 'none', kid: holder.kid })}.${b64({ aud: s.base, iat: Math.floor(Date.now() / 1000), nonce: await n() })}.`],
        ['alg none with a signature part', `${b64({ typ: 'openid4vci-proof+jwt', alg: 'none', kid: holder.kid })}.${b64({ aud: s.base, iat: Math.floor(Date.now() / 1000), nonce: await n() })}.AAAA`],
        ['HS256', await (async () => {
          const key = await importJWK({ kty: 'oct', k: Buffer.from(holder.kid).toString('base64url') }, 'HS256');
          return new CompactSign(new TextEncoder().encode(JSON.stringify({ aud: s.base, iat: Math.floor(Date.now() / 1000), nonce: await n() }))).setProtectedHeader({ typ: 'openid4vci-proof+jwt', alg: 'HS256', kid: holder.kid }).sign(key);
        })()],
        ['typ JWT', await proofJwt(holder, { audience: s.base, nonce: await n() }, { header: { typ: 'JWT' } })],
        ['no typ', await proofJwt(holder, { audience: s.base, nonce: await n() }, { header: { typ: undefined } })],
        ['iat 10 minutes ago', await proofJwt(holder, { audience: s.base, nonce: await n() }, { payload: { iat: Math.floor(Date.now() / 1000) - 600 } })],
        ['no iat', await proofJwt(holder, { audience: s.base, nonce: await n() }, { payload: { iat: undefined } })],
        ['did:web kid', await proofJwt(holder, { audience: s.base, nonce: await n() }, { header: { kid: 'did:web:wallet.example#key-1' } })],
        ['kid and jwk', await proofJwt(holder, { audience: s.base, nonce: await n() }, { header: { jwk: holder.publicJwk } })],
        ['private jwk', await proofJwt(holder, { audience: s.base, nonce: await n() }, { header: { kid: undefined, jwk: holder.privateKey.export({ format: 'jwk' }) } })],
        ['not a JWT', 'garbage'],
      ];
      for (const [name, jwt] of cases) {
        const res = await request(token, jwt);
        expect(res.json.error, `${name}: ${res.text}`).toBe('invalid_proof');
        expect(res.status, name).toBe(400);
      }
      // No proof at all (a draft-13 wallet asking for a nonce this way): invalid_proof with a c_nonce.
      const none = await s.call('POST', '/oid4vci/credential', { body: { credential_configuration_id: CONFIG_ID }, headers: bearer(token) });
      expect(none.json).toMatchObject({ error: 'invalid_proof', c_nonce: expect.any(String) });
      // After all that, the token still works.
      expect((await request(token, await proofJwt(holder, { audience: s.base, nonce: await n() }))).status).toBe(200);
    });

    it('request shape errors: unknown configuration, unsupported format or type, identifiers, batch, encryption', async () => {
      const token = await freshToken();
      const jwt = await proofJwt(holder, { audience: s.base, nonce: await nonceFrom(s) });
      const send = (body: unknown) => s.call('POST', '/oid4vci/credential', { body, headers: bearer(token) });
      expect((await send({ credential_configuration_id: 'UniversityDegree', proofs: { jwt: [jwt] } })).json.error).toBe('unknown_credential_configuration');
      expect((await send({ credential_identifier: 'x', proofs: { jwt: [jwt] } })).json.error).toBe('unknown_credential_identifier');
      expect((await send({ format: 'mso_mdoc', doctype: 'x', proof: { proof_type: 'jwt', jwt } })).json.error).toBe('unsupported_credential_format');
      expect((await send({ format: 'jwt_vc_json', credential_definition: { type: ['VerifiableCredential', 'UniversityDegreeCredential'] }, proof: { proof_type: 'jwt', jwt } })).json.error).toBe('unsupported_credential_type');
      expect((await send({ credential_configuration_id: CONFIG_ID, proofs: { jwt: [jwt, jwt] } })).json.error).toBe('invalid_credential_request');
      expect((await send({ credential_configuration_id: CONFIG_ID, proof: { proof_type: 'jwt', jwt }, proofs: { jwt: [jwt] } })).json.error).toBe('invalid_credential_request');
      expect((await send({ credential_configuration_id: CONFIG_ID, proofs: { di_vp: [{}] } })).json.error).toBe('invalid_proof');
      expect((await send({ credential_configuration_id: CONFIG_ID, proofs: { jwt: [jwt] }, credential_response_encryption: { alg: 'ECDH-ES', enc: 'A128GCM', jwk: {} } })).json.error).toBe('invalid_encryption_parameters');
      expect((await send({})).json.error).toBe('invalid_credential_request');
      // None of that spent the token or the nonce.
      expect((await send({ credential_configuration_id: CONFIG_ID, proofs: { jwt: [jwt] } })).status).toBe(200);
    });

    it('a revoked credential cannot be taken into a wallet', async () => {
      const uuid = await issueOne(s, issueToken, 'data-ethics-101');
      const offer = await makeOffer(s, issueToken, uuid, { txCode: false });
      const token = (await tokenFor(s, offer)).json.access_token as string;
      expect((await s.call('POST', `/api/v1/credentials/${uuid}/revoke`, { body: { reason: 'issued in error' }, headers: bearer(s.admin) })).status).toBe(200);
      const res = await request(token, await proofJwt(holder, { audience: s.base, nonce: await nonceFrom(s) }));
      expect(res.json.error).toBe('credential_request_denied');
      expect((await s.svc.storage.getOffer(offer.id))!.state).toBe('token-issued');
      expect((await s.call('POST', `/api/v1/credentials/${uuid}/offers`, { body: {}, headers: bearer(issueToken) })).status).toBe(409);
    });
  });

  it('nonce endpoint: a fresh c_nonce each time, not cacheable, CORS-enabled', async () => {
    const a = await s.call('POST', '/oid4vci/nonce');
    const b = await s.call('POST', '/oid4vci/nonce');
    expect(a.json.c_nonce).not.toBe(b.json.c_nonce);
    expect(a.headers.get('cache-control')).toBe('no-store');
    expect(a.headers.get('access-control-allow-origin')).toBe('*');
    const preflight = await s.call('OPTIONS', '/oid4vci/credential', { headers: { origin: 'https://wallet.example', 'access-control-request-method': 'POST' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/Authorization/);
  });

  it("the learner's wallet page: QR code, wallet link, PIN note, downloads (baked badges verify)", async () => {
    const offer = await makeOffer(s, issueToken, credentialUuid);
    const page = await s.call('GET', new URL(offer.walletPageUrl).pathname);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).toContain('<h1>Applied Data Ethics</h1>');
    expect(page.text).toContain(`href="${offer.offerUri.replace(/&/g, '&amp;')}"`);
    expect(page.text).toMatch(/<img src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+" alt="QR code of the wallet offer">/);
    expect(page.text).toMatch(/PIN[^<]*It is not on this page/);
    expect(page.text).not.toContain(offer.txCode!);
    expect(page.text).not.toMatch(/<script(?! src)|style=/);
    for (const href of [`/api/v1/credentials/${credentialUuid}.jwt`, `/api/v1/credentials/${credentialUuid}/certificate.pdf`, `/api/v1/credentials/${credentialUuid}/qr.png`, `/api/v1/credentials/${credentialUuid}/badge.png`]) {
      expect(page.text).toContain(`href="${href}"`);
    }
    const jwt = (await s.call('GET', `/api/v1/credentials/${credentialUuid}.jwt`)).text;
    for (const format of ['png', 'svg'] as const) {
      const res = await fetch(`http://127.0.0.1:${s.port}/api/v1/credentials/${credentialUuid}/badge.${format}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-disposition')).toMatch(/attachment/);
      const bytes = new Uint8Array(await res.arrayBuffer());
      const unbaked = unbake(format === 'png' ? bytes : Buffer.from(bytes).toString('utf8'));
      expect(unbaked).toEqual({ format, credential: jwt });
      expect((await verifyCredential(format === 'png' ? bytes : Buffer.from(bytes).toString('utf8'), { fetcher: fetcher() })).verified).toBe(true);
    }
    expect((await s.call('GET', `/wallet/${'B'.repeat(43)}`)).status).toBe(404);
    // The OpenAPI document describes the endpoints.
    const paths = Object.keys((await s.call('GET', '/openapi.json')).json.paths as object);
    expect(paths).toEqual(expect.arrayContaining(['/api/v1/credentials/{uuid}/offers', '/oid4vci/token', '/oid4vci/nonce', '/oid4vci/credential', '/oid4vci/offers/{secret}', '/.well-known/openid-credential-issuer', '/.well-known/oauth-authorization-server', '/wallet/{secret}']));
  });
});

describe('OpenID4VCI secrets stay out of the logs', () => {
  it('no offer secret, pre-authorized code, PIN, access token or c_nonce is logged', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-oid4vci-log-'));
    const s = await start(await openSqliteStorage(join(dir, 'microcred.db')));
    try {
      const { achievement } = exampleParts();
      await s.call('POST', '/api/v1/achievements', { body: { ...achievement, id: 'data-ethics-101' }, headers: bearer(s.admin) });
      const uuid = await issueOne(s, s.admin, 'data-ethics-101');
      const offer = await makeOffer(s, s.admin, uuid);
      const secret = offer.offerUrl.split('/').pop()!;
      const code = await codeOf(s, offer);
      await s.call('GET', new URL(offer.walletPageUrl).pathname);
      await s.call('GET', `${new URL(offer.walletPageUrl).pathname}?x=1`);
      const wrongPin = await s.call('POST', '/oid4vci/token', { form: { grant_type: GRANT, 'pre-authorized_code': code, tx_code: offer.txCode === '000000' ? '000001' : '000000' } });
      expect(wrongPin.json.error).toBe('invalid_grant');
      const token = await s.call('POST', '/oid4vci/token', { form: { grant_type: GRANT, 'pre-authorized_code': code, tx_code: offer.txCode! } });
      const nonce = await nonceFrom(s);
      const holder = ed25519DidKeyHolder();
      const res = await s.call('POST', '/oid4vci/credential', { body: { credential_configuration_id: CONFIG_ID, proofs: { jwt: [await proofJwt(holder, { audience: s.base, nonce })] } }, headers: bearer(token.json.access_token as string) });
      expect(res.status, res.text).toBe(200);
      const log = logLines.join('\n');
      expect(log).toContain('/wallet/[redacted]');
      expect(log).toContain('/oid4vci/offers/[redacted]');
      for (const [name, value] of [['offer secret', secret], ['pre-authorized code', code], ['PIN', offer.txCode!], ['access token', token.json.access_token as string], ['c_nonce', nonce]] as const) {
        // The offending log lines, cut around the value (a readable failure).
        const leaks = logLines.filter((l) => l.includes(value)).map((l) => l.slice(Math.max(0, l.indexOf(value) - 200), l.indexOf(value) + 60));
        expect(leaks, `${name} in the log`).toEqual([]);
      }
    } finally {
      await s.svc.close();
    }
  });
});

describe.skipIf(!pgUp)('OpenID4VCI single use across two servers on one PostgreSQL database', () => {
  const schema = `mc_oid4vci_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  const services: Service[] = [];

  beforeAll(async () => {
    const env = { MICROCRED_KEK: randomBytes(32).toString('base64url'), BASE_URL: `http://${HOST}:${await freePort()}` };
    // Two servers, one database: as behind a load balancer.
    services.push(await start(await openPostgresStorage(PG_URL, { schema }), env));
    services.push(await start(await openPostgresStorage(PG_URL, { schema }), env));
  });
  afterAll(async () => {
    for (const s of services) await s.svc.close();
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  });

  it('concurrent token requests with one pre-authorized code, split over both servers: exactly one succeeds', async () => {
    const [a, b] = services as [Service, Service];
    const admin = a.admin || b.admin;
    const { achievement } = exampleParts();
    expect((await a.call('POST', '/api/v1/achievements', { body: { ...achievement, id: 'data-ethics-101' }, headers: bearer(admin) })).status).toBe(201);
    const uuid = await issueOne(a, admin, 'data-ethics-101');
    for (let round = 0; round < 3; round++) {
      const offer = await makeOffer(a, admin, uuid);
      const code = await codeOf(b, offer);
      const form = { grant_type: GRANT, 'pre-authorized_code': code, tx_code: offer.txCode! };
      const results = await Promise.all([a, b, a, b].map((svc) => svc.call('POST', '/oid4vci/token', { form })));
      expect(results.filter((r) => r.status === 200), JSON.stringify(results.map((r) => r.json))).toHaveLength(1);
      expect(results.filter((r) => r.status === 400 && r.json.error === 'invalid_grant')).toHaveLength(3);
      // The winner's token works on either server, once.
      const token = results.find((r) => r.status === 200)!.json.access_token as string;
      const holder = ed25519DidKeyHolder();
      const proofs = await Promise.all([a, b].map(async (svc) => proofJwt(holder, { audience: a.base, nonce: await nonceFrom(svc) })));
      const issued = await Promise.all([a, b].map((svc, i) => svc.call('POST', '/oid4vci/credential', { body: { credential_configuration_id: CONFIG_ID, proofs: { jwt: [proofs[i]!] } }, headers: bearer(token) })));
      expect(issued.filter((r) => r.status === 200)).toHaveLength(1);
      expect(issued.filter((r) => r.status === 401 && r.json.error === 'invalid_token')).toHaveLength(1);
    }
  });
});

/** A service on SQLite with an Ed25519 key, the example achievement, and one credential issued under it. */
async function ed25519ServiceWithCredential(env: (port: number) => Record<string, string>): Promise<{ s: Service; uuid: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'mc-oid4vci-ed25519-'));
  const s = await start(await openSqliteStorage(join(dir, 'microcred.db')), (port) => ({ KEY_ALG: 'EdDSA', ...env(port) }));
  const { achievement } = exampleParts();
  expect((await s.call('POST', '/api/v1/achievements', { body: { ...achievement, id: 'data-ethics-101' }, headers: bearer(s.admin) })).status).toBe(201);
  return { s, uuid: await issueOne(s, s.admin, 'data-ethics-101') };
}

describe('OpenID4VCI ldp_vc (Data Integrity) from a service with an Ed25519 key', () => {
  let s: Service;
  let uuid: string;
  const fetcher = () => createGuardedFetcher({ allowHttp: true, allowedHosts: [HOST], lookup: async () => [{ address: '127.0.0.1', family: 4 }], cacheTtlMs: 0 });

  beforeAll(async () => {
    ({ s, uuid } = await ed25519ServiceWithCredential(() => ({})));
  });
  afterAll(async () => {
    await s?.svc.close();
  });

  it('the metadata offers ldp_vc next to jwt_vc_json', async () => {
    const meta = await s.call('GET', '/.well-known/openid-credential-issuer');
    const configs = meta.json.credential_configurations_supported as Record<string, { format: string; credential_signing_alg_values_supported: string[] }>;
    expect(configs.OpenBadgeCredential_jwt!.format).toBe('jwt_vc_json');
    expect(configs.OpenBadgeCredential_ldp).toMatchObject({ format: 'ldp_vc', credential_signing_alg_values_supported: ['eddsa-rdfc-2022'] });
  });

  it('a wallet receives the credential as JSON with an eddsa-rdfc-2022 proof, bound to its DID, and it verifies', async () => {
    const offer = await makeOffer(s, s.admin, uuid, { format: 'ldp_vc', txCode: false });
    const doc = await s.call('GET', offer.offerUrl);
    expect(doc.json.credential_configuration_ids).toEqual(['OpenBadgeCredential_ldp']);
    const token = await tokenFor(s, offer);
    expect(token.status, token.text).toBe(200);
    const holder = ed25519DidKeyHolder();
    const jwt = await proofJwt(holder, { audience: s.base, nonce: await nonceFrom(s) });
    const res = await s.call('POST', '/oid4vci/credential', { body: { credential_configuration_id: 'OpenBadgeCredential_ldp', proofs: { jwt: [jwt] } }, headers: bearer(token.json.access_token as string) });
    expect(res.status, res.text).toBe(200);
    const credential = (res.json.credentials as Array<{ credential: Record<string, unknown> }>)[0]!.credential;
    expect(typeof credential).toBe('object');
    expect((credential.proof as Array<Record<string, unknown>>)[0]).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod' });
    expect((credential.credentialSubject as { id: string }).id).toBe(holder.did);
    const report = await verifyCredential(credential, { fetcher: fetcher() });
    expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
    // The verification method is the key's own document on the service, which the issuer id lists;
    // the key is bound to the institution because its JWK Set lists it, as for a JWT's kid.
    const keyId = ((await s.call('GET', '/api/v1/keys', { headers: bearer(s.admin) })).json.items as Array<{ id: string; state: string }>).find((k) => k.state === 'active')!.id;
    expect((credential.proof as Array<{ verificationMethod: string }>)[0]!.verificationMethod).toBe(`${s.base}/keys/${keyId}`);
    expect(report.checks.find((c) => c.check === 'key-binding')).toMatchObject({ status: 'passed', message: expect.stringContaining('/.well-known/jwks.json lists the key') });
    expect(report.format).toBe('data-integrity');
    expect(report.verified).toBe(true);
    // Tampered, the same JSON fails.
    const tampered = await verifyCredential({ ...credential, name: 'Something else' }, { fetcher: fetcher() });
    expect(tampered.verified).toBe(false);
  });

  it('full flow with the third-party client: the ldp_vc configuration gives a Data Integrity credential bound to the wallet that our verifier accepts', async () => {
    const holder = ed25519DidKeyHolder();
    const offer = await makeOffer(s, s.admin, uuid, { format: 'ldp_vc' });
    const credential = (await walletRedeems(s, offer, holder)) as Record<string, unknown>;
    expect(typeof credential).toBe('object');
    expect((credential.proof as Array<Record<string, unknown>>)[0]).toMatchObject({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' });
    expect((credential.credentialSubject as { id: string }).id).toBe(holder.did);
    const report = await verifyCredential(credential, { fetcher: fetcher() });
    expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(report).toMatchObject({ verified: true, format: 'data-integrity' });
    expect((await s.svc.storage.getOffer(offer.id))).toMatchObject({ state: 'redeemed', holderId: holder.did });
  });

  it('the DCC verifier accepts the wallet\'s Data Integrity credential from this https issuer, checks its status, and refuses it tampered or revoked', async () => {
    const credential = (await walletRedeems(s, await makeOffer(s, s.admin, uuid, { format: 'ldp_vc', txCode: false }), ed25519DidKeyHolder())) as Record<string, unknown>;
    const dcc = await dccVerifies(s, credential);
    expect(dcc.errors, JSON.stringify(dcc.errors)).toBeUndefined();
    // It reads status lists only as JSON-LD: asked so, the service serves them with a Data Integrity proof.
    expect(dcc.log).toMatchObject({ valid_signature: true, revocation_status: true });
    expect((await dccVerifies(s, { ...credential, name: 'Advanced Data Ethics' })).errors).toEqual(['invalid_signature']);
    const list = (credential.credentialStatus as Array<{ statusListCredential: string }>)[0]!.statusListCredential;
    const asJsonLd = await fetch(`http://127.0.0.1:${s.port}${new URL(list).pathname}`, { headers: { accept: 'application/ld+json, application/json' } });
    expect([asJsonLd.headers.get('content-type'), asJsonLd.headers.get('vary')]).toEqual([expect.stringMatching(/^application\/ld\+json/), expect.stringMatching(/Accept/)]);
    expect((await asJsonLd.json()) as Record<string, unknown>).toMatchObject({ id: list, type: ['VerifiableCredential', 'BitstringStatusListCredential'], proof: [{ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022' }] });
    expect((await fetch(`http://127.0.0.1:${s.port}${new URL(list).pathname}`)).headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
    // Revoked at the issuer: the DCC verifier says so too, and so does ours.
    expect((await s.call('POST', `/api/v1/credentials/${(credential.id as string).replace('urn:uuid:', '')}/revoke`, { body: { reason: 'issued in error' }, headers: bearer(s.admin) })).status).toBe(200);
    const revoked = await dccVerifies(s, credential);
    expect(revoked.log.revocation_status).toBe(false);
    expect((await verifyCredential(credential, { fetcher: fetcher() })).checks.find((c) => c.check === 'status')).toMatchObject({ status: 'failed', code: 'MC_STATUS_REVOKED' });
  });

  it('plain @digitalbazaar/vc (eddsa-rdfc-2022) verifies it too, reading the key and the issuer id over HTTP, and refuses it tampered', async () => {
    const credential = (await walletRedeems(s, await makeOffer(s, s.admin, uuid, { format: 'ldp_vc', txCode: false }), ed25519DidKeyHolder())) as Record<string, unknown>;
    const fetched: string[] = [];
    const documentLoader = async (url: string) => {
      const context = bundledContexts().get(url);
      if (context) return { contextUrl: null, documentUrl: url, document: context };
      if (!url.startsWith(`${s.base}/`)) throw new Error(`offline test: ${url}`);
      fetched.push(new URL(url).pathname);
      return { contextUrl: null, documentUrl: url, document: (await s.call('GET', url)).json };
    };
    const suite = new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 });
    // Status is this service's business and checked by our verifier; here only the proof and its key's controller.
    const checkStatus = async () => ({ verified: true });
    const ok = await dbVc.verifyCredential({ credential, suite, documentLoader, checkStatus });
    expect(ok.verified, JSON.stringify(ok.error ?? ok.results)).toBe(true);
    expect(fetched.sort()).toEqual(['/issuer', new URL((credential.proof as Array<{ verificationMethod: string }>)[0]!.verificationMethod).pathname].sort());
    const bad = await dbVc.verifyCredential({ credential: { ...credential, name: 'Advanced Data Ethics' }, suite, documentLoader, checkStatus });
    expect(bad.verified).toBe(false);
  });

  it('the issuer id is the controller document of its keys: /issuer lists /keys/<id>, a Multikey document, and still expands as JSON-LD', async () => {
    const keyId = ((await s.call('GET', '/api/v1/keys', { headers: bearer(s.admin) })).json.items as Array<{ id: string; state: string }>).find((k) => k.state === 'active')!.id;
    const profile = await s.call('GET', '/issuer');
    expect(profile.headers.get('content-type')).toMatch(/^application\/ld\+json/);
    expect(profile.json).toMatchObject({ id: `${s.base}/issuer`, type: ['Profile'], assertionMethod: [`${s.base}/keys/${keyId}`] });
    const method = await s.call('GET', `/keys/${keyId}`);
    expect(method.headers.get('access-control-allow-origin')).toBe('*');
    const jwk = ((await s.call('GET', '/.well-known/jwks.json')).json.keys as Array<{ kid: string; x: string }>).find((k) => k.kid === `${s.base}/keys/${keyId}.jwk`)!;
    expect(method.json).toEqual({ '@context': 'https://w3id.org/security/multikey/v1', id: `${s.base}/keys/${keyId}`, type: 'Multikey', controller: `${s.base}/issuer`, publicKeyMultibase: expect.stringMatching(/^z6Mk/) });
    expect(jwkFromMultikey(method.json.publicKeyMultibase as string)).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: jwk.x });
    // The added term breaks no context: the Profile expands, with assertionMethod in the security vocabulary.
    const loader = async (url: string) => ({ contextUrl: null, documentUrl: url, document: bundledContexts().get(url) ?? (() => { throw new Error(`offline test: ${url}`); })() });
    const expanded = (await jsonld.expand(profile.json as jsonld.JsonLdDocument, { documentLoader: loader as never, safe: true } as jsonld.Options.Expand)) as unknown as Array<Record<string, unknown>>;
    expect(expanded[0]!['https://w3id.org/security#assertionMethod']).toEqual([{ '@id': `${s.base}/keys/${keyId}` }]);
    const unknown = await s.call('GET', `/keys/${'A'.repeat(43)}`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it.skipIf(!requireShared('the issuer Profile against the official OB 3.0 Profile schema'))('with its controller members, /issuer still validates against the official OB 3.0 Profile schema', async () => {
    const ajv = new Ajv2019({ allErrors: true, strict: false });
    // ajv-formats is CommonJS: its function is the default export's default under ESM.
    ((addFormatsModule as unknown as { default?: (a: Ajv2019) => void }).default ?? (addFormatsModule as unknown as (a: Ajv2019) => void))(ajv);
    const validate = ajv.compile(readSharedJson('spec/ob3/schema/json/profile.json') as object);
    const profile = (await s.call('GET', '/issuer')).json;
    expect(profile.assertionMethod).toBeDefined();
    validate(profile);
    expect(ajv.errorsText(validate.errors)).toBe('No errors');
  });

  it('an ldp_vc access token cannot fetch the jwt_vc_json configuration', async () => {
    const offer = await makeOffer(s, s.admin, uuid, { format: 'ldp_vc', txCode: false });
    const token = await tokenFor(s, offer);
    const holder = ed25519DidKeyHolder();
    const jwt = await proofJwt(holder, { audience: s.base, nonce: await nonceFrom(s) });
    const res = await s.call('POST', '/oid4vci/credential', { body: { credential_configuration_id: 'OpenBadgeCredential_jwt', proofs: { jwt: [jwt] } }, headers: bearer(token.json.access_token as string) });
    expect(res.status).toBe(400);
    expect(res.json.error).toBe('invalid_credential_request');
  });

  it('a draft-13 request by format gets the ldp_vc credential in the draft response shape', async () => {
    const offer = await makeOffer(s, s.admin, uuid, { format: 'ldp_vc', txCode: false });
    const token = await tokenFor(s, offer);
    const holder = ed25519DidKeyHolder();
    const jwt = await proofJwt(holder, { audience: s.base, nonce: token.json.c_nonce as string });
    const res = await s.call('POST', '/oid4vci/credential', { body: { format: 'ldp_vc', credential_definition: { type: ['VerifiableCredential', 'OpenBadgeCredential'] }, proof: { proof_type: 'jwt', jwt } }, headers: bearer(token.json.access_token as string) });
    expect(res.status, res.text).toBe(200);
    expect(res.json.format).toBe('ldp_vc');
    expect(typeof res.json.credential).toBe('object');
  });

  it('after the key is compromised, its Data Integrity credentials stop verifying, as its VC-JWTs do', async () => {
    const credential = (await walletRedeems(s, await makeOffer(s, s.admin, uuid, { format: 'ldp_vc', txCode: false }), ed25519DidKeyHolder())) as Record<string, unknown>;
    expect((await verifyCredential(credential, { fetcher: fetcher() })).verified).toBe(true);
    const keys = (await s.call('GET', '/api/v1/keys', { headers: bearer(s.admin) })).json.items as Array<{ id: string; state: string }>;
    const old = keys.find((k) => k.state === 'active')!;
    expect((await dccVerifies(s, credential)).errors).toBeUndefined();
    expect((await s.call('POST', '/api/v1/keys/rotate', { body: {}, headers: bearer(s.admin) })).status).toBe(201);
    expect((await verifyCredential(credential, { fetcher: fetcher() })).verified).toBe(true); // retired: still valid for what it signed
    expect((await s.call('POST', `/api/v1/keys/${old.id}/compromise`, { body: {}, headers: bearer(s.admin) })).status).toBe(200);
    const report = await verifyCredential(credential, { fetcher: fetcher() });
    expect(report.verified).toBe(false);
    expect(report.checks.find((c) => c.check === 'key-resolution')).toMatchObject({ status: 'failed', code: 'MC_KEY_COMPROMISED' });
    // The key's document is marked revoked and the issuer id no longer lists it: the DCC verifier refuses it too.
    const method = (await s.call('GET', `/keys/${old.id}`)).json;
    expect(typeof method.revoked).toBe('string');
    expect((await s.call('GET', '/issuer')).json.assertionMethod).not.toContain(`${s.base}/keys/${old.id}`);
    expect((await dccVerifies(s, credential)).errors).toEqual(['invalid_signature']);
  });
});

/**
 * The DCC's verifier (@digitalcredentials/verifier-core, what its Learner Credential Wallet uses)
 * on a credential, offline: its fetches of this service's host (http or https) go to loopback,
 * contexts come from our bundle, and nothing else is reached but the credential's schemas (its
 * schema check, which reports and does not fail). Errors by name, the log as id → valid.
 */
async function dccVerifies(s: Service, credential: Record<string, unknown>): Promise<{ errors?: string[]; log: Record<string, boolean | undefined> }> {
  const realFetch = globalThis.fetch;
  const outside: string[] = [];
  const spy = vi.spyOn(globalThis, 'fetch').mockImplementation(async (input: string | URL | Request, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const local = /^https?:\/\/issuer\.test:(\d+)(\/.*)$/.exec(url);
    // A Request carries its own headers (the DCC's Accept among them): keep them on the way to loopback.
    if (local && Number(local[1]) === s.port) return realFetch(`http://127.0.0.1:${s.port}${local[2]}`, input instanceof Request ? { method: input.method, headers: input.headers } : init);
    const context = bundledContexts().get(url);
    if (context) return new Response(JSON.stringify(context), { status: 200, headers: { 'content-type': 'application/ld+json' } });
    outside.push(url);
    throw new TypeError(`offline test: ${url}`);
  });
  const quiet = [vi.spyOn(console, 'error').mockImplementation(() => undefined), vi.spyOn(console, 'log').mockImplementation(() => undefined)];
  try {
    const { verifyCredential: dccVerify } = await import('@digitalcredentials/verifier-core');
    const r = (await dccVerify({ credential: credential as never, knownDIDRegistries: [] })) as { errors?: Array<{ name: string }>; log?: Array<{ id: string; valid?: boolean }> };
    const schemas = (credential.credentialSchema as Array<{ id: string }>).map((c) => c.id);
    expect(outside.filter((u) => !schemas.includes(u))).toEqual([]);
    return { ...(r.errors ? { errors: r.errors.map((e) => e.name) } : {}), log: Object.fromEntries((r.log ?? []).map((l) => [l.id, l.valid])) };
  } finally {
    spy.mockRestore();
    for (const q of quiet) q.mockRestore();
  }
}

describe('OpenID4VCI ldp_vc from a did:web issuer, in the DCC verifier', () => {
  // A JSON-LD verifier checks that the issuer controls the verification method. Under a did:web
  // issuer id the method is a DID URL of that DID, so any verifier with a did:web resolver can
  // check the proof; here the DCC's @digitalcredentials/verifier-core (what its Learner Credential
  // Wallet uses), its https reaching this service through a fetch that maps the host to loopback.
  let s: Service;
  let uuid: string;

  beforeAll(async () => {
    ({ s, uuid } = await ed25519ServiceWithCredential((port) => ({ ISSUER_ID: `did:web:${HOST}%3A${port}` })));
  });
  afterAll(async () => {
    await s?.svc.close();
  });

  it('the wallet\'s Data Integrity credential verifies there, and tampered it does not', async () => {
    const holder = ed25519DidKeyHolder();
    const offer = await makeOffer(s, s.admin, uuid, { format: 'ldp_vc' });
    const credential = (await walletRedeems(s, offer, holder)) as Record<string, unknown>;
    const did = `did:web:${HOST}%3A${s.port}`;
    expect((credential.issuer as { id: string }).id).toBe(did);
    expect((credential.proof as Array<{ verificationMethod: string }>)[0]!.verificationMethod.startsWith(`${did}#`)).toBe(true);

    const dcc = await dccVerifies(s, credential);
    expect(dcc.errors, JSON.stringify(dcc.errors)).toBeUndefined();
    expect(dcc.log).toMatchObject({ valid_signature: true });
    expect((await dccVerifies(s, { ...credential, name: 'Advanced Data Ethics' })).errors).toEqual(['invalid_signature']);
  });
});

describe('OpenID4VCI ldp_vc needs an Ed25519 service key', () => {
  it('an ES256 service refuses an ldp_vc offer with a clear problem and does not list it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-oid4vci-es-'));
    const s = await start(await openSqliteStorage(join(dir, 'microcred.db')));
    try {
      const { achievement } = exampleParts();
      await s.call('POST', '/api/v1/achievements', { body: { ...achievement, id: 'a1' }, headers: bearer(s.admin) });
      const uuid = await issueOne(s, s.admin, 'a1');
      const res = await s.call('POST', `/api/v1/credentials/${uuid}/offers`, { body: { format: 'ldp_vc' }, headers: bearer(s.admin) });
      expect(res.status).toBe(409);
      expect(res.json.code).toBe('MC_FORMAT_UNAVAILABLE');
      const meta = await s.call('GET', '/.well-known/openid-credential-issuer');
      expect(Object.keys(meta.json.credential_configurations_supported as object)).toEqual(['OpenBadgeCredential_jwt']);
    } finally {
      await s.svc.close();
    }
  });
});
