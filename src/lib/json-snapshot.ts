/**
 * A structural copy of a JSON value, kept to tell cheaply whether a value (the same object changed in place,
 * or another one) would serialize exactly as the copy does. The issuer keeps one for the last
 * plain achievement and issuer profile it built, so consecutive requests with the same content
 * skip building and serializing them.
 */
export class JsonSnapshot {
  /**
   * The value depth first in one array: a leaf as itself; an object as OBJECT, its member count,
   * then each member's name and value; an array as ARRAY, its length, then its items. One
   * contiguous array rather than a node per object: comparing walks fewer cache lines, which
   * counts when something else has used the caches since the last comparison (a signature
   * between one-off credentials; see bench/run.ts, interference).
   */
  constructor(readonly slots: readonly unknown[]) {}
}

/** Markers in a snapshot's slots: symbols, which no JSON value is, so no leaf can imitate them. */
const OBJECT = Symbol('object');
const ARRAY = Symbol('array');

/**
 * The snapshot of a value that is plain JSON data (plain objects, dense arrays, strings, finite
 * numbers, booleans, null; at most 64 levels deep), or undefined for any other value. It keeps
 * the value's own strings, so a caller that passes the same unchanged object again is answered
 * by pointer comparisons.
 */
export function snapshotJson(value: unknown): JsonSnapshot | undefined {
  const slots: unknown[] = [];
  return write(value, 0, slots) ? new JsonSnapshot(slots) : undefined;
}

function write(v: unknown, depth: number, slots: unknown[]): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v))) {
    slots.push(v);
    return true;
  }
  if (typeof v !== 'object' || depth >= 64) return false;
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return false;
    slots.push(ARRAY, v.length);
    for (let i = 0; i < v.length; i++) if (!(i in v) || !write(v[i], depth + 1, slots)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  const keys = Object.keys(v);
  slots.push(OBJECT, keys.length);
  for (const k of keys) {
    slots.push(k);
    if (!write((v as Record<string, unknown>)[k], depth + 1, slots)) return false;
  }
  return true;
}

/**
 * Whether `value` serializes exactly as the snapshot: the same members in the same order, the
 * same strings and numbers, plain objects and arrays only. Anything JSON.stringify would change
 * (undefined, a Date or other class instance, NaN, a function, a hole in an array) makes it
 * differ, which only costs the caller a rebuild.
 */
export function matchesSnapshot(value: unknown, snapshot: JsonSnapshot): boolean {
  return matchAt(value, snapshot.slots, 0) === snapshot.slots.length;
}

/** Where value's encoding ends in `slots` when it starts at `at`, or -1 when it differs. */
function matchAt(value: unknown, slots: readonly unknown[], at: number): number {
  const s = slots[at];
  if (s === OBJECT) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return -1;
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto !== Object.prototype && proto !== null) return -1;
    const count = slots[at + 1] as number;
    at += 2;
    let i = 0;
    // for-in walks the own enumerable string keys in Object.keys order (a plain object inherits
    // none, unless Object.prototype was polluted: then the extra key is a mismatch) without
    // allocating an array of them.
    for (const k in value) {
      if (i >= count || k !== slots[at] || !Object.prototype.hasOwnProperty.call(value, k)) return -1;
      at = matchAt((value as Record<string, unknown>)[k], slots, at + 1);
      if (at < 0) return -1;
      i++;
    }
    return i === count ? at : -1;
  }
  if (s === ARRAY) {
    if (!Array.isArray(value) || value.length !== slots[at + 1]) return -1;
    at += 2;
    for (let i = 0; i < value.length && at >= 0; i++) at = matchAt(value[i], slots, at);
    return at;
  }
  // A leaf: a snapshot's numbers are finite, so equality suffices (-0 and 0 serialize alike).
  return value === s ? at + 1 : -1;
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
