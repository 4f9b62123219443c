/**
 * Issue #5: the /verify page verifies pasted, uploaded and scanned credentials in the browser,
 * with the verifier bundled for the browser (scripts/build-web.mjs), so a credential never
 * leaves the employer's device.
 *
 * - The shims that stand in for node:crypto, node:zlib and Buffer in the bundle are checked
 *   against Node itself (no browser needed).
 * - In a real headless Chromium (Debian's chromium, driven by playwright-core): the page served
 *   by the verifier service (createVerifierApp, with its strict CSP) verifies credentials, the
 *   browser's network log shows no request after the page loaded, and the browser's report
 *   equals Node's for the same credentials. Screenshots of each state go to
 *   test-artifacts/web-browser/.
 */
import { execFileSync } from 'node:child_process';
import * as nodeCrypto from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as nodeZlib from 'node:zlib';
import { pino } from 'pino';
import type { Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bakePng, bakeSvg } from '../src/baking/index.js';
import { loadConfig } from '../src/config/config.js';
import { generateKey, issueCredential, jwtPayload, signStatusListCredential, statusEntries, type IssuanceRequest, type JwsAlgorithm } from '../src/issuer/index.js';
import { createVerifierApp } from '../src/server/verifier-app.js';
import { verifyCredential, type FetchedResource, type ResourceFetcher, type VerificationReport, type VerifierInput } from '../src/verifier/index.js';
import { Buffer as ShimBuffer } from '../src/web/browser/shims/buffer.js';
import * as shimCrypto from '../src/web/browser/shims/crypto.js';
import * as shimZlib from '../src/web/browser/shims/zlib.js';
import { launchBrowser, recordPageProblems, recordRequests, requireChromium, saveScreenshot, type LaunchedBrowser, type RequestLog } from './helpers/browser.js';
import { MicrocredError } from '../src/errors.js';
import { REPO, forge, keyFor, offlineFetcher, signerFor } from './helpers/tokens.js';

const SUITE = 'the /verify page in headless Chromium';
const ARTIFACTS = 'web-browser';
const HAS_CHROMIUM = requireChromium(SUITE);

const b64url = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const fromB64url = (s: string): Record<string, unknown> => JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as Record<string, unknown>;

function inRequest(): IssuanceRequest {
  return JSON.parse(readFileSync(path.join(REPO, 'examples/requests/in-ncrf-data-ethics.json'), 'utf8')) as IssuanceRequest;
}

async function issueIn(alg: JwsAlgorithm) {
  const key = keyFor(alg);
  const { signer, kid } = signerFor(key);
  const issued = await issueCredential(inRequest(), { signer });
  return { ...issued, key, kid };
}

/** The same payload with one visible change and the original signature. */
function tamper(jwt: string): string {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const payload = fromB64url(p) as { credentialSubject: { achievement: { name: string } } };
  payload.credentialSubject.achievement.name = 'Applied Data Ethics (with Distinction)';
  return `${h}.${b64url(payload)}.${s}`;
}

/** Reports compared as data: what JSON would carry from either environment. */
const asJson = (r: VerificationReport): unknown => JSON.parse(JSON.stringify(r));

// ---------------------------------------------------------------------------------------------

