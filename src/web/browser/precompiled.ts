/** src/model/schema/precompiled.ts in the browser bundle: the Ajv stand-in (shims/ajv2020.ts) already serves precompiled validators. */
import type { ValidateFunction } from 'ajv/dist/2020.js';

export function precompiledValidator(_options: Record<string, unknown>, _formats: readonly string[], _schema: object): ValidateFunction | undefined {
  return undefined;
}
