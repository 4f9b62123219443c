/**
 * The key under which a schema is precompiled at build time and looked up in the browser: a
 * SHA-256 of the Ajv options (without `code`) and the schema, both as key-sorted JSON. The same
 * function runs in scripts/build-web.mjs (through the recorder) and in the bundle.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';

export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined || typeof v === 'function' ? 'null' : stableStringify(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

export function schemaKey(options: Record<string, unknown> | undefined, schema: unknown): string {
  const { code: _code, ...rest } = options ?? {};
  return bytesToHex(sha256(utf8ToBytes(stableStringify({ options: rest, schema }))));
}
