import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { loadConfig } from '../src/config/config.js';
import { startService, type RunningService } from '../src/server/start.js';
import { startVerifierService, type RunningVerifier } from '../src/server/verifier-app.js';
import { openSqliteStorage } from '../src/storage/index.js';
import { issueCredential, statusEntries } from '../src/issuer/index.js';
import { baseRequest, keyFor, REPO, signerFor } from './helpers/tokens.js';
import { freePort } from './helpers/net.js';
import { decodeQrPng } from './helpers/qr.js';
import QRCode from 'qrcode';
import { PNG } from 'pngjs';
import { verificationQrPng } from '../src/web/qr.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI === 'true') throw new Error(`${CHROMIUM} is required in CI (Debian package chromium)`);
if (!hasChromium) console.warn(`skipping browser checks of the verification pages: ${CHROMIUM} not found (apt-get install chromium)`);
const hasPoppler = spawnSync('pdftoppm', ['-v']).status === 0;
if (!hasPoppler && process.env.CI === 'true') throw new Error('pdftoppm is required in CI (Debian package poppler-utils)');

const ARTIFACTS = join(REPO, 'test-artifacts');
mkdirSync(ARTIFACTS, { recursive: true });



let svc: RunningService;
let verifier: RunningVerifier;
let port: number;
let base: string;
let admin: string;
let browser: Browser | undefined;
const issued: Record<string, { uuid: string; jwt: string; verificationUrl: string }> = {};

async function api(method: string, path: string, body?: unknown, token = admin) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
const json = (r: { bytes: Buffer }) => JSON.parse(r.bytes.toString('utf8')) as Record<string, unknown>;

beforeAll(async () => {
  port = await freePort();
  base = `http://issuer.test:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'mc-employer-'));
  const registry = join(dir, 'trust.json');
  writeFileSync(registry, JSON.stringify({ name: 'Test national registry', issuers: [{ id: `${base}/issuer`, name: 'Example Institute of Technology', accreditation: 'NAAC A++ (example)' }] }));
  svc = await startService(loadConfig({ PORT: String(port), BASE_URL: base, DATA_DIR: dir, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '100000', TRUST_REGISTRY: registry, ISSUER_NAME: 'Example Institute of Technology' }), { storage: await openSqliteStorage(join(dir, 'db.sqlite')) });
  admin = svc.bootstrapToken!;
  const example = JSON.parse(readFileSync(join(REPO, 'examples/requests/in-ncrf-data-ethics.json'), 'utf8')) as Record<string, unknown>;
  const { id: _id, ...achievement } = example.achievement as Record<string, unknown>;
  expect((await api('POST', '/api/v1/achievements', { ...achievement, id: 'data-ethics-101' })).status).toBe(201);
  const { achievement: _a, issuer: _i, validFrom: _v, awardedDate: _w, ...issue } = example;
  const subject = issue.credentialSubject as { identifier: unknown[] };
  for (const name of ['valid', 'revoked']) {
    const r = await api('POST', '/api/v1/credentials', { ...issue, achievementId: 'data-ethics-101', credentialSubject: { ...subject, identifier: [{ identityType: 'name', identifier: 'Priya Sharma', hashed: false }, ...subject.identifier] } });
    expect(r.status).toBe(201);
    const body = json(r);
    issued[name] = { uuid: (body.id as string).replace('urn:uuid:', ''), jwt: body.jwt as string, verificationUrl: body.verificationUrl as string };
  }
  await api('POST', `/api/v1/credentials/${issued.revoked!.uuid}/revoke`, { reason: 'assessment misconduct' });
  // Named by the subject's own `name` (a VCDM 2.0 term, as in the 1EdTech validator's fixtures), not an OB 3.0 name identifier.
  const named = await api('POST', '/api/v1/credentials', { ...issue, achievementId: 'data-ethics-101', credentialSubject: { ...subject, name: 'Rahul Verma' } });
  expect(named.status).toBe(201);
  issued.named = { uuid: (json(named).id as string).replace('urn:uuid:', ''), jwt: json(named).jwt as string, verificationUrl: json(named).verificationUrl as string };

  verifier = await startVerifierService(loadConfig({ PORT: '0', LOG_LEVEL: 'silent', TRUST_REGISTRY: registry }));
  if (hasChromium) {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP issuer.test 127.0.0.1`],
    });
  }
});

