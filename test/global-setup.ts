import { execFileSync } from 'node:child_process';

/** CLI tests spawn dist/cli/main.js: build once so they never test stale output. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}
