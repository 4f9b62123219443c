/**
 * Strict JSON for untrusted input (issue #9). `JSON.parse` alone has two traps for a verifier:
 *
 * - a duplicate member name silently keeps the last value, so one signed payload can say two
 *   different things to two different parsers (`{"creditsEarned": 1, "creditsEarned": 100}`);
 * - it happily builds a 10,000-deep structure that later recursive code (JSON Schema validation,
 *   JSON-LD, the shape cache) cannot walk without overflowing the stack.
 *
 * `parseStrictJson` parses with `JSON.parse` (the grammar and the value), then checks depth
 * iteratively on the parsed value, and proves there is no duplicate member name by counting:
 * `JSON.parse` only ever loses a member by a later duplicate overwriting it, so the text has
 * exactly as many member names as the parsed objects have keys unless a name repeats. The count
 * runs on every verify and costs a few microseconds; only when the counts differ does a JSON
 * scanner (`jsonc-parser`) walk the text to name the duplicate (compared after unescaping: `"a"`
 * and `"\u0061"` are the same name). Nothing here recurses, so hostile depth cannot overflow it.
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
  const keys = countParsedKeys(value, maxDepth);
  if (keys < 0) return { ok: false, code: 'MC_JSON_TOO_DEEP', message: `JSON nested deeper than ${maxDepth} levels` };
  if (countMemberNames(text) === keys) return { ok: true, value };
  // The scanner is the reference: it names the duplicate, and overrules a miscount.
  return findDuplicate(text, maxDepth) ?? { ok: true, value };
}

/** Own keys of every object in a parsed value, or -1 when it nests deeper than maxDepth. Iterative. */
function countParsedKeys(value: object, maxDepth: number): number {
  let keys = 0;
  const values: object[] = [value];
  const depths: number[] = [1];
  while (values.length) {
    const v = values.pop()!;
    const depth = depths.pop()!;
    if (depth > maxDepth) return -1;
    if (Array.isArray(v)) {
      for (const c of v) {
        if (c !== null && typeof c === 'object') {
          values.push(c as object);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const k in v) {
        keys++;
        const c = (v as Record<string, unknown>)[k];
        if (c !== null && typeof c === 'object') {
          values.push(c);
          depths.push(depth + 1);
        }
      }
    }
  }
  return keys;
}

/**
 * Member names in JSON text that JSON.parse accepted: string literals followed (after
 * whitespace) by ':'. Outside strings valid JSON has no '"', so stepping from quote to quote
 * visits exactly the string literals; a quote preceded by an odd run of backslashes is escaped.
 */
function countMemberNames(text: string): number {
  let n = 0;
  let open = text.indexOf('"');
  while (open !== -1) {
    let close = text.indexOf('"', open + 1);
    for (;;) {
      if (close === -1) return -1; // unreachable for text JSON.parse accepted; never loop on it
      let slashes = 0;
      for (let k = close - 1; text.charCodeAt(k) === 92; k--) slashes++;
      if (slashes % 2 === 0) break;
      close = text.indexOf('"', close + 1);
    }
    let next = close + 1;
    let c = text.charCodeAt(next);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = text.charCodeAt(++next);
    if (c === 58) n++;
    open = text.indexOf('"', next);
  }
  return n;
}

/** The slow path, only for text known to repeat a name: find it (after unescaping) and say where. */
function findDuplicate(text: string, maxDepth: number): Extract<StrictJsonResult, { ok: false }> | null {
  // Member names per open object (null for arrays). The depth was checked on the parsed value,
  // so this recursive scanner never sees more than maxDepth levels.
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
  return failure;
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
