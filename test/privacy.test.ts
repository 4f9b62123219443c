/**
 * Privacy and key hygiene of the issuer service (issue #9), end to end over HTTP:
 *
 * - the service's structured log (pino, captured at trace level) during a run that issues with a
 *   plaintext email, authenticates with bearer tokens, opens the verification page with the
 *   employer's recipient check, fails requests and revokes, contains neither the email, nor the
 *   APAAR id, nor a bearer secret, nor private key material, nor the key-encryption key;
 * - no response (body or header) of that run carries private key material or the KEK;
 * - recipient identifiers are salted and hashed in the credential;
 * - status indexes are drawn at random over the whole list (herd privacy).
 *
 * That the verification pages load nothing from third parties is tested in a real browser in
 * test/employer.test.ts ("a valid credential shows Verified with what it certifies, and loads
 * nothing from elsewhere"); here only the page's CSP and markup are checked.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { issueCredential, issuerIdentifiersForKey, signStatusListCredential } from '../src/issuer/index.js';
import { verifyCredential } from '../src/verifier/index.js';
import { createRemoteSigner, derToJose, startFakeKms } from './adversarial/remote-signer.js';
import { baseRequest, offlineFetcher } from './helpers/tokens.js';
import { startVerifierService } from '../src/server/verifier-app.js';
import { bearer, exampleParts, startIssuer, type ApiResponse, type IssuerHarness } from './adversarial/harness.js';

const EMAIL = 'priya.sharma@student.example.in';
const APAAR = '123456789012';
const EMPLOYER_TYPED = 'candidate.private@example.org';

const logLines: string[] = [];
const responses: Array<{ path: string; r: ApiResponse }> = [];
let h: IssuerHarness;
let secrets: string[] = [];
let issued: Array<{ uuid: string; jwt: string; verificationUrl: string; credential: Record<string, unknown> }> = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  let last = '';
  h = await startIssuer({ log: pino({ level: 'trace' }, sink), onResponse: (r) => responses.push({ path: last, r }) });
  const api = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
    last = `${method} ${path}`;
    return h.api(method, path, body, headers);
  };
  secrets = [h.admin, h.tokens.issue, h.tokens.revoke];

  // A run that touches every kind of sensitive value.
  const { issue } = exampleParts();
  for (let i = 0; i < 3; i++) {
    const r = await api('POST', '/api/v1/credentials', { ...issue, achievementId: h.achievementId }, { ...bearer(h.tokens.issue), 'idempotency-key': `privacy-${i}` });
    expect(r.status, r.text).toBe(201);
    issued.push({ uuid: (r.json.id as string).replace('urn:uuid:', ''), jwt: r.json.jwt as string, verificationUrl: r.json.verificationUrl as string, credential: r.json.credential as Record<string, unknown> });
  }
  const [a, b] = issued as [(typeof issued)[0], (typeof issued)[0]];
  const created = await api('POST', '/api/v1/tokens', { scopes: ['issue'], label: 'created in the privacy run' }, bearer(h.admin));
  secrets.push(created.json.token as string);
  await api('GET', '/api/v1/credentials?limit=5', undefined, bearer(created.json.token as string));
  // A registrar's learner search: the email and APAAR id travel in the query string, and find the credentials.
  expect((await api('GET', `/api/v1/credentials?learner=${encodeURIComponent(EMAIL)}`, undefined, bearer(h.tokens.issue))).json.total).toBe(issued.length);
  expect((await api('GET', `/api/v1/credentials?learner=${APAAR}`, undefined, bearer(h.tokens.issue))).json.total).toBe(issued.length);
  await api('GET', `/api/v1/credentials/${a.uuid}`, undefined, { accept: 'application/vc+ld+json' });
  await api('GET', `/api/v1/credentials/${a.uuid}.jwt`);
  await api('GET', `/api/v1/credentials/${a.uuid}/status`, undefined, bearer(h.tokens.issue));
  const page = new URL(a.verificationUrl).pathname;
  await api('GET', `${page}?recipient=${encodeURIComponent(EMAIL)}&type=emailAddress`);
  await api('GET', `${page}?recipient=${encodeURIComponent(EMPLOYER_TYPED)}`);
  await api('POST', '/api/v1/verify', { credential: a.jwt, recipient: { identityType: 'emailAddress', identifier: EMAIL } });
  await api('POST', '/verify', `credential=${encodeURIComponent(a.jwt)}`, { 'content-type': 'application/x-www-form-urlencoded' });
  // Failures: a wrong token, a malformed body carrying the email, an invalid issuance echoing it.
  await api('GET', '/api/v1/credentials', undefined, bearer(`${h.admin.slice(0, -4)}AAAA`));
  await api('POST', '/api/v1/credentials', `{"credentialSubject":{"identifier":[{"identifier":"${EMAIL}"`, { ...bearer(h.tokens.issue), 'content-type': 'application/json' });
  await api('POST', '/api/v1/credentials', { ...issue, achievementId: h.achievementId, credentialSubject: { identifier: [{ identityType: 'emailAddress', identifier: EMAIL }], creditsEarned: 99 } }, bearer(h.tokens.issue));
  await api('POST', '/api/v1/credentials', { achievementId: 'no-such', credentialSubject: { identifier: [{ identityType: 'emailAddress', identifier: EMAIL }] } }, bearer(h.tokens.issue));
  // Revocation and suspension, keys and the public documents.
  expect((await api('POST', `/api/v1/credentials/${a.uuid}/revoke`, { reason: `complaint by ${EMAIL}` }, bearer(h.tokens.revoke))).status).toBe(200);
  expect((await api('POST', `/api/v1/credentials/${b.uuid}/suspend`, { reason: 'investigation' }, bearer(h.tokens.revoke))).status).toBe(200);
  await api('GET', '/api/v1/audit?limit=100', undefined, bearer(h.admin));
  await api('GET', '/api/v1/keys', undefined, bearer(h.admin));
  await api('POST', '/api/v1/keys/rotate', {}, bearer(h.admin));
  await api('GET', '/.well-known/jwks.json');
  await api('GET', '/.well-known/did.json');
  const list = (a.credential.credentialStatus as Array<{ statusListCredential: string }>)[0]!.statusListCredential;
  await api('GET', new URL(list).pathname);
  await api('GET', '/openapi.json');
  await api('GET', '/issuer');
  const keyId = ((await api('GET', '/api/v1/keys', undefined, bearer(h.admin))).json.items as Array<{ id: string }>)[0]!.id;
  await api('GET', `/keys/${keyId}`);
  await api('GET', `/keys/${keyId}.jwk`);
  await api('GET', '/no/such/route');
}, 60_000);

afterAll(() => h?.close());

describe('logs', () => {
  it('the run was logged (requests at info, so the checks below look at something)', () => {
    expect(logLines.length).toBeGreaterThan(20);
    expect(logLines.some((l) => l.includes('/api/v1/credentials'))).toBe(true);
  });

  /** The log lines containing `needle`, cut around it (readable failures). */
  const linesWith = (needle: string) =>
    logLines.filter((l) => l.includes(needle)).map((l) => {
      const i = l.indexOf(needle);
      return l.slice(Math.max(0, i - 120), i + needle.length + 40);
    });

  it('contain no personal data: neither the learner email nor the APAAR id, nor what an employer typed', () => {
    for (const needle of [EMAIL, encodeURIComponent(EMAIL), APAAR, EMPLOYER_TYPED, encodeURIComponent(EMPLOYER_TYPED)]) expect(linesWith(needle), needle).toEqual([]);
  });

  it('contain no bearer secret (not even the refused one), no Idempotency-Key and no credential', () => {
    const log = logLines.join('\n');
    expect(linesWith('privacy-0')).toEqual([]);
    for (const s of secrets) expect(log).not.toContain(s);
    expect(log).not.toContain(h.admin.slice(3, -4));
    for (const c of issued) expect(log).not.toContain(c.jwt.split('.')[2]);
  });

  it('contain no private key material and not the key-encryption key', () => {
    const log = logLines.join('\n');
    expect(log).not.toMatch(/"d"\s*:/);
    expect(log).not.toContain(h.kek);
  });
});

