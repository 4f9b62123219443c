/**
 * Issue #8: the registrar console (GET /console), driven in a real headless Chromium against the
 * service running in-process on SQLite.
 *
 * - API the console added: /api/v1/lint (achievement mode and issuance-request mode),
 *   /api/v1/profiles, /api/v1/tokens/current; the page is a static shell under the strict CSP.
 * - In Chromium: sign in with the bootstrap token (kept in sessionStorage only); define the IN
 *   example achievement through the JSON editor and the form, see the live lint flag
 *   IN-NCRF-CREDIT-HOURS for 150 notional hours, fix it, save as version 1; upload a cohort CSV
 *   (30 good rows, 2 bad), see the 2 invalid rows with their line numbers, start it, watch it
 *   reach 30/30, download the manifest; search the credentials (by learner name and exact email
 *   too), revoke one with a reason; sign
 *   out (a reload shows the sign-in form). A service with nothing in it yet: the cohort form and
 *   batch list say what to do first. No console errors (CSP violations, failed requests) on the page.
 *
 * Screenshots of each step go to test-artifacts/console/.
 */
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { startService, type RunningService } from '../src/server/start.js';
import { openSqliteStorage } from '../src/storage/index.js';
import { launchBrowser, recordPageProblems, requireChromium, saveScreenshot, type LaunchedBrowser } from './helpers/browser.js';
import { freePort } from './helpers/net.js';
import { readResult } from './helpers/service.js';
import { REPO } from './helpers/tokens.js';

const SUITE = 'the registrar console in headless Chromium';
const ARTIFACTS = 'console';
const HAS_CHROMIUM = requireChromium(SUITE);
const GRADES = ['O', 'A+', 'A', 'B+', 'B', 'C', 'P'];

/** The console script is served from dist/web (npm run build); refuse to test a missing or stale one. */
function assertBundleFresh(): void {
  const bundle = join(REPO, 'dist/web/console.js');
  const source = join(REPO, 'src/web/browser/console.ts');
  if (!existsSync(bundle)) throw new Error('dist/web/console.js is missing: run `npm run build` (or `node scripts/build-web.mjs`) first');
  if (statSync(bundle).mtimeMs < statSync(source).mtimeMs) throw new Error('dist/web/console.js is older than src/web/browser/console.ts: run `npm run build` (or `node scripts/build-web.mjs`) first');
}

function exampleAchievement(): Record<string, unknown> {
  const r = JSON.parse(readFileSync(join(REPO, 'examples/requests/in-ncrf-data-ethics.json'), 'utf8')) as { achievement: Record<string, unknown> };
  const { id: _id, ...achievement } = r.achievement;
  return achievement;
}

/** 30 good rows (lines 2–31), then 2 bad ones: an unknown grade (line 32) and no identifier (line 33). */
function cohortCsv(): string {
  const rows = ['name,email,apaar,grade,credits_earned,activity_start,activity_end'];
  for (let i = 0; i < 30; i++) rows.push(`Learner ${i},learner${i}@student.example.in,${100000000000 + i},${GRADES[i % GRADES.length]},2,2025-04-01,2025-06-15`);
  rows.push('Bad Grade,bad@student.example.in,999999999999,Z,2,2025-04-01,2025-06-15');
  rows.push('No Identifier,,,A,2,2025-04-01,2025-06-15');
  return rows.join('\n') + '\n';
}

let svc: RunningService;
let base: string;
let admin: string;

async function api(method: string, path: string, opts: { body?: unknown; token?: string | null; type?: string } = {}) {
  const token = opts.token === undefined ? admin : opts.token;
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(opts.body !== undefined ? { 'content-type': opts.type ?? 'application/json' } : {}) },
    ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
  });
  return readResult(res);
}

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'mc-console-'));
  svc = await startService(loadConfig({ PORT: String(port), HOST: '127.0.0.1', BASE_URL: base, DATA_DIR: dir, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '100000', ISSUER_NAME: 'Example Institute of Technology' }), { storage: await openSqliteStorage(join(dir, 'db.sqlite')) });
  admin = svc.bootstrapToken!;
});

afterAll(async () => {
  await svc?.close();
});

