/**
 * Access to the shared 1EdTech spec material (contexts, schemas, official examples and the
 * official validator's fixtures). It lives next to the repository, in `../shared`, and is never
 * copied into it. Suites that need it call `requireShared` so that they skip cleanly on a
 * developer machine without it, but fail loudly in CI, where a silently skipped conformance
 * suite would look green.
 *
 *   describe.skipIf(!requireShared('my suite'))('my suite', () => { ... });
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/helpers/shared.ts). */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Absolute path of the shared material: `../shared` relative to the repository root. */
export const SHARED_DIR: string = path.resolve(REPO_ROOT, '../shared');

/** Whether `../shared` is present. */
export const hasShared: boolean = existsSync(SHARED_DIR);

/**
 * Whether a suite that needs `../shared` can run.
 * - present: `true`;
 * - missing in CI (`CI=true`): throws, so the test file fails instead of silently skipping;
 * - missing elsewhere: prints one warning line and returns `false`.
 */
export function requireShared(suiteName: string): boolean {
  if (hasShared) return true;
  if (process.env.CI === 'true') {
    throw new Error(
      `${suiteName}: the 1EdTech conformance data is required in CI, but ${SHARED_DIR} was not found ` +
        '(check out the shared spec material next to the repository)',
    );
  }
  console.warn(`skipping ${suiteName}: ../shared not found (tests that need the 1EdTech fixtures run only next to it)`);
  return false;
}

/** Absolute path of a file inside `../shared`; refuses paths that leave it. */
function sharedPath(relPath: string): string {
  const abs = path.resolve(SHARED_DIR, relPath);
  const rel = path.relative(SHARED_DIR, abs);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new Error(`${relPath} is not a file inside ${SHARED_DIR}`);
  }
  return abs;
}

/** Read a UTF-8 text file, `relPath` relative to `../shared` (e.g. `spec/ob3/examples/README.md`). */
export function readShared(relPath: string): string {
  return readFileSync(sharedPath(relPath), 'utf8');
}

/** Read and parse a JSON file, `relPath` relative to `../shared`. */
export function readSharedJson(relPath: string): unknown {
  return JSON.parse(readShared(relPath)) as unknown;
}
