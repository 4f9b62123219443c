/**
 * A structural copy of a JSON value, kept to tell cheaply whether a value (the same object changed in place,
 * or another one) would serialize exactly as the copy does. The issuer keeps one for the last
 * plain achievement and issuer profile it built, so consecutive requests with the same content
 * skip building and serializing them.
 */
export type JsonSnapshot = null | boolean | number | string | ArraySnapshot | ObjectSnapshot;

class ArraySnapshot {
  constructor(readonly items: JsonSnapshot[]) {}
}

class ObjectSnapshot {
  constructor(
    readonly keys: string[],
    readonly values: JsonSnapshot[],
  ) {}
}

/**
 * The snapshot of a value that is plain JSON data (plain objects, dense arrays, strings, finite
 * numbers, booleans, null; at most 64 levels deep), or undefined for any other value. It keeps
 * the value's own strings, so a caller that passes the same unchanged object again is answered
 * by pointer comparisons.
 */
export function snapshotJson(value: unknown): JsonSnapshot | undefined {
  return compile(value, 0);
}

function compile(v: unknown, depth: number): JsonSnapshot | undefined {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'object' || depth >= 64) return undefined;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return undefined;
    const items: JsonSnapshot[] = [];
    for (let i = 0; i < v.length; i++) {
      const item = i in v ? compile(v[i], depth + 1) : undefined;
      if (item === undefined) return undefined;
      items.push(item);
    }
    return new ArraySnapshot(items);
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  const keys = Object.keys(v);
  const values: JsonSnapshot[] = [];
  for (const k of keys) {
    const member = compile((v as Record<string, unknown>)[k], depth + 1);
    if (member === undefined) return undefined;
    values.push(member);
  }
  return new ObjectSnapshot(keys, values);
}

/**
 * Whether `value` serializes exactly as the snapshot: the same members in the same order, the
 * same strings and numbers, plain objects and arrays only. Anything JSON.stringify would change
 * (undefined, a Date or other class instance, NaN, a function, a hole in an array) makes it
 * differ, which only costs the caller a rebuild.
 */
export function matchesSnapshot(value: unknown, snapshot: JsonSnapshot): boolean {
  // A snapshot's numbers are finite, so equality suffices (-0 and 0 serialize alike).
  if (snapshot === null || typeof snapshot !== 'object') return value === snapshot;
  if (value === null || typeof value !== 'object') return false;
  if (snapshot instanceof ArraySnapshot) {
    if (!Array.isArray(value) || value.length !== snapshot.items.length) return false;
    for (let i = 0; i < value.length; i++) if (!matchesSnapshot(value[i], snapshot.items[i]!)) return false;
    return true;
  }
  if (Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  const { keys, values } = snapshot;
  let i = 0;
  // for-in walks the own enumerable string keys in Object.keys order (a plain object inherits
  // none, unless Object.prototype was polluted: then the extra key is a mismatch) without
  // allocating an array of them.
  for (const k in value) {
    if (i >= keys.length || k !== keys[i] || !Object.prototype.hasOwnProperty.call(value, k)) return false;
    if (!matchesSnapshot((value as Record<string, unknown>)[k], values[i]!)) return false;
    i++;
  }
  return i === keys.length;
}

/**
 * What was built from the last input, kept with a snapshot of that input: `find` gives it back
 * while the next input still serializes exactly the same (the same object unchanged, or another
 * with the same content). An input that is not plain JSON is not remembered.
 */
export class LastBuilt<T> {
  #last: { given: JsonSnapshot; built: T } | undefined;

  find(input: unknown): T | undefined {
    return this.#last !== undefined && matchesSnapshot(input, this.#last.given) ? this.#last.built : undefined;
  }

  remember(input: unknown, built: T): void {
    const given = snapshotJson(input);
    this.#last = given === undefined ? undefined : { given, built };
  }
}
