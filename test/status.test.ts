/**
 * Bitstring Status List: the codec, and the verifier's status checker end to end. Credentials
 * are issued with real keys; their status lists are signed in the test and served over real
 * HTTP on loopback, reached through the guarded fetcher under a fake host name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { BitstringError, decodeBitstring, encodeBitstring, MIN_LIST_SIZE, readStatus } from '../src/status/bitstring.js';
import { buildStatusListCredential, generateKey, issueCredential, jwtPayload, signJwtPayload, signStatusListCredential, statusEntries, type IssuanceRequest } from '../src/issuer/index.js';
import { createGuardedFetcher, verifyCredential, type ResourceFetcher, type VerificationReport } from '../src/verifier/index.js';
import { baseRequest, checkOf, keyFor, signerFor } from './helpers/tokens.js';
import { freePort } from './helpers/net.js';

// ---------------------------------------------------------------------------------------------
// Codec
// ---------------------------------------------------------------------------------------------

describe('bitstring codec', () => {
  it('round-trips: set indexes read 1, every other index reads 0', () => {
    const set = [0, 1, 7, 8, 4095, 65_536, 131_071];
    const bits = decodeBitstring(encodeBitstring(MIN_LIST_SIZE, set));
    expect(bits.length).toBe(MIN_LIST_SIZE / 8);
    for (const i of set) expect(readStatus(bits, i), `index ${i}`).toBe(1);
    let ones = 0;
    for (let i = 0; i < MIN_LIST_SIZE; i++) ones += readStatus(bits, i);
    expect(ones).toBe(set.length);
  });

  it('is multibase base64url (u prefix) of GZIP; index 0 is the most significant bit of byte 0', () => {
    const encoded = encodeBitstring(24, [0, 9, 23]);
    expect(encoded.startsWith('u')).toBe(true);
    expect(encoded.slice(1)).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
    const raw = gunzipSync(Buffer.from(encoded.slice(1), 'base64url'));
    expect([...raw]).toEqual([0b1000_0000, 0b0100_0000, 0b0000_0001]);
  });

  it('refuses bad sizes and indexes when encoding', () => {
    expect(() => encodeBitstring(12, [])).toThrow(RangeError);
    expect(() => encodeBitstring(0, [])).toThrow(RangeError);
    expect(() => encodeBitstring(16, [16])).toThrow(RangeError);
    expect(() => encodeBitstring(16, [-1])).toThrow(RangeError);
    expect(() => encodeBitstring(16, [1.5])).toThrow(RangeError);
  });

  it('readStatus outside the list throws BitstringError', () => {
    const bits = decodeBitstring(encodeBitstring(16, [15]));
    expect(readStatus(bits, 15)).toBe(1);
    expect(() => readStatus(bits, 16)).toThrow(BitstringError);
    expect(() => readStatus(bits, 1_000_000)).toThrow(BitstringError);
    expect(() => readStatus(bits, -1)).toThrow(BitstringError);
  });

  it('refuses values that are not multibase base64url GZIP', () => {
    expect(() => decodeBitstring(42)).toThrow(BitstringError);
    expect(() => decodeBitstring('zABC')).toThrow(BitstringError); // base58btc multibase
    expect(() => decodeBitstring(encodeBitstring(16, []).slice(1))).toThrow(BitstringError); // no prefix
    expect(() => decodeBitstring('u' + Buffer.from('not gzip at all').toString('base64url'))).toThrow(BitstringError);
  });

  it('refuses a gzip bomb (100 MB of zeros) without inflating it', async () => {
    const bomb = 'u' + (await gzipZeros(100 * 1024 * 1024)).toString('base64url');
    expect(bomb.length).toBeLessThan(200_000); // ~100 KB compressed: small enough to be served
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    expect(() => decodeBitstring(bomb)).toThrow(BitstringError);
    expect(performance.now() - t0).toBeLessThan(2_000);
    // Inflation stops at the 16 MiB cap: nothing near 100 MB is retained.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(50 * 1024 * 1024);
  });

  it('accepts a list of exactly 16 MiB decompressed, refuses one byte more', async () => {
    const cap = 16 * 1024 * 1024;
    expect(decodeBitstring('u' + (await gzipZeros(cap)).toString('base64url')).length).toBe(cap);
    expect(() => decodeBitstring('u' + gzipSync(Buffer.alloc(cap + 1)).toString('base64url'))).toThrow(BitstringError);
  });
});

/** GZIP of `n` zero bytes, streamed from a small buffer so the test never holds `n` bytes. */
async function gzipZeros(n: number): Promise<Buffer> {
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    gz.once('end', resolve);
    gz.once('error', reject);
  });
  const chunk = Buffer.alloc(1024 * 1024);
  for (let left = n; left > 0; left -= chunk.length) {
    const part = left >= chunk.length ? chunk : chunk.subarray(0, left);
    if (!gz.write(part)) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}