afterAll(async () => {
  await browser?.close();
  await verifier?.close();
  await svc?.close();
});

describe('QR codes and the printable certificate', () => {
  it('every credential has a short verification URL bound to the exact JWT', () => {
    const v = issued.valid!;
    expect(v.verificationUrl).toMatch(new RegExp(`^${base}/v/[A-Za-z0-9_-]{22}/[A-Za-z0-9_-]{16}$`));
    expect(v.verificationUrl.length).toBeLessThan(90);
    expect(issued.revoked!.verificationUrl).not.toBe(v.verificationUrl);
  });

  it('the PNG QR code decodes to the verification URL', async () => {
    const r = await api('GET', `/api/v1/credentials/${issued.valid!.uuid}/qr.png`);
    expect(r.headers.get('content-type')).toBe('image/png');
    expect(decodeQrPng(r.bytes)).toBe(issued.valid!.verificationUrl);
  });

  it('the QR PNG is the image qrcode\'s own renderer draws, pixel for pixel, at every symbol size (page and certificate sizes)', async () => {
    for (const size of [undefined, { width: 600, margin: 1 }]) {
      for (const length of [1, 20, 43, 80, 150, 300, 600]) {
        const url = `https://issuer.example.edu/v/${'x'.repeat(length)}`;
        const ours = PNG.sync.read(await verificationQrPng(url, size));
        const theirs = PNG.sync.read(await QRCode.toBuffer(url, { type: 'png', errorCorrectionLevel: 'M', ...(size ?? { margin: 2, width: 512 }) }));
        expect([ours.width, ours.height]).toEqual([theirs.width, theirs.height]);
        // theirs is RGBA, ours greyscale: PNG.sync.read gives RGBA for both.
        expect(ours.data.equals(theirs.data), `URL of ${length + 29} characters, ${JSON.stringify(size)}`).toBe(true);
        expect(decodeQrPng(await verificationQrPng(url, size))).toBe(url);
      }
    }
  });

  it.skipIf(!hasPoppler)('the certificate is a one-page PDF whose QR code decodes to the verification URL', async () => {
    const r = await api('GET', `/api/v1/credentials/${issued.valid!.uuid}/certificate.pdf`);
    expect(r.headers.get('content-type')).toBe('application/pdf');
    expect(r.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const file = join(ARTIFACTS, 'certificate.pdf');
    writeFileSync(file, r.bytes);
    const pages = execFileSync('pdfinfo', [file]).toString();
    expect(pages).toMatch(/Pages:\s+1\n/);
    expect(pages).toMatch(/Title:\s+Applied Data Ethics/);
    execFileSync('pdftoppm', ['-png', '-r', '110', '-singlefile', file, join(ARTIFACTS, 'certificate')]);
    expect(decodeQrPng(readFileSync(join(ARTIFACTS, 'certificate.png')))).toBe(issued.valid!.verificationUrl);
    const text = execFileSync('pdftotext', [file, '-']).toString();
    expect(text).toContain('Priya Sharma');
    expect(text).toContain('2 NCrF');
  });

  it('a name given as the subject\'s own `name` is shown, printed and searchable like an OB 3.0 name identifier', async () => {
    const page = await fetch(`http://127.0.0.1:${port}${new URL(issued.named!.verificationUrl).pathname}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<p class="learner-name">Rahul Verma</p>');
    const found = json(await api('GET', '/api/v1/credentials?learner=rahul'));
    expect((found.items as Array<Record<string, unknown>>).map((i) => [i.id, i.learner])).toEqual([[`urn:uuid:${issued.named!.uuid}`, 'Rahul Verma']]);
    if (hasPoppler) {
      const file = join(ARTIFACTS, 'certificate-named.pdf');
      writeFileSync(file, (await api('GET', `/api/v1/credentials/${issued.named!.uuid}/certificate.pdf`)).bytes);
      expect(execFileSync('pdftotext', [file, '-']).toString()).toContain('Rahul Verma');
    }
  });

  it.skipIf(!hasChromium)('the SVG QR code, rendered by a browser, decodes to the verification URL', async () => {
    const svg = (await api('GET', `/api/v1/credentials/${issued.valid!.uuid}/qr.svg`)).bytes.toString();
    expect(svg.startsWith('<svg')).toBe(true);
    const page = await browser!.newPage({ viewport: { width: 400, height: 400 } });
    await page.setContent(`<body style="margin:0;background:#fff"><img style="width:360px;height:360px;margin:20px" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"></body>`);
    const shot = await page.screenshot();
    await page.close();
    expect(decodeQrPng(shot)).toBe(issued.valid!.verificationUrl);
  });
});

describe.skipIf(!hasChromium)('the verification page in a real Chromium (server-side result, JavaScript off)', () => {
  let ctx: BrowserContext;
  const requests: string[] = [];
  beforeAll(async () => {
    ctx = await browser!.newContext({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    ctx.on('request', (r) => requests.push(r.url()));
  });
  afterAll(async () => ctx?.close());

  it('a valid credential shows Verified with what it certifies, and loads nothing from elsewhere', async () => {
    const page = await ctx.newPage();
    const res = await page.goto(issued.valid!.verificationUrl);
    const csp = res!.headers()['content-security-policy']!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    await page.screenshot({ path: join(ARTIFACTS, 'page-verified.png'), fullPage: true });
    expect(await page.getAttribute('.result', 'data-verdict')).toBe('verified');
    const banner = await page.textContent('.banner-title');
    expect(banner).toBe('Verified');
    const text = (await page.textContent('main'))!;
    expect(text).toContain('Applied Data Ethics');
    expect(text).toContain('2 NCrF credits');
    expect(text).toContain('Identifies sources of bias and unfairness in a dataset and a model');
    expect(text).toContain('NCrF 5.5');
    expect(text).toContain('Priya Sharma');
    expect(text).toContain('Recognised issuer');
    expect(text).toContain('India: National Credit Framework');
    expect(await page.locator('details.checks li').count()).toBeGreaterThan(10);
    expect(requests.every((u) => u.startsWith(base) || u.startsWith('data:'))).toBe(true);
    await page.close();
  });

  it('the employer can confirm the recipient with the hashed-identifier check', async () => {
    const page = await ctx.newPage();
    await page.goto(issued.valid!.verificationUrl);
    await page.fill('input[name=recipient]', 'priya.sharma@student.example.in');
    await page.selectOption('select[name=type]', 'emailAddress');
    await Promise.all([page.waitForNavigation(), page.click('form.recipient button')]);
    expect(await page.textContent('.match')).toContain('is the recipient');
    await page.screenshot({ path: join(ARTIFACTS, 'page-recipient-match.png'), fullPage: true });
    await page.fill('input[name=recipient]', 'someone.else@example.com');
    await Promise.all([page.waitForNavigation(), page.click('form.recipient button')]);
    expect(await page.textContent('.match')).toContain('is not the recipient');
    await page.close();
  });

  it('a revoked credential shows Not verified with the reason', async () => {
    const page = await ctx.newPage();
    await page.goto(issued.revoked!.verificationUrl);
    await page.screenshot({ path: join(ARTIFACTS, 'page-revoked.png'), fullPage: true });
    expect(await page.getAttribute('.result', 'data-verdict')).toBe('not-verified');
    expect(await page.textContent('.banner-title')).toBe('Not verified');
    expect(await page.textContent('.why')).toMatch(/revoked by its issuer/);
    await page.close();
  });

  it('a link whose digest does not match the credential (a swapped credential) shows Not verified', async () => {
    const page = await ctx.newPage();
    const swapped = issued.valid!.verificationUrl.replace(/\/[A-Za-z0-9_-]{16}$/, `/${issued.revoked!.verificationUrl.slice(-16)}`);
    await page.goto(swapped);
    expect(await page.getAttribute('.result', 'data-verdict')).toBe('not-verified');
    expect(await page.textContent('.why')).toContain('does not match the credential on record');
    await page.close();
  });

  it('on the verifier-only service: a credential whose status list is unreachable shows Could not check (amber), a tampered one Not verified', async () => {
    const { signer } = signerFor(keyFor('ES256'));
    const req = baseRequest();
    req.credentialStatus = statusEntries('https://status.unreachable.invalid/lists/1', 4711);
    const { jwt } = await issueCredential(req, { signer });
    const page = await ctx.newPage();
    await page.goto(`${verifier.url}/verify`);
    await page.fill('#mc-nojs', jwt);
    await Promise.all([page.waitForNavigation(), page.click('noscript form button, form[action="/verify"] button')]);
    await page.screenshot({ path: join(ARTIFACTS, 'page-could-not-check.png'), fullPage: true });
    expect(await page.getAttribute('.result', 'data-verdict')).toBe('could-not-check');
    expect(await page.textContent('.banner-title')).toBe('Could not check');
    const color = await page.$eval('.banner', (el) => getComputedStyle(el).backgroundColor);
    expect(color).toBe('rgb(255, 244, 214)'); // amber, never green
    expect(await page.textContent('main')).toContain('Self-asserted');

    const [h, p, s] = jwt.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as { credentialSubject: { creditsEarned: number } };
    payload.credentialSubject.creditsEarned = 1;
    await page.goto(`${verifier.url}/verify`);
    await page.fill('#mc-nojs', `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/verify"] button')]);
    await page.screenshot({ path: join(ARTIFACTS, 'page-tampered.png'), fullPage: true });
    expect(await page.getAttribute('.result', 'data-verdict')).toBe('not-verified');
    expect(await page.textContent('.why')).toContain('signature does not match');
    await page.close();
  });
});

describe('verifier-only service API', () => {
  it('POST /api/v1/verify returns the report with a verdict, the trust check and the recipient check; no keys, no database', async () => {
    const res = await fetch(`${verifier.url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credential: issued.valid!.jwt, recipient: { identityType: 'emailAddress', identifier: 'priya.sharma@student.example.in' } }) });
    const body = (await res.json()) as { verdict: string; checks: Array<{ check: string; status: string; code: string; message: string }>; recipientMatches: boolean };
    // The test issuer publishes its keys over plain http, which the verifier's default policy refuses:
    // a key on a disallowed host is a refusal (not verified), not an outage (could not check).
    expect(body.verdict).toBe('not-verified');
    expect(body.checks.find((c) => c.check === 'key-resolution')).toMatchObject({ status: 'failed', code: 'MC_KEY_FETCH_BLOCKED' });
    expect(body.checks.at(-1)).toMatchObject({ check: 'trust', status: 'passed' });
    expect(body.recipientMatches).toBe(false); // never matches an unverified credential
    const ready = (await (await fetch(`${verifier.url}/ready`)).json()) as { mode: string };
    expect(ready.mode).toBe('verifier-only');
    const plain = await fetch(`${verifier.url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'not a credential' });
    expect(((await plain.json()) as { verdict: string; checks: Array<{ code: string }> }).checks[0]!.code).toBe('MC_INPUT_UNRECOGNIZED');
    const bad = await fetch(`${verifier.url}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ nope: 1 }) });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('the issuer service answers POST /api/v1/verify for its own credentials with status read in-process', async () => {
    for (const [name, verdict] of [['valid', 'verified'], ['revoked', 'not-verified']] as const) {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: issued[name]!.jwt });
      expect(((await res.json()) as { verdict: string }).verdict, name).toBe(verdict);
    }
  });
});

