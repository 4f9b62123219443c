/**
 * Validators compiled at build time. Compiling the OB 3.0 and extension schemas costs about 200 ms
 * at every process start (each CLI run, server start and batch worker), so `npm run build`
 * (scripts/build-web.mjs) writes Ajv standalone code for every schema the verifier compiles to
 * dist/model/schema/precompiled/. Each is keyed by its schema, Ajv options and formats
 * (src/lib/schema-key.ts): a schema changed since the build is compiled at run time, never
 * validated with stale code. Without a build (a source checkout), everything is compiled.
 * The browser bundle replaces this module: there the Ajv stand-in does the lookup itself.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { schemaKey } from '../../lib/schema-key.js';

// Same depth from src/model/schema and dist/model/schema: the package's dist/ either way.
const INDEX = fileURLToPath(new URL('../../../dist/model/schema/precompiled/index.cjs', import.meta.url));

let table: Record<string, () => ValidateFunction> | null | undefined;

function load(): Record<string, () => ValidateFunction> | null {
  if (table !== undefined) return table;
  // MICROCRED_PRECOMPILED=0 compiles every schema (to compare the two in tests).
  if (process.env.MICROCRED_PRECOMPILED === '0' || !existsSync(INDEX)) return (table = null);
  return (table = createRequire(import.meta.url)(INDEX) as Record<string, () => ValidateFunction>);
}

/** The build's validator for this schema under these Ajv options and formats, if it has one. */
export function precompiledValidator(options: Record<string, unknown>, formats: readonly string[], schema: object): ValidateFunction | undefined {
  const t = load();
  if (t === null) return undefined;
  const make = t[schemaKey(options, formats, schema)];
  return make ? make() : undefined;
}