// ---------------------------------------------------------------------------------------------
// A tiny list server on loopback
// ---------------------------------------------------------------------------------------------

interface Route {
  status?: number;
  body: string;
  type?: string;
  headers?: Record<string, string>;
}

const HOST = 'status.test';
const DOWN_HOST = 'down.test';
const lookup = async () => [{ address: '127.0.0.1', family: 4 as const }];

let server: Server;
let port: number;
let downPort: number;
const routes = new Map<string, Route>();
const hits = new Map<string, number>();

beforeAll(async () => {
  server = createHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const r = routes.get(path);
    if (!r) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(r.status ?? 200, { 'content-type': r.type ?? 'application/vc+jwt', 'cache-control': 'no-store', ...r.headers }).end(r.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
  downPort = await freePort(); // nothing listens there
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

// ---------------------------------------------------------------------------------------------
// Checker, end to end
// ---------------------------------------------------------------------------------------------

const issuerKey = keyFor('ES256');
const issuer = signerFor(issuerKey);
const otherKey = generateKey('ES256');
const other = signerFor(otherKey);

const fetcher = (): ResourceFetcher => createGuardedFetcher({ allowHttp: true, allowedHosts: [HOST, DOWN_HOST], lookup, cacheTtlMs: 0 });
const listBase = (name: string, host = HOST, p = port) => `http://${host}:${p}/lists/${name}`;
const pathOf = (url: string) => new URL(url).pathname;

/** Issue a real credential (did:key issuer) carrying the given status entries. */
async function issueWithStatus(credentialStatus: IssuanceRequest['credentialStatus'], extra: Partial<IssuanceRequest> = {}) {
  const request: IssuanceRequest = { ...baseRequest(), ...extra, ...(credentialStatus !== undefined ? { credentialStatus } : {}) };
  return issueCredential(request, { signer: issuer.signer });
}

/** Sign and serve a list for one purpose at `${base}/${purpose}`. */
async function serveList(base: string, purpose: 'revocation' | 'suspension', setIndexes: number[] = [], opts: { signer?: typeof issuer; listPurpose?: 'revocation' | 'suspension'; size?: number; headers?: Record<string, string> } = {}) {
  const s = opts.signer ?? issuer;
  const url = `${base}/${purpose}`;
  const jwt = await signStatusListCredential({ issuerId: s.issuerId, url, purpose: opts.listPurpose ?? purpose, size: opts.size ?? MIN_LIST_SIZE, setIndexes, now: new Date() }, s.signer);
  routes.set(pathOf(url), { body: jwt, ...(opts.headers ? { headers: opts.headers } : {}) });
  return jwt;
}

async function serveBoth(base: string, revoked: number[] = [], suspended: number[] = []) {
  await serveList(base, 'revocation', revoked);
  await serveList(base, 'suspension', suspended);
}

const verify = (jwt: string, options: Parameters<typeof verifyCredential>[1] = {}): Promise<VerificationReport> => verifyCredential(jwt, { fetcher: fetcher(), ...options });
const statusOf = (r: VerificationReport) => checkOf(r, 'status');

describe('status checker (BitstringStatusListEntry), lists over HTTP', () => {
  it('a credential that is neither revoked nor suspended passes, and verifies overall', async () => {
    const base = listBase('clean');
    await serveBoth(base, [5, 6], [5, 6]); // other entries are set, ours is not
    const { jwt } = await issueWithStatus(statusEntries(base, 7));
    const r = await verify(jwt);
    expect(r.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(r.verified).toBe(true);
    expect(statusOf(r)).toMatchObject({ status: 'passed' });
    expect(statusOf(r).message).toMatch(/not revoked/);
    expect(statusOf(r).message).toMatch(/not suspended/);
  });

  it('the revocation bit set: MC_STATUS_REVOKED', async () => {
    const base = listBase('revoked');
    await serveBoth(base, [42], []);
    const { jwt } = await issueWithStatus(statusEntries(base, 42));
    const r = await verify(jwt);
    expect(r.verified).toBe(false);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_REVOKED' });
  });

  it('the suspension bit set: MC_STATUS_SUSPENDED', async () => {
    const base = listBase('suspended');
    await serveBoth(base, [], [131_071]);
    const { jwt } = await issueWithStatus(statusEntries(base, 131_071));
    const r = await verify(jwt);
    expect(r.verified).toBe(false);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_SUSPENDED' });
  });

  it('revoked and suspended at once: revocation is the verdict', async () => {
    const base = listBase('both');
    await serveBoth(base, [3], [3]);
    const { jwt } = await issueWithStatus(statusEntries(base, 3));
    expect(statusOf(await verify(jwt))).toMatchObject({ code: 'MC_STATUS_REVOKED' });
  });

  it('a list signed by another key and issuer: MC_STATUS_LIST_INVALID (it says nothing about this credential)', async () => {
    const base = listBase('other-issuer');
    await serveList(base, 'revocation', [], { signer: other });
    await serveList(base, 'suspension', [], { signer: other });
    const { jwt } = await issueWithStatus(statusEntries(base, 1));
    const r = await verify(jwt);
    expect(r.verified).toBe(false);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
    expect(statusOf(r).message).toContain(other.issuerId);
  });

  it("a list claiming the credential's issuer but signed with another key: MC_STATUS_LIST_INVALID", async () => {
    const base = listBase('impostor');
    for (const purpose of ['revocation', 'suspension'] as const) {
      const url = `${base}/${purpose}`;
      // The impostor names the real issuer but signs with its own did:key.
      const jwt = await signStatusListCredential({ issuerId: issuer.issuerId, url, purpose, size: MIN_LIST_SIZE, setIndexes: [], now: new Date() }, other.signer);
      routes.set(pathOf(url), { body: jwt });
    }
    const { jwt } = await issueWithStatus(statusEntries(base, 1));
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
    expect(statusOf(r).message).toMatch(/does not verify/);
  });

  it("a 'suspension' list served at the revocation URL: MC_STATUS_LIST_INVALID", async () => {
    const base = listBase('purpose-swap');
    await serveList(base, 'revocation', [], { listPurpose: 'suspension' });
    await serveList(base, 'suspension', []);
    const { jwt } = await issueWithStatus(statusEntries(base, 9));
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
    expect(statusOf(r).message).toMatch(/"suspension", not revocation/);
  });

  it('a list below 131072 entries is refused (no herd privacy): MC_STATUS_LIST_INVALID', async () => {
    const base = listBase('small');
    await serveList(base, 'revocation', [], { size: 8192 });
    await serveList(base, 'suspension', [], { size: 8192 });
    const { jwt } = await issueWithStatus(statusEntries(base, 1));
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
    expect(statusOf(r).message).toMatch(/8192 entries, fewer than the 131072/);
  });

  it('an index beyond the end of the list: MC_STATUS_LIST_INVALID, not "not revoked"', async () => {
    const base = listBase('short-index');
    await serveBoth(base);
    const { jwt } = await issueWithStatus(statusEntries(base, MIN_LIST_SIZE + 5));
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
    expect(statusOf(r).message).toMatch(/outside the list/);
  });

  it('a gzip bomb in a signed list is refused: MC_STATUS_LIST_INVALID', async () => {
    const base = listBase('bomb');
    const bomb = 'u' + (await gzipZeros(100 * 1024 * 1024)).toString('base64url');
    for (const purpose of ['revocation', 'suspension'] as const) {
      const url = `${base}/${purpose}`;
      const cred = buildStatusListCredential({ issuerId: issuer.issuerId, url, purpose, size: 8, setIndexes: [], now: new Date() });
      (cred.credentialSubject as Record<string, unknown>).encodedList = bomb;
      const jwt = await signJwtPayload({ ...cred, iss: issuer.issuerId, nbf: Math.floor(Date.parse(cred.validFrom as string) / 1000), jti: url }, issuer.signer);
      routes.set(pathOf(url), { body: jwt });
    }
    const { jwt } = await issueWithStatus(statusEntries(base, 1));
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
    expect(statusOf(r).message).toMatch(/16 MiB/);
  });

  it('the list URL answers 404: MC_STATUS_UNAVAILABLE and not verified (fail closed)', async () => {
    const base = listBase('missing'); // no routes
    const { jwt } = await issueWithStatus(statusEntries(base, 1));
    const r = await verify(jwt);
    expect(r.verified).toBe(false);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_UNAVAILABLE' });
    expect(statusOf(r).message).toMatch(/404/);
  });

  it('the list server is down: MC_STATUS_UNAVAILABLE and not verified', async () => {
    const base = listBase('down', DOWN_HOST, downPort);
    const { jwt } = await issueWithStatus(statusEntries(base, 1));
    const r = await verify(jwt);
    expect(r.verified).toBe(false);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_UNAVAILABLE' });
  });

  it("statusFailure: 'warn' turns an unreachable list into a warning; the credential verifies", async () => {
    const missing = await issueWithStatus(statusEntries(listBase('missing-warn'), 1));
    const r1 = await verify(missing.jwt, { statusFailure: 'warn' });
    expect(statusOf(r1)).toMatchObject({ status: 'warning', code: 'MC_STATUS_UNAVAILABLE' });
    expect(r1.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(r1.verified).toBe(true);
    const down = await issueWithStatus(statusEntries(listBase('down-warn', DOWN_HOST, downPort), 1));
    const r2 = await verify(down.jwt, { statusFailure: 'warn' });
    expect(statusOf(r2)).toMatchObject({ status: 'warning', code: 'MC_STATUS_UNAVAILABLE' });
    expect(r2.verified).toBe(true);
  });

  it("statusFailure: 'warn' never softens a revocation", async () => {
    const base = listBase('revoked-warn');
    await serveBoth(base, [11], []);
    const { jwt } = await issueWithStatus(statusEntries(base, 11));
    const r = await verify(jwt, { statusFailure: 'warn' });
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_REVOKED' });
    expect(r.verified).toBe(false);
  });

  it('a tampered list JWT (one payload byte flipped): MC_STATUS_LIST_INVALID', async () => {
    const base = listBase('tampered');
    const good = await serveList(base, 'revocation', [20]);
    await serveList(base, 'suspension', []);
    const [h, p, s] = good.split('.') as [string, string, string];
    const bytes = Buffer.from(p, 'base64url');
    // Flip one byte inside the encodedList value, keeping valid JSON (a different base64url character).
    const at = bytes.indexOf('"encodedList":"u') + '"encodedList":"u'.length + 10;
    bytes[at] = bytes[at] === 0x41 ? 0x42 : 0x41;
    routes.set(pathOf(`${base}/revocation`), { body: `${h}.${bytes.toString('base64url')}.${s}` });
    const { jwt } = await issueWithStatus(statusEntries(base, 20));
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
    expect(statusOf(r).message).toMatch(/signature/);
  });

  it('a revoked entry "un-revoked" by swapping in an all-zero encodedList (same signature): MC_STATUS_LIST_INVALID, never passed', async () => {
    const base = listBase('unrevoke');
    const good = await serveList(base, 'revocation', [21]);
    await serveList(base, 'suspension', []);
    const [h, p, s] = good.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { credentialSubject: { encodedList: string } };
    payload.credentialSubject.encodedList = encodeBitstring(MIN_LIST_SIZE, []);
    routes.set(pathOf(`${base}/revocation`), { body: `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}` });
    const { jwt } = await issueWithStatus(statusEntries(base, 21));
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
    expect(r.verified).toBe(false);
  });

  it('an entry with a non-numeric statusListIndex: MC_STATUS_LIST_INVALID', async () => {
    const base = listBase('bad-index');
    await serveBoth(base);
    for (const bad of ['abc', '-1', '1e3', '', 1.5, -2]) {
      const entries = statusEntries(base, 0).map((e) => ({ ...e, statusListIndex: bad }));
      const { jwt } = await issueWithStatus(entries);
      const r = await verify(jwt);
      expect(statusOf(r), JSON.stringify(bad)).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
    }
  });

  it('an entry without statusListCredential: MC_STATUS_LIST_INVALID', async () => {
    const [entry] = statusEntries(listBase('x'), 0);
    const { statusListCredential: _drop, ...rest } = entry!;
    const { jwt } = await issueWithStatus([rest]);
    expect(statusOf(await verify(jwt))).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
  });

  it('an unknown status type: MC_STATUS_UNSUPPORTED (fails closed; a warning under statusFailure: warn)', async () => {
    const entry = { id: `${listBase('sl2021')}#1`, type: 'StatusList2021Entry', statusPurpose: 'revocation', statusListIndex: '1', statusListCredential: listBase('sl2021') };
    // The issuer refuses an entry type its JSON-LD contexts do not define, so re-sign the payload with the same key.
    await expect(issueWithStatus([entry])).rejects.toThrow(/would not be valid/);
    const { credential } = await issueWithStatus(statusEntries(listBase('sl2021'), 1));
    const jwt = await signJwtPayload({ ...jwtPayload(credential), credentialStatus: [entry] }, issuer.signer);
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_UNSUPPORTED' });
    expect(statusOf(r).message).toContain('StatusList2021Entry');
    expect(r.verified).toBe(false);
    expect(statusOf(await verify(jwt, { statusFailure: 'warn' }))).toMatchObject({ status: 'warning', code: 'MC_STATUS_UNSUPPORTED' });
  });

  it('a status entry for another purpose (message) does not decide validity', async () => {
    const entry = { id: `${listBase('msg')}/message#1`, type: 'BitstringStatusListEntry', statusPurpose: 'message', statusListIndex: '1', statusListCredential: `${listBase('msg')}/message` };
    const { jwt } = await issueWithStatus([entry]);
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'passed' });
    expect(hits.get(pathOf(`${listBase('msg')}/message`))).toBeUndefined(); // not even fetched
  });

  it('1EdTechRevocationList: listed → MC_STATUS_REVOKED with the reason; not listed → passed', async () => {
    const url = `http://${HOST}:${port}/legacy/revocations`;
    const revokedId = 'urn:uuid:0f7e2c1a-9d51-4c59-bf3f-3c1b1b2f6a01';
    const cleanId = 'urn:uuid:0f7e2c1a-9d51-4c59-bf3f-3c1b1b2f6a02';
    routes.set('/legacy/revocations', { type: 'application/json', body: JSON.stringify({ id: url, issuer: issuer.issuerId, revokedCredential: [{ id: revokedId, revocationReason: 'fraud' }] }) });
    const entry = { id: url, type: '1EdTechRevocationList' };
    const revoked = await issueWithStatus(entry, { id: revokedId });
    const r1 = await verify(revoked.jwt);
    expect(statusOf(r1)).toMatchObject({ status: 'failed', code: 'MC_STATUS_REVOKED' });
    expect(statusOf(r1).message).toContain('fraud');
    expect(r1.verified).toBe(false);
    const clean = await issueWithStatus(entry, { id: cleanId });
    const r2 = await verify(clean.jwt);
    expect(statusOf(r2)).toMatchObject({ status: 'passed' });
    expect(statusOf(r2).message).toMatch(/not revoked/);
  });

  it('1EdTechRevocationList unreachable: MC_STATUS_UNAVAILABLE', async () => {
    const { jwt } = await issueWithStatus({ id: `http://${HOST}:${port}/legacy/none`, type: '1EdTechRevocationList' });
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_UNAVAILABLE' });
    expect(r.verified).toBe(false);
  });

  it('a list whose own validUntil has passed: MC_STATUS_LIST_INVALID (lists are checked with the status-list profile, validity period included)', async () => {
    const base = listBase('expired');
    const hour = 3_600_000;
    for (const purpose of ['revocation', 'suspension'] as const) {
      const url = `${base}/${purpose}`;
      const cred = buildStatusListCredential({ issuerId: issuer.issuerId, url, purpose, size: MIN_LIST_SIZE, setIndexes: [], now: new Date(Date.now() - 2 * hour) });
      const validUntil = new Date(Math.floor((Date.now() - hour) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
      const jwt = await signJwtPayload(
        { ...cred, validUntil, iss: issuer.issuerId, nbf: Math.floor(Date.parse(cred.validFrom as string) / 1000), exp: Math.floor(Date.parse(validUntil) / 1000), jti: url },
        issuer.signer,
      );
      routes.set(pathOf(url), { body: jwt });
    }
    const { jwt } = await issueWithStatus(statusEntries(base, 1));
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
    expect(statusOf(r).message).toMatch(/expired/);
    // The same list is fine for a verifier whose clock is inside its validity period.
    const earlier = await verify(jwt, { now: new Date(Date.now() - 90 * 60_000) });
    expect(checkOf(earlier, 'status')).toMatchObject({ status: 'passed' });
  });

  it('a list that is not a BitstringStatusListCredential: MC_STATUS_LIST_INVALID', async () => {
    const base = listBase('wrong-type');
    for (const purpose of ['revocation', 'suspension'] as const) {
      const url = `${base}/${purpose}`;
      const cred = buildStatusListCredential({ issuerId: issuer.issuerId, url, purpose, size: MIN_LIST_SIZE, setIndexes: [], now: new Date() });
      cred.type = ['VerifiableCredential'];
      const jwt = await signJwtPayload({ ...cred, iss: issuer.issuerId, nbf: Math.floor(Date.parse(cred.validFrom as string) / 1000), jti: url }, issuer.signer);
      routes.set(pathOf(url), { body: jwt });
    }
    const { jwt } = await issueWithStatus(statusEntries(base, 1));
    expect(statusOf(await verify(jwt))).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
  });

  // Hardening gap (not a spec MUST): the checker never compares the list credential's `id` with
  // the statusListCredential URL it fetched. Any validly signed list of the same issuer and
  // purpose is accepted at any URL, so whoever controls the list host (or a redirect on it) can
  // answer for a revoked credential's list with another of the issuer's lists, where the same
  // index is clear. src/verifier/status.ts checkEntry() (~line 79) should refuse a list whose `id` is not
  // `url` (MC_STATUS_LIST_INVALID), as the issuer's lists always carry id === their URL.
  it('a validly signed list of the same issuer served at another list URL is refused (list id must be the URL)', async () => {
    const victim = listBase('replay-victim');
    const decoy = listBase('replay-decoy');
    await serveBoth(victim, [30], []);
    // Serve the decoy list (index 30 clear), signed for the decoy URL, at the victim's revocation URL.
    const decoyJwt = await signStatusListCredential({ issuerId: issuer.issuerId, url: `${decoy}/revocation`, purpose: 'revocation', size: MIN_LIST_SIZE, setIndexes: [], now: new Date() }, issuer.signer);
    routes.set(pathOf(`${victim}/revocation`), { body: decoyJwt });
    const { jwt } = await issueWithStatus(statusEntries(victim, 30));
    expect(statusOf(await verify(jwt))).toMatchObject({ status: 'failed', code: 'MC_STATUS_LIST_INVALID' });
  });

  it('a credential without credentialStatus: status skipped', async () => {
    const { jwt } = await issueWithStatus(undefined);
    const r = await verify(jwt);
    expect(statusOf(r)).toMatchObject({ status: 'skipped' });
    expect(r.verified).toBe(true);
  });

  it('without a fetcher policy that allows the host, the list is unavailable (guarded fetcher blocks loopback)', async () => {
    const base = listBase('guarded');
    await serveBoth(base);
    const { jwt } = await issueWithStatus(statusEntries(base, 1));
    const strict = createGuardedFetcher({ allowHttp: true, lookup, cacheTtlMs: 0 }); // status.test → 127.0.0.1 is private
    const r = await verifyCredential(jwt, { fetcher: strict });
    expect(statusOf(r)).toMatchObject({ status: 'failed', code: 'MC_STATUS_UNAVAILABLE' });
    expect(hits.get(pathOf(`${base}/revocation`))).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// Caching: the guarded fetcher's cache honours the list server's Cache-Control
// ---------------------------------------------------------------------------------------------

describe('status list caching (guarded fetcher with its default TTL)', () => {
  const cachingFetcher = () => createGuardedFetcher({ allowHttp: true, allowedHosts: [HOST], lookup });

  async function twice(name: string, cacheControl: string) {
    const base = listBase(name);
    await serveList(base, 'revocation', [], { headers: { 'cache-control': cacheControl } });
    await serveList(base, 'suspension', [], { headers: { 'cache-control': cacheControl } });
    const { jwt } = await issueWithStatus(statusEntries(base, 1));
    const f = cachingFetcher();
    const r1 = await verifyCredential(jwt, { fetcher: f });
    const r2 = await verifyCredential(jwt, { fetcher: f });
    expect(statusOf(r1)).toMatchObject({ status: 'passed' });
    expect(statusOf(r2)).toMatchObject({ status: 'passed' });
    return { revocation: hits.get(pathOf(`${base}/revocation`)), suspension: hits.get(pathOf(`${base}/suspension`)), base, jwt, fetcher: f };
  }

  it('max-age=0: every verification refetches', async () => {
    expect(await twice('cc-max-age-0', 'public, max-age=0')).toMatchObject({ revocation: 2, suspension: 2 });
  });

  it('no-store: every verification refetches', async () => {
    expect(await twice('cc-no-store', 'no-store')).toMatchObject({ revocation: 2, suspension: 2 });
  });

  it('no-cache: every verification refetches', async () => {
    expect(await twice('cc-no-cache', 'no-cache')).toMatchObject({ revocation: 2, suspension: 2 });
  });

  it('max-age=60: the second verification reuses the lists', async () => {
    const t = await twice('cc-max-age-60', 'public, max-age=60, must-revalidate');
    expect(t).toMatchObject({ revocation: 1, suspension: 1 });
    // Within max-age a revocation is not seen yet (the price of caching) …
    await serveList(t.base, 'revocation', [1], { headers: { 'cache-control': 'public, max-age=60' } });
    expect(statusOf(await verifyCredential(t.jwt, { fetcher: t.fetcher }))).toMatchObject({ status: 'passed' });
    // … and clearing the cache shows it.
    t.fetcher.clearCache();
    expect(statusOf(await verifyCredential(t.jwt, { fetcher: t.fetcher }))).toMatchObject({ code: 'MC_STATUS_REVOKED' });
  });

  it('a failed fetch is never cached', async () => {
    const base = listBase('cc-late');
    const { jwt } = await issueWithStatus(statusEntries(base, 1));
    const f = cachingFetcher();
    expect(statusOf(await verifyCredential(jwt, { fetcher: f }))).toMatchObject({ code: 'MC_STATUS_UNAVAILABLE' });
    await serveList(base, 'revocation', [1], { headers: { 'cache-control': 'max-age=60' } });
    await serveList(base, 'suspension', [], { headers: { 'cache-control': 'max-age=60' } });
    expect(statusOf(await verifyCredential(jwt, { fetcher: f }))).toMatchObject({ code: 'MC_STATUS_REVOKED' });
  });
});