describe('browser shims agree with Node (node:crypto, node:zlib, Buffer)', () => {
  it('Buffer: base64url in both directions, including the non-canonical forms the strict decoder rejects', () => {
    for (const len of [0, 1, 2, 3, 31, 32, 33, 64, 65, 255]) {
      const bytes = nodeCrypto.randomBytes(len);
      const enc = Buffer.from(bytes).toString('base64url');
      expect(ShimBuffer.from(bytes).toString('base64url')).toBe(enc);
      expect([...ShimBuffer.from(enc, 'base64url')]).toEqual([...bytes]);
      expect(ShimBuffer.byteLength(enc, 'base64url')).toBe(Buffer.byteLength(enc, 'base64url'));
    }
    for (const odd of ['AB', 'AAB', 'A-_z', 'a+/b', 'QQ==']) {
      expect(ShimBuffer.from(odd, 'base64url').toString('base64url')).toBe(Buffer.from(odd, 'base64url').toString('base64url'));
    }
    expect(ShimBuffer.isEncoding('base64url')).toBe(true);
  });

  it('createHash: sha256, sha384, sha512, sha1, md5 with every output encoding', () => {
    const input = 'ünïcode ✓ salt';
    for (const alg of ['sha256', 'sha384', 'sha512', 'sha1', 'md5']) {
      for (const enc of ['hex', 'base64', 'base64url'] as const) {
        expect(shimCrypto.createHash(alg).update(input, 'utf8').digest(enc)).toBe(nodeCrypto.createHash(alg).update(input, 'utf8').digest(enc));
      }
      expect([...shimCrypto.createHash(alg).update(Buffer.from(input)).digest()]).toEqual([...nodeCrypto.createHash(alg).update(input).digest()]);
    }
    expect(() => shimCrypto.createHash('whirlpool')).toThrow(/not supported/);
  });

  it('verify: ES256 (r||s and DER, high S), EdDSA and RS256 give the same answers as node:crypto', () => {
    const data = Buffer.from('header.payload');
    const other = Buffer.from('header.payloaD');
    const cases: Array<{ name: string; type: 'ec' | 'ed25519' | 'rsa'; digest: string | null; dsa?: 'ieee-p1363' | 'der' }> = [
      { name: 'ES256 r||s', type: 'ec', digest: 'sha256', dsa: 'ieee-p1363' },
      { name: 'ES256 DER', type: 'ec', digest: 'sha256', dsa: 'der' },
      { name: 'EdDSA', type: 'ed25519', digest: null },
      { name: 'RS256', type: 'rsa', digest: 'sha256' },
    ];
    for (const c of cases) {
      const pair = c.type === 'ec' ? nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }) : c.type === 'rsa' ? nodeCrypto.generateKeyPairSync('rsa', { modulusLength: 2048 }) : nodeCrypto.generateKeyPairSync('ed25519');
      const jwk = pair.publicKey.export({ format: 'jwk' });
      const nodeKey = nodeCrypto.createPublicKey({ key: jwk, format: 'jwk' });
      const shimKey = shimCrypto.createPublicKey({ key: jwk, format: 'jwk' });
      const signOpts = c.dsa ? { key: pair.privateKey, dsaEncoding: c.dsa } : pair.privateKey;
      const sig = nodeCrypto.sign(c.digest, data, signOpts);
      const variants: Array<[string, Buffer, Uint8Array]> = [
        ['valid', data, sig],
        ['other data', other, sig],
        ['flipped bit', data, Buffer.from(sig.map((b, i) => (i === 5 ? b ^ 1 : b)))],
        ['truncated', data, sig.subarray(0, sig.length - 1)],
        ['empty', data, new Uint8Array(0)],
      ];
      if (c.type === 'ec' && c.dsa === 'ieee-p1363') {
        // OpenSSL accepts the high-S twin of a valid signature; so must the shim.
        const n = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
        const s = BigInt(`0x${Buffer.from(sig.subarray(32)).toString('hex')}`);
        const highS = Buffer.concat([sig.subarray(0, 32), Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex')]);
        variants.push(['high S', data, highS]);
      }
      for (const [what, d, s] of variants) {
        const expected = (() => {
          try {
            return nodeCrypto.verify(c.digest, d, c.dsa ? { key: nodeKey, dsaEncoding: c.dsa } : nodeKey, s);
          } catch {
            return false;
          }
        })();
        const actual = (() => {
          try {
            return shimCrypto.verify(c.digest, d, c.dsa ? { key: shimKey, dsaEncoding: c.dsa } : shimKey, s);
          } catch {
            return false;
          }
        })();
        expect({ case: `${c.name}: ${what}`, result: actual }).toEqual({ case: `${c.name}: ${what}`, result: expected });
      }
      expect(shimCrypto.verify(c.digest, data, c.dsa ? { key: shimKey, dsaEncoding: c.dsa } : shimKey, sig)).toBe(true);
    }
  });

  it('createPublicKey refuses the keys node:crypto refuses', () => {
    const ec = nodeCrypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const offCurve = { ...ec, y: Buffer.from(Buffer.from(ec.y!, 'base64url').map((b, i) => (i === 31 ? b ^ 1 : b))).toString('base64url') };
    const bad: Array<Record<string, unknown>> = [offCurve, { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }, { kty: 'EC', crv: 'P-256', x: ec.x }, { kty: 'oct', k: 'AAAA' }];
    for (const jwk of bad) {
      expect(() => nodeCrypto.createPublicKey({ key: jwk as nodeCrypto.JsonWebKey, format: 'jwk' })).toThrow();
      expect(() => shimCrypto.createPublicKey({ key: jwk, format: 'jwk' })).toThrow();
    }
  });

  it('ECDH.convertKey decompresses P-256 points as node:crypto does; timingSafeEqual refuses unequal lengths', () => {
    for (let i = 0; i < 8; i++) {
      const ecdh = nodeCrypto.createECDH('prime256v1');
      ecdh.generateKeys();
      const compressed = ecdh.getPublicKey(undefined, 'compressed');
      const expected = nodeCrypto.ECDH.convertKey(compressed, 'prime256v1', undefined, undefined, 'uncompressed') as Buffer;
      expect(Buffer.from(shimCrypto.ECDH.convertKey(compressed, 'prime256v1', undefined, undefined, 'uncompressed') as Uint8Array).equals(expected)).toBe(true);
    }
    expect(() => shimCrypto.ECDH.convertKey(Buffer.alloc(33, 7), 'prime256v1', undefined, undefined, 'uncompressed')).toThrow();
    expect(shimCrypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abc'))).toBe(true);
    expect(shimCrypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('abd'))).toBe(false);
    expect(() => shimCrypto.timingSafeEqual(Buffer.from('abc'), Buffer.from('ab'))).toThrow(RangeError);
  });

  it('zlib: gunzip and inflate give Node’s bytes, honour maxOutputLength with ERR_BUFFER_TOO_LARGE, and refuse corrupt input', () => {
    const data = Buffer.concat([nodeCrypto.randomBytes(5000), Buffer.alloc(200_000, 0x61)]);
    const gz = nodeZlib.gzipSync(data);
    const z = nodeZlib.deflateSync(data);
    expect(Buffer.from(shimZlib.gunzipSync(gz)).equals(data)).toBe(true);
    expect(Buffer.from(shimZlib.inflateSync(z, { maxOutputLength: data.length })).equals(data)).toBe(true);
    expect(Buffer.from(nodeZlib.gunzipSync(shimZlib.gzipSync(data))).equals(data)).toBe(true);
    expect(Buffer.from(nodeZlib.inflateSync(shimZlib.deflateSync(data))).equals(data)).toBe(true);
    const codeOf = (f: () => unknown): string | undefined => {
      try {
        f();
        return undefined;
      } catch (e) {
        return (e as { code?: string }).code ?? 'thrown';
      }
    };
    expect(codeOf(() => shimZlib.gunzipSync(gz, { maxOutputLength: 1000 }))).toBe(codeOf(() => nodeZlib.gunzipSync(gz, { maxOutputLength: 1000 })));
    expect(codeOf(() => shimZlib.inflateSync(z, { maxOutputLength: 1000 }))).toBe('ERR_BUFFER_TOO_LARGE');
    expect(codeOf(() => nodeZlib.inflateSync(z, { maxOutputLength: 1000 }))).toBe('ERR_BUFFER_TOO_LARGE');
    for (const corrupt of [gz.subarray(0, gz.length - 20), Buffer.from('not gzip at all'), Buffer.alloc(0)]) {
      expect(codeOf(() => nodeZlib.gunzipSync(corrupt))).toBeDefined();
      expect(codeOf(() => shimZlib.gunzipSync(corrupt))).toBeDefined();
    }
  });
});

