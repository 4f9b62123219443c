/**
 * Typed errors with stable `code` strings. Callers (CLI, HTTP, tests) switch on `code`;
 * the message is for people and may change.
 */

export const ERROR_CODES = [
  // Input and usage
  'MC_USAGE',
  'MC_INPUT_UNREADABLE',
  'MC_INPUT_TOO_LARGE',
  'MC_INPUT_UNRECOGNIZED',
  // Baked badges (PNG / SVG images carrying a credential)
  'MC_BAKED_INVALID',
  'MC_BAKED_NOT_FOUND',
  // Issuance
  'MC_REQUEST_INVALID',
  'MC_CREDENTIAL_INVALID',
  'MC_KEY_FILE_INVALID',
  'MC_KEY_FILE_PERMISSIONS',
  'MC_ALG_UNSUPPORTED',
  // Guarded network access
  'MC_FETCH_BLOCKED',
  'MC_FETCH_TIMEOUT',
  'MC_FETCH_TOO_LARGE',
  'MC_FETCH_HTTP_STATUS',
  'MC_FETCH_FAILED',
  // JSON-LD
  'MC_CONTEXT_UNKNOWN',
  'MC_JSONLD_UNDEFINED_TERM',
  // Quality benchmarks
  'MC_BENCHMARK_FAILED',
  'MC_PROFILE_UNKNOWN',
] as const;

export type MicrocredErrorCode = (typeof ERROR_CODES)[number];

/** One problem found in a document: a JSON pointer-like path and a reason. */
export interface Problem {
  path: string;
  message: string;
  code?: string;
}

export class MicrocredError extends Error {
  readonly code: MicrocredErrorCode;
  readonly problems: Problem[];

  constructor(code: MicrocredErrorCode, message: string, options: { cause?: unknown; problems?: Problem[] } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'MicrocredError';
    this.code = code;
    this.problems = options.problems ?? [];
  }
}

export function isMicrocredError(e: unknown): e is MicrocredError {
  return e instanceof MicrocredError;
}