describe('the console page and its API', () => {
  it('GET /console is a static shell under the strict CSP: no inline script or style, no token', async () => {
    const r = await api('GET', '/console', { token: null });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(r.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(r.text).not.toMatch(/\sstyle=/);
    expect(r.text).not.toMatch(/\son[a-z]+=/);
    expect(r.text).not.toContain(admin);
    expect(r.text).toContain('<script src="/assets/console.js" defer></script>');
    for (const col of ['name', 'email', 'student_id', 'apaar', 'grade']) expect(r.text).toContain(`<code>${col}</code>`);
    const js = await api('GET', '/assets/console.js', { token: null });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(js.text).not.toMatch(/\bnew Function\(|[^.\w]eval\(/);
    const css = await api('GET', '/assets/console.css', { token: null });
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('GET /api/v1/tokens/current says who the token is (and 401 without a valid one)', async () => {
    const me = await api('GET', '/api/v1/tokens/current');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ label: 'bootstrap admin', scopes: ['admin'] });
    expect(me.text).not.toContain(admin);
    expect((await api('GET', '/api/v1/tokens/current', { token: null })).status).toBe(401);
    const bad = await api('GET', '/api/v1/tokens/current', { token: `mc_${'x'.repeat(43)}` });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('GET /api/v1/profiles lists the profiles with their rules', async () => {
    const r = await api('GET', '/api/v1/profiles', { token: null });
    expect(r.status).toBe(200);
    const items = r.json.items as Array<{ id: string; base: boolean; rules: Array<{ id: string }> }>;
    expect(items.map((p) => p.id)).toEqual(expect.arrayContaining(['MC-BASE', 'IN-NCrF', 'IN-ABC', 'EU-2022', 'UK', 'AU-NMF', 'NZQCF']));
    expect(items.find((p) => p.id === 'MC-BASE')!.base).toBe(true);
    expect(items.find((p) => p.id === 'IN-NCrF')!.rules.map((x) => x.id)).toContain('IN-NCRF-CREDIT-HOURS');
  });

  it('POST /api/v1/lint: an achievement, with per-learner rules set apart', async () => {
    const good = await api('POST', '/api/v1/lint', { body: { achievement: exampleAchievement() } });
    expect(good.status).toBe(200);
    expect(good.json).toMatchObject({ mode: 'achievement', achievementOk: true, problems: [] });
    const reports = (good.json.benchmark as { reports: Array<{ profile: string; rules: Array<{ id: string; status: string; perLearner?: boolean }> }> }).reports;
    expect(reports.map((r) => r.profile)).toEqual(['MC-BASE', 'IN-NCrF', 'IN-ABC']);
    // The APAAR id belongs to each learner: with no learner it fails, but it is marked per-learner.
    expect(reports[2]!.rules.find((x) => x.id === 'IN-APAAR-FORMAT')).toMatchObject({ status: 'failed', perLearner: true });
    expect(reports[1]!.rules.find((x) => x.id === 'IN-NCRF-CREDIT-HOURS')).toMatchObject({ status: 'passed' });
    expect(reports[1]!.rules.find((x) => x.id === 'IN-NCRF-CREDIT-HOURS')!.perLearner).toBeUndefined();

    const a = exampleAchievement();
    (a.qualityBenchmark as Record<string, unknown>).notionalHours = 150;
    const bad = await api('POST', '/api/v1/lint', { body: { achievement: a } });
    expect(bad.json).toMatchObject({ mode: 'achievement', achievementOk: false, ok: false });
    const rules = (bad.json.benchmark as typeof good.json.benchmark as { reports: Array<{ rules: Array<{ id: string; status: string }> }> }).reports.flatMap((r) => r.rules);
    expect(rules.find((x) => x.id === 'IN-NCRF-CREDIT-HOURS')!.status).toBe('failed');

    const broken = await api('POST', '/api/v1/lint', { body: { achievement: { name: 'x', criteria: 'not an object', qualityBenchmark: { profile: ['NO-SUCH'] } } } });
    expect(broken.status).toBe(200);
    expect((broken.json.problems as Array<{ code?: string }>).some((p) => p.code === 'MC_PROFILE_UNKNOWN')).toBe(true);
    expect(broken.json.achievementOk).toBe(false);
  });

  it('POST /api/v1/lint: a full issuance request (stored or inline achievement) gives the lintRequest report', async () => {
    expect((await api('POST', '/api/v1/achievements', { body: { ...exampleAchievement(), id: 'lint-target' } })).status).toBe(201);
    const example = JSON.parse(readFileSync(join(REPO, 'examples/requests/in-ncrf-data-ethics.json'), 'utf8')) as Record<string, unknown>;
    const { achievement: _a, issuer: _i, ...rest } = example;
    const stored = await api('POST', '/api/v1/lint', { body: { ...rest, achievementId: 'lint-target' } });
    expect(stored.status).toBe(200);
    expect(stored.json).toMatchObject({ mode: 'request', ok: true, problems: [] });
    const badApaar = await api('POST', '/api/v1/lint', { body: { ...rest, achievementId: 'lint-target', credentialSubject: { ...(rest.credentialSubject as object), identifier: [{ identityType: 'ext:APAAR', identifier: '12345' }] } } });
    expect(badApaar.json.ok).toBe(false);
    expect((badApaar.json.problems as Array<{ code?: string }>).map((p) => p.code)).toContain('IN-APAAR-FORMAT');
    const inline = await api('POST', '/api/v1/lint', { body: example });
    expect(inline.json).toMatchObject({ mode: 'request', ok: true });
    expect((inline.json.credential as { issuer: { id: string } }).issuer.id).toBe(svc.issuing.issuerProfile().id);
    expect((await api('POST', '/api/v1/lint', { body: { ...rest, achievementId: 'no-such-thing' } })).status).toBe(404);
  });

  it('POST /api/v1/lint needs a token with the issue scope and a JSON object', async () => {
    expect((await api('POST', '/api/v1/lint', { body: { achievement: {} }, token: null })).status).toBe(401);
    const revoker = await api('POST', '/api/v1/tokens', { body: { scopes: ['revoke'], label: 'revoker' } });
    expect((await api('POST', '/api/v1/lint', { body: { achievement: {} }, token: revoker.json.token as string })).status).toBe(403);
    expect((await api('POST', '/api/v1/lint', { body: 'name=x', type: 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await api('POST', '/api/v1/lint', { body: [1] })).status).toBe(400);
    expect((await api('POST', '/api/v1/lint', { body: { hello: 1 } })).status).toBe(400);
    expect((await api('POST', '/api/v1/lint', { body: { achievement: {}, profiles: 'EU-2022' } })).status).toBe(400);
    const extra = await api('POST', '/api/v1/lint', { body: { achievement: exampleAchievement(), profiles: ['EU-2022'] } });
    expect((extra.json.benchmark as { reports: Array<{ profile: string }> }).reports.map((r) => r.profile)).toContain('EU-2022');
  });

  it('the progress stream is not held back by compression', async () => {
    const res = await fetch(`${base}/api/v1/batches/no-such-batch/events`, { headers: { authorization: `Bearer ${admin}`, 'accept-encoding': 'gzip' } });
    expect(res.status).toBe(404);
    // Any batch: an existing one answers with the SSE headers.
    const up = await api('POST', '/api/v1/batches?achievementId=lint-target&start=false', { body: 'name,email\nA,a@example.in\n', type: 'text/csv' });
    expect(up.status).toBe(201);
    const ev = await fetch(`${base}/api/v1/batches/${(up.json.batch as { id: string }).id}/events`, { headers: { authorization: `Bearer ${admin}`, 'accept-encoding': 'gzip' } });
    expect(ev.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(ev.headers.get('content-encoding')).toBeNull();
    expect(ev.headers.get('cache-control')).toContain('no-transform');
    await ev.text();
  });
});

describe.skipIf(!HAS_CHROMIUM)(SUITE, () => {
  let browser: LaunchedBrowser;
  let page: Page;
  let problems: string[];
  let batchId = '';
  let revokedUuid = '';
  const shot = (name: string) => saveScreenshot(page, ARTIFACTS, name);
  const lintRequests: string[] = [];

  beforeAll(async () => {
    assertBundleFresh();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 900 });
    page.setDefaultTimeout(15_000);
    problems = recordPageProblems(page);
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/v1/lint') lintRequests.push(r.postData() ?? '');
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  it('signs in with an API token, kept in sessionStorage only', async () => {
    await page.goto(`${base}/console`);
    await page.locator('#mc-signin').waitFor({ state: 'visible' });
    expect(await page.locator('#mc-app').isHidden()).toBe(true);
    await shot('01-sign-in');

    await page.fill('#mc-token', `mc_${'x'.repeat(43)}`);
    await page.click('#mc-signin-submit');
    await expect.poll(() => page.textContent('#mc-signin-error')).toMatch(/not accepted/);
    // The browser itself logs the refused request; that one is expected, nothing else is.
    expect(problems.every((p) => /Failed to load resource: .* 401/.test(p))).toBe(true);
    problems.splice(0);

    await page.fill('#mc-token', admin);
    await page.click('#mc-signin-submit');
    await page.locator('#mc-app').waitFor({ state: 'visible' });
    expect(await page.textContent('#mc-who')).toMatch(/bootstrap admin\s*admin/);
    expect(await page.evaluate(() => sessionStorage.getItem('microcred.console.token'))).toBe(admin);
    expect(await page.evaluate(() => localStorage.length)).toBe(0);
    expect(await page.evaluate(() => document.cookie)).toBe('');
    expect(await page.inputValue('#mc-token')).toBe('');
    // The profiles are offered as checkboxes (the base rules always apply, so they are not).
    await page.locator('#ach-profiles input[data-profile="IN-NCrF"]').waitFor();
    expect(await page.locator('#ach-profiles input[data-profile="MC-BASE"]').count()).toBe(0);
    await shot('02-signed-in');
  });

  it('defines an achievement: JSON editor and form stay in step, the lint updates as the registrar types', async () => {
    await page.click('#ach-new');
    await page.fill('#ach-id', 'data-ethics-101');
    await page.click('#ach-json-details summary');
    await page.fill('#ach-json', JSON.stringify(exampleAchievement(), null, 2));
    // The form shows what the JSON holds.
    await expect.poll(() => page.inputValue('#ach-name')).toBe('Applied Data Ethics');
    expect(await page.inputValue('#ach-notional-hours')).toBe('60');
    expect(await page.inputValue('#ach-credit-system')).toBe('NCrF');
    expect(await page.inputValue('#ach-mode')).toBe('online');
    expect(await page.inputValue('#ach-levels')).toBe('NCrF 5.5');
    expect(await page.inputValue('#ach-assessment-types')).toBe('written-examination, practical-assessment');
    expect((await page.inputValue('#ach-outcomes')).split('\n')).toHaveLength(3);
    expect(await page.isChecked('#ach-profiles input[data-profile="IN-NCrF"]')).toBe(true);
    expect(await page.isChecked('#ach-profiles input[data-profile="IN-ABC"]')).toBe(true);
    expect(await page.isChecked('#ach-profiles input[data-profile="EU-2022"]')).toBe(false);
    await page.locator('#lint-summary[data-state="ok"], #lint-summary[data-state="warning"]').waitFor();
    await page.locator('#lint-profiles li[data-rule="IN-NCRF-CREDIT-HOURS"][data-status="passed"]').waitFor({ state: 'attached' });
    // Per-learner rules are listed apart, not as failures of the achievement.
    await page.locator('#lint-profiles .per-learner li[data-rule="IN-APAAR-FORMAT"]').waitFor({ state: 'attached' });

    // A bad value: 150 notional hours for 2 NCrF credits (30 h each).
    const before = lintRequests.length;
    await page.fill('#ach-notional-hours', '');
    await page.locator('#ach-notional-hours').pressSequentially('150', { delay: 40 });
    await page.locator('#lint-profiles li[data-rule="IN-NCRF-CREDIT-HOURS"][data-status="failed"]').waitFor({ state: 'attached' });
    await page.locator('#lint-summary[data-state="failed"]').waitFor();
    expect(await page.textContent('#lint-summary')).toContain('IN-NCRF-CREDIT-HOURS');
    expect(await page.textContent('#lint-profiles li[data-rule="IN-NCRF-CREDIT-HOURS"]')).toMatch(/75\.0 h per credit/);
    // Debounced: one request for the whole edit, not one per keystroke.
    expect(lintRequests.length - before).toBeLessThanOrEqual(2);
    expect(JSON.parse(lintRequests.at(-1)!)).toMatchObject({ achievement: { id: 'data-ethics-101', qualityBenchmark: { notionalHours: 150 } } });
    // The JSON editor follows the form.
    expect(JSON.parse(await page.inputValue('#ach-json'))).toMatchObject({ qualityBenchmark: { notionalHours: 150 } });
    await shot('03-lint-failed');

    await page.fill('#ach-notional-hours', '60');
    await page.locator('#lint-profiles li[data-rule="IN-NCRF-CREDIT-HOURS"][data-status="passed"]').waitFor({ state: 'attached' });
    await page.locator('#lint-summary[data-state="ok"], #lint-summary[data-state="warning"]').waitFor();
    await shot('04-lint-fixed');

    await page.click('#ach-save');
    await expect.poll(() => page.textContent('#ach-save-status')).toMatch(/Saved as version 1\b/);
    const stored = await api('GET', '/api/v1/achievements/data-ethics-101');
    expect(stored.json).toMatchObject({ id: 'data-ethics-101', version: 1, achievement: { name: 'Applied Data Ethics', id: `${base}/achievements/data-ethics-101/v1`, qualityBenchmark: { notionalHours: 60, profile: ['IN-NCrF', 'IN-ABC'] } } });
    await page.locator('#ach-list button[data-id="data-ethics-101"]').waitFor();
    expect(await page.getAttribute('#ach-list button[data-id="data-ethics-101"]', 'aria-current')).toBe('true');
    expect(await page.isDisabled('#ach-id')).toBe(true);
    await shot('05-saved');
  });

  it('uploads a cohort, lists the invalid rows with line numbers, issues it with progress and gives the manifest', async () => {
    await page.click('#tab-cohorts');
    await page.locator('#panel-cohorts').waitFor({ state: 'visible' });
    expect(await page.isHidden('#panel-achievements')).toBe(true);
    await page.selectOption('#cohort-achievement', 'data-ethics-101');
    await page.setInputFiles('#cohort-file', { name: 'cohort-2025.csv', mimeType: 'text/csv', buffer: Buffer.from(cohortCsv()) });
    await page.click('#cohort-upload');
    await page.locator('#cohort-invalid tbody tr').nth(1).waitFor();
    const lines = await page.locator('#cohort-invalid tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-line'), r.textContent]));
    expect(lines.map((l) => l[0])).toEqual(['32', '33']);
    expect(lines[0]![1]).toMatch(/Bad Grade/);
    expect(lines[1]![1]).toMatch(/identifies no learner/);
    expect(await page.textContent('#cohort-summary [data-count="pending"]')).toBe('30');
    expect(await page.textContent('#cohort-summary [data-count="invalid"]')).toBe('2');
    batchId = (await page.textContent('#cohort-batch-id'))!;
    // Validated only: nothing issued before the registrar starts it.
    expect((await api('GET', `/api/v1/batches/${batchId}`)).json).toMatchObject({ state: 'validated', counts: { pending: 30, invalid: 2, issued: 0 } });
    expect(await page.isHidden('#cohort-manifest')).toBe(true);
    await shot('06-cohort-validated');

    await page.click('#cohort-start');
    await page.locator('#cohort-progress-text[data-issued="30"][data-total="30"]').waitFor({ timeout: 60_000 });
    expect(await page.textContent('#cohort-progress-text')).toMatch(/30 \/ 30 issued/);
    expect(await page.getAttribute('#cohort-progress', 'aria-valuetext')).toBe('30 of 30 issued');
    await page.locator('#cohort-manifest').waitFor({ state: 'visible' });
    await page.locator('#cohort-summary[data-state="done"]').waitFor();
    await shot('07-cohort-done');

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#cohort-manifest')]);
    expect(download.suggestedFilename()).toBe(`manifest-${batchId}.csv`);
    const manifest = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    expect(manifest).toHaveLength(33);
    expect(manifest[0]).toBe('row,learner,credential_id,verification_url,status,problems');
    expect(manifest.filter((l) => l.includes(',issued,'))).toHaveLength(30);
    expect(manifest.filter((l) => l.includes(',invalid,'))).toHaveLength(2);
    // The batch list shows it.
    await page.click('#batch-refresh');
    await page.locator(`#batch-list tr[data-batch="${batchId}"]`).waitFor();
  });

  it('searches the issued credentials and revokes one with a reason', async () => {
    await page.click('#tab-credentials');
    await page.locator('#cred-summary[data-total="30"]').waitFor();
    expect(await page.locator('#cred-table tbody tr').count()).toBe(30);
    const href = await page.getAttribute('#cred-table tbody tr:first-child a', 'href');
    expect(href).toMatch(new RegExp(`^${base}/v/[A-Za-z0-9_-]+/[A-Za-z0-9_-]+$`));
    // Filters: by achievement, and by state (nothing is revoked yet).
    await page.selectOption('#cred-achievement', 'data-ethics-101');
    await page.selectOption('#cred-state', 'revoked');
    await page.click('#cred-submit');
    await page.locator('#cred-summary[data-total="0"]').waitFor();
    await page.selectOption('#cred-state', '');
    await page.click('#cred-submit');
    await page.locator('#cred-summary[data-total="30"]').waitFor();
    // Each row names its learner; a registrar finds one by part of the name or by the exact email.
    expect((await page.locator('#cred-table td[data-role="learner"]').allTextContents()).sort()).toEqual(Array.from({ length: 30 }, (_, i) => `Learner ${i}`).sort());
    await page.fill('#cred-learner', 'learner 2');
    await page.click('#cred-submit');
    await page.locator('#cred-summary[data-total="11"]').waitFor();
    expect((await page.locator('#cred-table td[data-role="learner"]').allTextContents()).sort()).toEqual(['Learner 2', ...Array.from({ length: 10 }, (_, i) => `Learner 2${i}`)].sort());
    await page.fill('#cred-learner', 'Learner17@Student.Example.in');
    await page.click('#cred-submit');
    await page.locator('#cred-summary[data-total="1"]').waitFor();
    expect(await page.locator('#cred-table td[data-role="learner"]').allTextContents()).toEqual(['Learner 17']);
    await shot('08-credentials-by-learner');
    await page.fill('#cred-learner', '');
    await page.click('#cred-submit');
    await page.locator('#cred-summary[data-total="30"]').waitFor();
    await shot('08-credentials');

    const row = page.locator('#cred-table tbody tr').first();
    revokedUuid = (await row.getAttribute('data-credential'))!;
    await row.locator('button[data-action="revoke"]').click();
    await page.locator('#state-dialog[open]').waitFor();
    // A reason is required.
    await page.click('#state-confirm');
    await expect.poll(() => page.textContent('#state-error')).toMatch(/Give a reason/);
    expect((await api('GET', `/api/v1/credentials/${revokedUuid}/status`)).json.state).toBe('active');
    await page.fill('#state-reason', 'issued in error: learner withdrew');
    await shot('09-revoke-dialog');
    await page.click('#state-confirm');
    await page.locator(`#cred-table tr[data-credential="${revokedUuid}"][data-state="revoked"]`).waitFor();
    expect(await page.textContent(`#cred-table tr[data-credential="${revokedUuid}"]`)).toContain('issued in error: learner withdrew');
    expect(await page.locator(`#cred-table tr[data-credential="${revokedUuid}"] button[data-action]`).count()).toBe(0);
    expect(await page.isHidden('#state-dialog')).toBe(true);
    const status = await api('GET', `/api/v1/credentials/${revokedUuid}/status`);
    expect(status.json).toMatchObject({ state: 'revoked', stateReason: 'issued in error: learner withdrew' });
    await shot('10-revoked');

    // Suspend and unsuspend another one.
    const second = page.locator('#cred-table tbody tr[data-state="active"]').first();
    const secondUuid = (await second.getAttribute('data-credential'))!;
    await second.locator('button[data-action="suspend"]').click();
    await page.fill('#state-reason', 'under investigation');
    await page.click('#state-confirm');
    await page.locator(`#cred-table tr[data-credential="${secondUuid}"][data-state="suspended"]`).waitFor();
    await page.locator(`#cred-table tr[data-credential="${secondUuid}"] button[data-action="unsuspend"]`).click();
    await page.click('#state-confirm');
    await page.locator(`#cred-table tr[data-credential="${secondUuid}"][data-state="active"]`).waitFor();
    expect((await api('GET', `/api/v1/credentials/${secondUuid}/status`)).json.state).toBe('active');

    // Search by state now finds the revoked one; the list is usable on a phone.
    await page.selectOption('#cred-state', 'revoked');
    await page.click('#cred-submit');
    await page.locator('#cred-summary[data-total="1"]').waitFor();
    expect(await page.getAttribute('#cred-table tbody tr', 'data-credential')).toBe(revokedUuid);
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('11-mobile');
    // Nothing wider than a phone: wide tables scroll inside their own box.
    for (const tab of ['#tab-credentials', '#tab-cohorts', '#tab-achievements']) {
      await page.click(tab);
      expect(await page.evaluate(() => document.documentElement.scrollWidth), tab).toBeLessThanOrEqual(390);
    }
    await page.click('#tab-credentials');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('renders data as text: markup in an achievement name is not interpreted', async () => {
    const name = '<img src=x id=injected onerror="document.title=1">Evil & <b>bold</b>';
    expect((await api('POST', '/api/v1/achievements', { body: { ...exampleAchievement(), id: 'markup-test', name } })).status).toBe(201);
    await page.click('#tab-achievements');
    await page.click('#ach-refresh');
    await page.locator('#ach-list button[data-id="markup-test"]').waitFor();
    expect(await page.textContent('#ach-list button[data-id="markup-test"]')).toContain(name);
    expect(await page.locator('#injected').count()).toBe(0);
    await page.click('#ach-list button[data-id="markup-test"]');
    await expect.poll(() => page.inputValue('#ach-name')).toBe(name);
    expect(await page.locator('#injected').count()).toBe(0);
  });

  it('keeps the session on reload; sign-out forgets the token', async () => {
    await page.reload();
    await page.locator('#mc-app').waitFor({ state: 'visible' });
    expect(await page.isHidden('#mc-signin')).toBe(true);

    await page.click('#mc-signout');
    await page.locator('#mc-signin').waitFor({ state: 'visible' });
    expect(await page.evaluate(() => sessionStorage.getItem('microcred.console.token'))).toBeNull();
    expect(await page.isHidden('#mc-app')).toBe(true);
    expect(await page.locator('#cred-table tbody tr').count()).toBe(0);
    await page.reload();
    await page.locator('#mc-signin').waitFor({ state: 'visible' });
    expect(await page.isHidden('#mc-app')).toBe(true);
    await shot('12-signed-out');
  });

  it('a token without admin scope can check but not save achievements, nor revoke without the revoke scope', async () => {
    const issuer = await api('POST', '/api/v1/tokens', { body: { scopes: ['issue'], label: 'registrar office' } });
    await page.fill('#mc-token', issuer.json.token as string);
    await page.click('#mc-signin-submit');
    await page.locator('#mc-app').waitFor({ state: 'visible' });
    expect(await page.textContent('#mc-who')).toMatch(/registrar office\s*issue/);
    expect(await page.isVisible('#ach-admin-note')).toBe(true);
    expect(await page.isDisabled('#ach-save')).toBe(true);
    await page.click('#tab-credentials');
    await page.locator('#cred-summary[data-total="30"]').waitFor();
    expect(await page.locator('#cred-table button[data-action="revoke"]:not([disabled])').count()).toBe(0);
    await page.click('#mc-signout');
    await page.locator('#mc-signin').waitFor({ state: 'visible' });
  });

  it('on a service with nothing in it yet, the cohort form and the batch list say what to do first', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mc-console-empty-'));
    const port = await freePort();
    const emptyBase = `http://127.0.0.1:${port}`;
    const empty = await startService(loadConfig({ PORT: String(port), HOST: '127.0.0.1', BASE_URL: emptyBase, DATA_DIR: dir, LOG_LEVEL: 'silent' }), { storage: await openSqliteStorage(join(dir, 'db.sqlite')) });
    try {
      await page.goto(`${emptyBase}/console`);
      await page.fill('#mc-token', empty.bootstrapToken!);
      await page.click('#mc-signin-submit');
      await page.locator('#mc-app').waitFor({ state: 'visible' });
      await page.click('#tab-cohorts');
      await page.locator('#batch-list tbody tr.empty').waitFor();
      expect(await page.textContent('#batch-list tbody')).toBe('No batches yet: upload a cohort file above.');
      expect(await page.locator('#cohort-achievement option').allTextContents()).toEqual(['No achievements yet: define one under Achievements']);
      expect(await page.inputValue('#cohort-achievement')).toBe('');
      await page.click('#cohort-upload');
      await expect.poll(() => page.textContent('#cohort-error')).toMatch(/Choose an achievement first/);
      await shot('13-empty-service');
      await page.click('#mc-signout');
    } finally {
      await empty.close();
    }
  });

  it('every page links the site icon, which the service serves', async () => {
    for (const path of ['/console', '/verify']) {
      const html = await (await fetch(`${base}${path}`)).text();
      expect(html).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
    }
    for (const path of ['/favicon.svg', '/favicon.ico']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(await res.text()).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    }
  });

  it('the page reported no errors (no CSP violations, no uncaught exceptions, no failed requests, not even /favicon.ico)', () => {
    expect(problems).toEqual([]);
  });
});