// ---------------------------------------------------------------------------------------------

interface PageServer {
  url: string;
  close(): Promise<void>;
}

/** The verifier-only service (its /verify page, /assets and CSP), on an ephemeral port. */
async function startVerifierService(): Promise<PageServer> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'microcred-web-'));
  const config = loadConfig({ PORT: '0', LOG_LEVEL: 'silent', DATA_DIR: dataDir }, dataDir);
  const app = createVerifierApp({ config, log: pino({ level: 'silent' }), trust: null, fetcher: offlineFetcher });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        rmSync(dataDir, { recursive: true, force: true });
      }),
  };
}

declare global {
  interface Window {
    __mcReports?: unknown[];
  }
}

describe.skipIf(!HAS_CHROMIUM)(SUITE, { timeout: 90_000 }, () => {
  let service: PageServer;
  let browser: LaunchedBrowser;
  let requests: RequestLog;

  beforeAll(async () => {
    // Always test the bundle of the current sources.
    const out = execFileSync(process.execPath, [path.join(REPO, 'scripts/build-web.mjs')], { cwd: REPO, encoding: 'utf8' });
    mkdirSync(path.join(REPO, 'test-artifacts', ARTIFACTS), { recursive: true });
    writeFileSync(path.join(REPO, 'test-artifacts', ARTIFACTS, 'build-web.txt'), out);
    service = await startVerifierService();
    browser = await launchBrowser();
    requests = recordRequests(browser.context);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  interface OpenPage {
    page: Page;
    problems: string[];
  }

  /** Open /verify, wait until the script is ready and the network is idle, then mark the request log. */
  async function openVerifyPage(): Promise<OpenPage> {
    const page = await browser.context.newPage();
    const problems = recordPageProblems(page);
    await page.goto(`${service.url}/verify`, { waitUntil: 'networkidle' });
    await page.waitForFunction(() => document.documentElement.dataset.mcReady === 'true');
    await page.evaluate(() => {
      window.__mcReports = [];
      document.addEventListener('microcred:report', (e) => window.__mcReports!.push(JSON.parse(JSON.stringify((e as CustomEvent).detail))));
    });
    requests.mark();
    return { page, problems };
  }

  async function nextReport(page: Page, before: number): Promise<VerificationReport> {
    await page.waitForFunction((n) => (window.__mcReports?.length ?? 0) > n, before);
    return (await page.evaluate((n) => window.__mcReports![n], before)) as VerificationReport;
  }

  async function reportCount(page: Page): Promise<number> {
    return page.evaluate(() => window.__mcReports?.length ?? 0);
  }

  /** Paste, click Verify, and return the report the page rendered. */
  async function verifyPasted(page: Page, text: string): Promise<VerificationReport> {
    const before = await reportCount(page);
    await page.fill('#mc-input', text);
    await page.click('#mc-verify');
    return nextReport(page, before);
  }

  function expectNoRequestsSinceLoad(): void {
    expect(requests.sinceMark()).toEqual([]);
  }

  it('serves the page with its contract and a strict CSP, and the bundle from dist/web', async () => {
    const res = await fetch(`${service.url}/verify`);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    const html = await res.text();
    for (const id of ['mc-input', 'mc-file', 'mc-verify', 'mc-scan', 'mc-video', 'mc-result']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('/assets/verify-page.js');
    const js = await fetch(`${service.url}/assets/verify-page.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
  });

  it('a pasted ES256 credential is verified in the page with no request leaving it, and shows credits and learning outcomes', async () => {
    const { jwt } = await issueIn('ES256');
    const { page, problems } = await openVerifyPage();
    await saveScreenshot(page, ARTIFACTS, '01-empty-page');
    const report = await verifyPasted(page, jwt);
    expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
    const result = page.locator('#mc-result [data-verdict="verified"]');
    await expect.poll(() => result.count()).toBe(1);
    const text = await page.locator('#mc-result').innerText();
    expect(text).toContain('Verified');
    expect(text).toContain('Applied Data Ethics');
    expect(text).toMatch(/Credits\s+2 NCrF credits/);
    expect(text).toContain('Learning outcomes');
    expect(text).toContain("Applies India's Digital Personal Data Protection Act, 2023 to a data pipeline");
    expect(text).toContain('not sent to any server');
    await saveScreenshot(page, ARTIFACTS, '02-verified-es256');

    // The recipient check also runs in the page (the identifier typed in is not submitted anywhere).
    await page.fill('form.recipient input[name="recipient"]', 'priya.sharma@student.example.in');
    await page.selectOption('form.recipient select[name="type"]', 'emailAddress');
    await page.click('form.recipient button[type="submit"]');
    await expect.poll(() => page.locator('#mc-result .match-yes').count()).toBe(1);
    expect(page.url()).toBe(`${service.url}/verify`);
    await saveScreenshot(page, ARTIFACTS, '03-verified-recipient-matched');

    expectNoRequestsSinceLoad();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('a tampered credential is "Not verified" because of its signature', async () => {
    const { jwt } = await issueIn('ES256');
    const { page, problems } = await openVerifyPage();
    const report = await verifyPasted(page, tamper(jwt));
    expect(report.verified).toBe(false);
    expect(report.checks.find((c) => c.check === 'signature')?.code).toBe('MC_SIGNATURE_INVALID');
    await expect.poll(() => page.locator('#mc-result [data-verdict="not-verified"]').count()).toBe(1);
    const text = await page.locator('#mc-result').innerText();
    expect(text).toContain('Not verified');
    expect(text).toContain('the signature does not match the content');
    await saveScreenshot(page, ARTIFACTS, '04-not-verified-tampered');
    expectNoRequestsSinceLoad();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('an uploaded .jwt file is verified', async () => {
    const { jwt } = await issueIn('ES256');
    const { page, problems } = await openVerifyPage();
    const before = await reportCount(page);
    await page.setInputFiles('#mc-file', { name: 'credential.jwt', mimeType: 'application/jwt', buffer: Buffer.from(`${jwt}\n`) });
    const report = await nextReport(page, before);
    expect(report.verified).toBe(true);
    await expect.poll(() => page.locator('#mc-result [data-verdict="verified"]').count()).toBe(1);
    await saveScreenshot(page, ARTIFACTS, '05-verified-uploaded-jwt');
    expectNoRequestsSinceLoad();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('baked PNG and SVG badges are unbaked and verified in the page', async () => {
    const { jwt } = await issueIn('ES256');
    const png = bakePng(await QRCode.toBuffer('https://eit.example.in/badge', { type: 'png', width: 96 }), jwt);
    const svg = bakeSvg('<svg xmlns="http://www.w3.org/2000/svg" width="96" height="96"><circle cx="48" cy="48" r="40" fill="#0b57d0"/></svg>', jwt);
    const { page, problems } = await openVerifyPage();
    for (const [name, mimeType, buffer] of [['badge.png', 'image/png', Buffer.from(png)], ['badge.svg', 'image/svg+xml', Buffer.from(svg)]] as const) {
      const before = await reportCount(page);
      await page.setInputFiles('#mc-file', { name, mimeType, buffer });
      const report = await nextReport(page, before);
      expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
      expect(report.verified).toBe(true);
      expect(report.checks[0]?.message).toMatch(/baked (PNG|SVG) badge/);
      expect(asJson(report)).toEqual(asJson(await verifyCredential(new Uint8Array(buffer), { fetcher: offlineFetcher })));
    }
    await saveScreenshot(page, ARTIFACTS, '06-verified-baked-svg');
    expectNoRequestsSinceLoad();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('pasted garbage, and an empty box, give a clear error', async () => {
    const { page, problems } = await openVerifyPage();
    await verifyPasted(page, 'hello, this is not a credential');
    await expect.poll(() => page.locator('#mc-result [data-error="MC_INPUT_UNRECOGNIZED"]').count()).toBe(1);
    const text = await page.locator('#mc-result').innerText();
    expect(text).toContain('Not a credential');
    expect(text).toContain('neither a compact JWS (VC-JWT) nor a JSON credential');
    await saveScreenshot(page, ARTIFACTS, '07-error-garbage');
    await page.fill('#mc-input', '   ');
    await page.click('#mc-verify');
    await expect.poll(() => page.locator('#mc-result [data-error="MC_INPUT_EMPTY"]').count()).toBe(1);
    await saveScreenshot(page, ARTIFACTS, '08-error-empty');
    expectNoRequestsSinceLoad();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('EdDSA and RS256 credentials verify in the browser too', async () => {
    const { page, problems } = await openVerifyPage();
    for (const alg of ['EdDSA', 'RS256'] as const) {
      const { jwt } = await issueIn(alg);
      const report = await verifyPasted(page, jwt);
      expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
      expect(report.checks.find((c) => c.check === 'signature')?.message).toBe(`${alg} signature is valid`);
      await expect.poll(() => page.locator('#mc-result [data-verdict="verified"]').count()).toBe(1);
      await saveScreenshot(page, ARTIFACTS, `09-verified-${alg.toLowerCase()}`);
    }
    expectNoRequestsSinceLoad();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the browser report equals the Node report (verdict, every check, code and message)', async () => {
    const valid = await issueIn('ES256');
    const header = { alg: 'ES256', kid: valid.kid, typ: 'JWT' };
    const credential = valid.credential as unknown as Record<string, unknown>;
    const subject = credential.credentialSubject as Record<string, unknown>;
    const stranger = generateKey('ES256');
    const strangerKid = signerFor(stranger).kid;
    const di = await issueCredential(inRequest(), { signer: signerFor(keyFor('EdDSA')).signer, format: 'di' });
    const diTampered = structuredClone(di.credential) as unknown as { credentialSubject: { creditsEarned: number } };
    diTampered.credentialSubject.creditsEarned = 1;
    const cases: Array<{ name: string; input: string; expect: { verified: boolean; code?: string } }> = [
      { name: 'valid', input: valid.jwt, expect: { verified: true } },
      { name: 'tampered', input: tamper(valid.jwt), expect: { verified: false, code: 'MC_SIGNATURE_INVALID' } },
      {
        name: 'expired',
        input: forge(header, jwtPayload({ ...credential, validFrom: '2023-01-01T00:00:00Z', awardedDate: '2023-01-01T00:00:00Z', validUntil: '2024-01-01T00:00:00Z' } as never), valid.key),
        expect: { verified: false, code: 'MC_EXPIRED' },
      },
      {
        name: 'signed with another did:key than the issuer’s',
        input: forge({ ...header, kid: strangerKid }, jwtPayload(valid.credential), stranger),
        expect: { verified: false, code: 'MC_KEY_NOT_BOUND' },
      },
      {
        name: 'undefined JSON-LD term',
        input: forge(header, jwtPayload({ ...credential, credentialSubject: { ...subject, favouriteColour: 'teal' } } as never), valid.key),
        expect: { verified: false, code: 'MC_JSONLD_UNDEFINED_TERM' },
      },
      {
        name: 'schema violation',
        input: forge(header, jwtPayload({ ...credential, awardedDate: '1 July 2025' } as never), valid.key),
        expect: { verified: false, code: 'MC_SCHEMA_INVALID' },
      },
      { name: 'Data Integrity (eddsa-rdfc-2022) JSON', input: JSON.stringify(di.credential), expect: { verified: true } },
      { name: 'Data Integrity JSON, altered', input: JSON.stringify(diTampered), expect: { verified: false, code: 'MC_PROOF_INVALID' } },
    ];
    const { page, problems } = await openVerifyPage();
    for (const c of cases) {
      const browserReport = await verifyPasted(page, c.input);
      const nodeReport = await verifyCredential(c.input as VerifierInput, { fetcher: offlineFetcher });
      expect({ case: c.name, verified: browserReport.verified }).toEqual({ case: c.name, verified: c.expect.verified });
      if (c.expect.code) expect(browserReport.checks.map((x) => x.code), c.name).toContain(c.expect.code);
      expect({ case: c.name, report: asJson(browserReport) }).toEqual({ case: c.name, report: asJson(nodeReport) });
      if (c.name === 'expired') await saveScreenshot(page, ARTIFACTS, '10-not-verified-expired');
      if (c.name === 'undefined JSON-LD term') await saveScreenshot(page, ARTIFACTS, '11-not-verified-undefined-term');
      if (c.name.startsWith('Data Integrity (')) await saveScreenshot(page, ARTIFACTS, '12-verified-data-integrity');
    }
    expectNoRequestsSinceLoad();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('status lists are fetched by the page itself (only them): a revoked credential is "Not verified"; unreachable lists "could not check"', async () => {
    const key = keyFor('ES256');
    const { signer, issuerId } = signerFor(key);
    const base = 'https://status.eit.example.in/lists/browser';
    const lists = new Map<string, string>();
    for (const purpose of ['revocation', 'suspension'] as const) {
      const url = `${base}/${purpose}`;
      lists.set(url, await signStatusListCredential({ issuerId, url, purpose, size: 131_072, setIndexes: purpose === 'revocation' ? [7] : [], now: new Date() }, signer));
    }
    const revoked = (await issueCredential({ ...inRequest(), credentialStatus: statusEntries(base, 7) }, { signer })).jwt;
    const listFetcher: ResourceFetcher = async (url) => {
      const body = lists.get(url);
      if (body === undefined) throw new MicrocredError('MC_FETCH_HTTP_STATUS', `no list at ${url}`);
      return { url, status: 200, contentType: 'application/vc+jwt', body: new TextEncoder().encode(body) } satisfies FetchedResource;
    };

    // Stands in for the issuer's server (a list server must send CORS headers for browsers to read it).
    let reachable = true;
    await browser.context.route(`${base}/**`, (route) => {
      if (!reachable) return route.abort('connectionrefused');
      const body = lists.get(route.request().url());
      return route.fulfill({ status: body ? 200 : 404, body: body ?? 'not found', headers: { 'content-type': 'application/vc+jwt', 'access-control-allow-origin': '*' } });
    });
    try {
      const { page, problems } = await openVerifyPage();
      const report = await verifyPasted(page, revoked);
      expect(report.checks.find((c) => c.check === 'status')?.code).toBe('MC_STATUS_REVOKED');
      expect(asJson(report)).toEqual(asJson(await verifyCredential(revoked, { fetcher: listFetcher })));
      await expect.poll(() => page.locator('#mc-result [data-verdict="not-verified"]').count()).toBe(1);
      await saveScreenshot(page, ARTIFACTS, '14-not-verified-revoked');
      expect(requests.sinceMark().map((r) => `${r.method} ${r.url}`).sort()).toEqual([`GET ${base}/revocation`, `GET ${base}/suspension`]);
      expect(problems).toEqual([]);
      await page.close();

      // A fetch the browser refuses (network error, or a server without CORS headers) looks the same to the page.
      reachable = false;
      const second = await openVerifyPage();
      const blocked = await verifyPasted(second.page, revoked);
      expect(blocked.checks.find((c) => c.check === 'status')).toMatchObject({ status: 'failed', code: 'MC_STATUS_UNAVAILABLE' });
      await expect.poll(() => second.page.locator('#mc-result [data-verdict="could-not-check"]').count()).toBe(1);
      await saveScreenshot(second.page, ARTIFACTS, '15-could-not-check-lists-unreachable');
      await second.page.close();
    } finally {
      await browser.context.unroute(`${base}/**`);
    }
  });
});

// ---------------------------------------------------------------------------------------------

/** A Y4M video (what Chromium's fake camera plays) of a QR code, black on white; `null`: a blank page. */
function qrVideo(text: string | null, file: string): void {
  const W = 640;
  const H = 480;
  const qr = text === null ? { modules: { size: 0, get: () => false } } : QRCode.create(text, { errorCorrectionLevel: 'M' });
  const size = qr.modules.size;
  const scale = Math.floor(Math.min(W, H) / (size + 8)) || 1;
  const left = Math.floor((W - size * scale) / 2);
  const top = Math.floor((H - size * scale) / 2);
  const y = Buffer.alloc(W * H, 235);
  for (let r = 0; r < size; r++) {
    for (let c = 0; c < size; c++) {
      if (!qr.modules.get(r, c)) continue;
      for (let dy = 0; dy < scale; dy++) y.fill(16, (top + r * scale + dy) * W + left + c * scale, (top + r * scale + dy) * W + left + (c + 1) * scale);
    }
  }
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, chroma]);
  writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`), ...Array.from({ length: 10 }, () => frame)]));
}

describe.skipIf(!HAS_CHROMIUM)(`${SUITE}: scanning a QR code with the camera`, { timeout: 90_000 }, () => {
  let service: PageServer;
  let dir: string;

  beforeAll(async () => {
    service = await startVerifierService();
    dir = mkdtempSync(path.join(tmpdir(), 'microcred-qr-'));
  });

  afterAll(async () => {
    await service?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function scan(qrText: string | null): Promise<{ page: Page; browser: LaunchedBrowser; problems: string[] }> {
    const video = path.join(dir, `qr-${Date.now()}.y4m`);
    qrVideo(qrText, video);
    const browser = await launchBrowser({ args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`], permissions: ['camera'] });
    const page = await browser.context.newPage();
    const problems = recordPageProblems(page);
    await page.goto(`${service.url}/verify`, { waitUntil: 'networkidle' });
    await page.waitForFunction(() => document.documentElement.dataset.mcReady === 'true');
    await page.click('#mc-scan');
    return { page, browser, problems };
  }

  it('a verification link on this site is opened', async () => {
    const target = `${service.url}/verify?from=qr`;
    const { page, browser, problems } = await scan(target);
    try {
      await page.waitForURL(target, { timeout: 20_000 });
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('while scanning, the camera preview shows; Stop releases the camera', async () => {
    const { page, browser, problems } = await scan(null);
    try {
      await page.waitForFunction(() => (document.getElementById('mc-video') as HTMLVideoElement).readyState >= 2);
      expect(await page.locator('#mc-video').isVisible()).toBe(true);
      expect(await page.locator('#mc-result [data-state="scanning"]').count()).toBe(1);
      await expect.poll(() => page.locator('#mc-scan').textContent()).toBe('Stop scanning');
      await saveScreenshot(page, ARTIFACTS, '16-scanning');
      await page.click('#mc-scan');
      expect(await page.locator('#mc-video').isHidden()).toBe(true);
      expect(await page.evaluate(() => (document.getElementById('mc-video') as HTMLVideoElement).srcObject)).toBeNull();
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('a link to another site is shown first, not followed', async () => {
    const { page, browser, problems } = await scan('https://verify.eit.example.in/v/abc/def');
    try {
      await expect.poll(() => page.locator('#mc-result [data-notice="MC_QR_LINK"]').count(), { timeout: 20_000 }).toBe(1);
      expect(await page.locator('#mc-result a.qr-link').getAttribute('href')).toBe('https://verify.eit.example.in/v/abc/def');
      expect(await page.locator('#mc-video').isHidden()).toBe(true);
      await saveScreenshot(page, ARTIFACTS, '13-scanned-link-other-site');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