describe('responses', () => {
  it('no response body or header carries private key material or the KEK', () => {
    expect(responses.length).toBeGreaterThan(25);
    for (const { path, r } of responses) {
      const lines: string[] = [];
      r.headers.forEach((v, k) => lines.push(`${k}: ${v}`));
      const headers = lines.join('\n');
      expect(r.text, path).not.toMatch(/"d"\s*:/);
      expect(r.text, path).not.toContain(h.kek);
      expect(headers, path).not.toMatch(/"d"\s*:/);
      expect(headers, path).not.toContain(h.kek);
    }
  });

  it('the JWKS and the keys endpoint publish public keys only', () => {
    for (const { path, r } of responses.filter((x) => /jwks|\/keys/.test(x.path) && x.r.status === 200)) {
      // A JWK Set, the admin key list, or one key's Multikey document (/keys/<id>).
      const keys = ((r.json.keys ?? r.json.items ?? [r.json]) as Array<Record<string, unknown>>).map((k) => (k.publicJwk ?? k) as Record<string, unknown>);
      expect(keys.length, path).toBeGreaterThan(0);
      for (const k of keys) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'secretKeyMultibase']) expect(k, path).not.toHaveProperty(member);
    }
  });

  it('recipient identifiers are salted and hashed in the issued credential (the email is in no response about it)', () => {
    for (const c of issued) {
      const text = JSON.stringify(c.credential);
      expect(text).not.toContain(EMAIL);
      expect(text).not.toContain(APAAR);
      const ids = (c.credential.credentialSubject as { identifier: Array<Record<string, unknown>> }).identifier;
      for (const id of ids) expect(id).toMatchObject({ hashed: true, identityHash: expect.stringMatching(/^sha256\$[0-9a-f]{64}$/), salt: expect.any(String) });
    }
    for (const { path, r } of responses.filter((x) => /^GET \/(api\/v1\/credentials|status|\.well-known)/.test(x.path))) expect(r.text, path).not.toContain(EMAIL);
  });

  it('the verification page loads nothing from elsewhere: a same-origin CSP and no third-party URLs in its markup', async () => {
    const page = await h.api('GET', new URL(issued[0]!.verificationUrl).pathname);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    // What the page loads (scripts, images, styles, frames) or posts to; plain <a href> links (evidence) are only followed by a click.
    const loaded = [...page.text.matchAll(/(?:\ssrc|\saction|<link[^>]*\shref)="([^"]*)"/g)].map((m) => m[1]!);
    expect(loaded.length).toBeGreaterThan(0);
    expect(loaded.filter((u) => /^(https?:)?\/\//.test(u) && !u.startsWith(h.base))).toEqual([]);
  });
});

