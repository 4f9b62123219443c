import type { Problem } from '../errors.js';
import { isMicrocredError } from '../errors.js';
import { ServiceError } from '../service/errors.js';

/** Thrown by commands to end with a given exit code after printing their own message. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export function printProblems(problems: Problem[], write: (s: string) => void = (s) => process.stderr.write(s)): void {
  for (const p of problems) write(`  ${p.path || '/'}: ${p.message}\n`);
}

/** One line per error, stable code first, never a stack trace. */
export function reportError(e: unknown): number {
  if (e instanceof CliExit) return e.exitCode;
  if (isMicrocredError(e)) {
    process.stderr.write(`microcred: ${e.code}: ${e.message}\n`);
    printProblems(e.problems);
    return e.code === 'MC_USAGE' || e.code === 'MC_INPUT_UNREADABLE' ? 2 : 1;
  }
  if (e instanceof ServiceError) {
    // The service's refusals: a bad argument or an unknown id is a usage error; the rest (exists, invalid, revoked) a refusal.
    process.stderr.write(`microcred: ${e.code}: ${e.message}\n`);
    printProblems(e.problems);
    return e.status === 400 || e.status === 404 ? 2 : 1;
  }
  const err = e as NodeJS.ErrnoException;
  process.stderr.write(`microcred: MC_INTERNAL: ${err?.message ?? String(e)}\n`);
  return 70;
}
