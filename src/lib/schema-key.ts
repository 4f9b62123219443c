/**
 * The key under which a JSON Schema's validator is precompiled at build time and looked up at run
 * time (in Node, src/model/schema/precompiled.ts; in the browser bundle, shims/ajv2020.ts): a
 * SHA-256 of the Ajv options (without `code`), the formats added, and the schema, as key-sorted
 * JSON. A changed schema, option or format list gets a new key, so a stale build is never used.
 * The same function runs in scripts/build-web.mjs (through its recorder).
 */
import { createHash } from 'node:crypto';

export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : stableStringify(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

export function schemaKey(options: Record<string, unknown> | undefined, formats: readonly string[], schema: unknown): string {
  const { code: _code, ...rest } = options ?? {};
  return createHash('sha256').update(stableStringify({ options: rest, formats, schema }), 'utf8').digest('hex');
}