describe('the verifier-only service', () => {
  it('logs neither the credential nor the recipient identifier it was asked to match', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const v = await startVerifierService(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'trace', RATE_LIMIT_PER_MINUTE: '1000' }), { log: pino({ level: 'trace' }, sink), fetcher: h.fetcher });
    try {
      const jwt = issued[2]!.jwt; // [0] is revoked, [1] suspended
      const r = await fetch(`${v.url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credential: jwt, recipient: { identityType: 'emailAddress', identifier: EMAIL } }) });
      expect(((await r.json()) as { recipientMatches: boolean }).recipientMatches).toBe(true);
      await fetch(`${v.url}/verify?recipient=${encodeURIComponent(EMAIL)}`);
      await fetch(`${v.url}/verify`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `credential=${encodeURIComponent(jwt)}` });
      const log = lines.join('');
      expect(log).toContain('/api/v1/verify');
      expect(log).not.toContain(EMAIL);
      expect(log).not.toContain(encodeURIComponent(EMAIL));
      expect(log).not.toContain(jwt.split('.')[2]!);
    } finally {
      await v.close();
    }
  });
});

describe('keys: signing goes through the Signer interface', () => {
  it('a Signer backed by an external signing service (a stand-in KMS: digest in, DER out) issues credentials that verify; no private key in the issuing process', async () => {
    const kms = await startFakeKms();
    try {
      const signer = await createRemoteSigner({ endpoint: kms.endpoint, keyId: kms.keyId, kid: (jwk) => issuerIdentifiersForKey(jwk)[0]!.kid });
      const issuerId = signer.kid.split('#')[0]!;
      expect(JSON.stringify(signer)).not.toMatch(/"d"\s*:/);
      expect(signer.signSync).toBeUndefined();
      const { jwt } = await issueCredential(baseRequest(), { signer, issuerId });
      const list = await signStatusListCredential({ issuerId, url: 'https://issuer.example/status/1/revocation', purpose: 'revocation', size: 131_072, setIndexes: [], now: new Date() }, signer);
      expect(kms.signatures()).toBe(2);
      const report = await verifyCredential(jwt, { fetcher: offlineFetcher });
      expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
      expect(report.verified).toBe(true);
      expect(list.split('.')).toHaveLength(3);
    } finally {
      await kms.close();
    }
  });

  it('derToJose: DER with and without sign bytes and short integers gives 64-byte r||s', () => {
    const der = Buffer.from('3006020100020101', 'hex'); // r = 0, s = 1
    expect(Buffer.from(derToJose(der)).toString('hex')).toBe('00'.repeat(32) + '00'.repeat(31) + '01');
    const big = Buffer.concat([Buffer.from('3046022100', 'hex'), Buffer.alloc(32, 0xff), Buffer.from('022100', 'hex'), Buffer.alloc(32, 0x80)]);
    expect(Buffer.from(derToJose(big)).toString('hex')).toBe('ff'.repeat(32) + '80'.repeat(32));
  });
});

describe('herd privacy of status lists', () => {
  it('200 credentials get distinct, random indexes spread over the whole 131072-entry list', async () => {
    const { issue } = exampleParts();
    for (let batch = 0; batch < 20; batch++) {
      const rs = await Promise.all(Array.from({ length: 10 }, () => h.api('POST', '/api/v1/credentials', { ...issue, achievementId: h.achievementId }, bearer(h.tokens.issue))));
      for (const r of rs) expect(r.status).toBe(201);
    }
    const page = await h.svc.storage.listCredentials({ limit: 1000, offset: 0 });
    const indexes = page.items.map((c) => c.statusIndex);
    expect(indexes.length).toBeGreaterThanOrEqual(200);
    expect(new Set(indexes).size).toBe(indexes.length);
    const size = h.config.statusListSize;
    expect(size).toBe(131_072);
    const sorted = [...indexes].sort((x, y) => x - y);
    // Spread: the issued indexes span more than half of the list.
    expect((sorted.at(-1)! - sorted[0]!) / size).toBeGreaterThan(0.5);
    // Not sequential: issue order says nothing about the index (few neighbours in issue order).
    const byIssue = [...page.items].sort((x, y) => x.issuedAt.localeCompare(y.issuedAt)).map((c) => c.statusIndex);
    const adjacent = byIssue.slice(1).filter((v, i) => Math.abs(v - byIssue[i]!) <= 1).length;
    expect(adjacent).toBeLessThan(5);
    // Roughly uniform: every eighth of the list holds some of them (expected 25 each).
    const buckets = Array.from({ length: 8 }, (_, i) => indexes.filter((x) => Math.floor((x / size) * 8) === i).length);
    for (const n of buckets) expect(n).toBeGreaterThanOrEqual(5);
  }, 60_000);
});
