/**
 * Strict JSON for untrusted input (issue #9). `JSON.parse` alone has two traps for a verifier:
 *
 * - a duplicate member name silently keeps the last value, so one signed payload can say two
 *   different things to two different parsers (`{"creditsEarned": 1, "creditsEarned": 100}`);
 * - it happily builds a 10,000-deep structure that later recursive code (JSON Schema validation,
 *   JSON-LD, the shape cache) cannot walk without overflowing the stack.
 *
 * `parseStrictJson` parses with `JSON.parse` (the grammar and the value), then walks the same text
 * with a JSON scanner (`jsonc-parser`, allocation-light: it runs on every verify; it recurses,
 * so depth is checked first, iteratively, on the parsed value)
 * to refuse duplicate member names (compared after unescaping: `"a"` and `"\u0061"` are the same
 * name) and nesting deeper than `maxDepth`. Nothing here recurses, so hostile depth cannot
 * overflow it.
 */
import { visit } from 'jsonc-parser';

/** Deepest nesting of arrays and objects accepted (a top-level object is depth 1). */
export const MAX_JSON_DEPTH = 64;

export type StrictJsonResult =
  | { ok: true; value: unknown }
  | { ok: false; code: 'MC_JSON_INVALID' | 'MC_JSON_DUPLICATE_KEY' | 'MC_JSON_TOO_DEEP'; message: string };

/** Parse JSON text, refusing invalid JSON, duplicate member names and nesting deeper than `maxDepth`. */
export function parseStrictJson(text: string, maxDepth: number = MAX_JSON_DEPTH): StrictJsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, code: 'MC_JSON_INVALID', message: `not valid JSON (${(e as Error).message})` };
  }
  if (value === null || typeof value !== 'object') return { ok: true, value };
  // Depth first, iteratively on the parsed value: the scanner below recurses, so it only ever
  // sees documents at most maxDepth deep.
  const shape = checkJsonValue(value, maxDepth);
  if (!shape.ok) return { ok: false, code: 'MC_JSON_TOO_DEEP', message: shape.message };
  // Member names per open object (null for arrays). JSON.parse accepted the text, so the scanner
  // sees valid JSON; it is told to allow no comments or trailing commas all the same.
  const stack: Array<Set<string> | null> = [];
  let failure: Extract<StrictJsonResult, { ok: false }> | null = null;
  const open = (keys: Set<string> | null, offset: number) => {
    if (stack.length >= maxDepth) failure ??= { ok: false, code: 'MC_JSON_TOO_DEEP', message: `JSON nested deeper than ${maxDepth} levels (at offset ${offset})` };
    stack.push(keys);
  };
  visit(
    text,
    {
      onObjectBegin: (offset) => open(new Set(), offset),
      onArrayBegin: (offset) => open(null, offset),
      onObjectEnd: () => void stack.pop(),
      onArrayEnd: () => void stack.pop(),
      onObjectProperty: (name, offset) => {
        const keys = stack[stack.length - 1];
        if (!keys) return;
        if (keys.has(name)) failure ??= { ok: false, code: 'MC_JSON_DUPLICATE_KEY', message: `duplicate member name ${JSON.stringify(name).slice(0, 80)} (at offset ${offset}): JSON parsers disagree on which value counts` };
        keys.add(name);
      },
    },
    { disallowComments: true, allowTrailingComma: false },
  );
  return failure ?? { ok: true, value };
}

/**
 * For values that arrive already parsed (library callers, HTTP bodies): refuse nesting deeper
 * than `maxDepth`, cycles, and more than `maxNodes` values (shared sub-objects count each time
 * they are reached, so a small object graph cannot expand into an enormous tree). Iterative.
 */
export function checkJsonValue(value: unknown, maxDepth: number = MAX_JSON_DEPTH, maxNodes = 1_000_000): { ok: true } | { ok: false; code: 'MC_JSON_TOO_DEEP' | 'MC_INPUT_TOO_LARGE'; message: string } {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 1 }];
  let nodes = 0;
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (++nodes > maxNodes) return { ok: false, code: 'MC_INPUT_TOO_LARGE', message: `the credential has more than ${maxNodes} values` };
    if (v === null || typeof v !== 'object') continue;
    if (depth > maxDepth) return { ok: false, code: 'MC_JSON_TOO_DEEP', message: `the credential is nested deeper than ${maxDepth} levels (or contains a cycle)` };
    const children = Array.isArray(v) ? v : Object.values(v as Record<string, unknown>);
    for (const c of children) {
      if (c !== null && typeof c === 'object') stack.push({ v: c, depth: depth + 1 });
      else nodes++;
    }
  }
  return { ok: true };
}