describe('microcred verify --trust', () => {
  it('a listed issuer passes the trust check, an unlisted one warns, and --require-trusted fails it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-trust-'));
    const { signer, issuerId } = signerFor(keyFor('EdDSA'));
    const cred = join(dir, 'c.jwt');
    return issueCredential(baseRequest(), { signer }).then(({ jwt }) => {
      writeFileSync(cred, jwt);
      const listed = join(dir, 'listed.json');
      writeFileSync(listed, JSON.stringify({ name: 'Employer list', issuers: [{ id: issuerId, name: 'Example Institute' }] }));
      const other = join(dir, 'other.json');
      writeFileSync(other, JSON.stringify({ name: 'Employer list', issuers: [{ id: 'did:web:elsewhere.example' }] }));
      const run = (...args: string[]) => spawnSync(process.execPath, [join(REPO, 'dist/cli/main.js'), 'verify', cred, ...args], { encoding: 'utf8' });
      const ok = run('--trust', listed);
      expect(ok.status).toBe(0);
      expect(ok.stdout).toMatch(/✓ trust +recognised issuer: Example Institute \(Employer list\)/);
      const warn = run('--trust', other);
      expect(warn.status).toBe(0);
      expect(warn.stdout).toContain('[MC_ISSUER_UNTRUSTED]');
      expect(run('--trust', other, '--require-trusted').status).toBe(1);
    });
  });
});
