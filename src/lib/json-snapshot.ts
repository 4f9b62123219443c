/**
 * A JSON copy of a value, kept to tell cheaply whether a value (the same object changed in place,
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

/** The snapshot of JSON.stringify(value) (throws as JSON.stringify throws, e.g. on a BigInt). */
export function snapshotJson(value: unknown): JsonSnapshot {
  return compile(JSON.parse(JSON.stringify(value) ?? 'null') as unknown);
}

function compile(json: unknown): JsonSnapshot {
  if (json === null || typeof json !== 'object') return json as JsonSnapshot;
  if (Array.isArray(json)) return new ArraySnapshot(json.map(compile));
  const keys = Object.keys(json);
  return new ObjectSnapshot(keys, keys.map((k) => compile((json as Record<string, unknown>)[k])));
}

/**
 * Whether `value` serializes exactly as the snapshot: the same members in the same order, the
 * same strings and finite numbers, plain objects and arrays only. Anything JSON.stringify would
 * change (undefined, a Date or other class instance, NaN, a toJSON method, a hole in an array) makes
 * it differ, which only costs the caller a rebuild.
 */
export function matchesSnapshot(value: unknown, snapshot: JsonSnapshot): boolean {
  // A snapshot's numbers are finite (JSON has no NaN or Infinity), so equality suffices.
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
