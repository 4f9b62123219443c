/**
 * A real headless Chromium for browser tests (Debian's `chromium`, driven by playwright-core).
 *
 *   describe.skipIf(!requireChromium('my suite'))('my suite', () => { ... });
 *
 * Each launch gets a fresh, throw-away user-data directory. `recordRequests` keeps every request
 * the browser context makes (pages, workers, fetches, navigations, web sockets), so a test can
 * prove that nothing left the page; `saveScreenshot` writes to test-artifacts/ (git-ignored).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test-artifacts');

/** The flags every launch uses: headless, no sandbox (containers), and no background traffic of its own. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Whether a suite that needs Chromium can run:
 * - present: `true`;
 * - missing in CI (`CI=true`): throws, so the suite fails instead of silently skipping;
 * - missing elsewhere: prints one warning line and returns `false`.
 */
export function requireChromium(suiteName: string): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI === 'true') {
    throw new Error(`${suiteName}: Chromium is required in CI, but ${CHROMIUM_PATH} was not found (apt-get install chromium, or set CHROMIUM_PATH)`);
  }
  console.warn(`skipping ${suiteName}: ${CHROMIUM_PATH} not found (install Debian's chromium package, or set CHROMIUM_PATH)`);
  return false;
}

export interface LaunchedBrowser {
  context: BrowserContext;
  userDataDir: string;
  close(): Promise<void>;
}

export interface LaunchOptions {
  /** Extra Chromium flags (e.g. a fake camera). */
  args?: string[];
  /** Permissions granted to every origin (e.g. ['camera']). */
  permissions?: string[];
}

/** Launch Chromium with a fresh user-data directory; `close()` quits it and deletes the directory. */
export async function launchBrowser(options: LaunchOptions = {}): Promise<LaunchedBrowser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'microcred-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      viewport: { width: 900, height: 1200 },
      deviceScaleFactor: 1,
      ...(options.permissions ? { permissions: options.permissions } : {}),
    });
  } catch (e) {
    rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    context,
    userDataDir,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface RecordedRequest {
  url: string;
  method: string;
  resourceType: string;
  /** For web sockets, which the request event does not report. */
  kind: 'request' | 'websocket';
}

export interface RequestLog {
  readonly all: readonly RecordedRequest[];
  /** The requests made since `mark()` was last called (or since recording began). */
  sinceMark(): RecordedRequest[];
  mark(): void;
}

/** Record every request of the context (all its pages and workers) from now on. */
export function recordRequests(context: BrowserContext): RequestLog {
  const all: RecordedRequest[] = [];
  let marked = 0;
  context.on('request', (r) => all.push({ url: r.url(), method: r.method(), resourceType: r.resourceType(), kind: 'request' }));
  const watchPage = (page: Page): void => {
    page.on('websocket', (ws) => all.push({ url: ws.url(), method: 'GET', resourceType: 'websocket', kind: 'websocket' }));
  };
  context.pages().forEach(watchPage);
  context.on('page', watchPage);
  return {
    all,
    sinceMark: () => all.slice(marked),
    mark: () => {
      marked = all.length;
    },
  };
}

/** Problems a page reported: uncaught errors, console errors (CSP violations land here). */
export function recordPageProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Every page links the service's icon, so not even the browser's own /favicon.ico request may fail.
    if (m.type() === 'error') problems.push(`console.error: ${m.text()}`);
  });
  return problems;
}

/** Save a full-page screenshot as test-artifacts/<group>/<name>.png; returns the path. */
export async function saveScreenshot(page: Page, group: string, name: string): Promise<string> {
  const dir = path.join(ARTIFACTS_DIR, group);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name.replace(/[^a-z0-9._-]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
