/**
 * Strict JSON for untrusted input (issue #9). `JSON.parse` alone has two traps for a verifier:
 *
 * - a duplicate member name silently keeps the last value, so one signed payload can say two
 *   different things to two different parsers (`{"creditsEarned": 1, "creditsEarned": 100}`);
 * - it happily builds a 10,000-deep structure that later recursive code (JSON Schema validation,
 *   JSON-LD, the shape cache) cannot walk without overflowing the stack.
 *
 * `parseStrictJson` parses with `JSON.parse` (the grammar and the value), then walks the tokens of
 * the same text with a real JSON tokenizer (@humanwhocodes/momoa, iterative, not recursive) to
 * refuse duplicate member names (compared after unescaping: `"a"` and `"\u0061"` are the same
 * name) and nesting deeper than `maxDepth`. Nothing here recurses, so hostile depth cannot
 * overflow it.
 */
import { tokenize } from '@humanwhocodes/momoa';

/** Deepest nesting of arrays and objects accepted (a top-level object is depth 1). */
export const MAX_JSON_DEPTH = 64;

export type StrictJsonResult =
  | { ok: true; value: unknown }
  | { ok: false; code: 'MC_JSON_INVALID' | 'MC_JSON_DUPLICATE_KEY' | 'MC_JSON_TOO_DEEP'; message: string };

interface Frame {
  /** Member names seen so far (objects only). */
  keys: Set<string> | null;
  /** The next String token at this level is a member name. */
  expectKey: boolean;
}

/** Parse JSON text, refusing invalid JSON, duplicate member names and nesting deeper than `maxDepth`. */
export function parseStrictJson(text: string, maxDepth: number = MAX_JSON_DEPTH): StrictJsonResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, code: 'MC_JSON_INVALID', message: `not valid JSON (${(e as Error).message})` };
  }
  if (value === null || typeof value !== 'object') return { ok: true, value };
  let tokens;
  try {
    tokens = tokenize(text, { mode: 'json', ranges: true });
  } catch (e) {
    // JSON.parse accepted it, so this would be a tokenizer disagreement: refuse rather than guess.
    return { ok: false, code: 'MC_JSON_INVALID', message: `not valid JSON (${(e as Error).message})` };
  }
  const stack: Frame[] = [];
  for (const t of tokens) {
    const top = stack[stack.length - 1];
    switch (t.type) {
      case 'LBrace':
      case 'LBracket':
        if (top) top.expectKey = false;
        if (stack.length >= maxDepth) {
          return { ok: false, code: 'MC_JSON_TOO_DEEP', message: `JSON nested deeper than ${maxDepth} levels (at offset ${t.range?.[0] ?? '?'})` };
        }
        stack.push({ keys: t.type === 'LBrace' ? new Set() : null, expectKey: t.type === 'LBrace' });
        break;
      case 'RBrace':
      case 'RBracket':
        stack.pop();
        break;
      case 'Comma':
        if (top?.keys) top.expectKey = true;
        break;
      case 'String':
        if (top?.keys && top.expectKey) {
          const [start, end] = t.range ?? [0, 0];
          const name = JSON.parse(text.slice(start, end)) as string;
          if (top.keys.has(name)) {
            return { ok: false, code: 'MC_JSON_DUPLICATE_KEY', message: `duplicate member name ${JSON.stringify(name).slice(0, 80)} (at offset ${start}): JSON parsers disagree on which value counts` };
          }
          top.keys.add(name);
          top.expectKey = false;
        }
        break;
      default:
        break;
    }
  }
  return { ok: true, value };
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
