/**
 * Credentials of one cohort repeat the same achievement, byte for byte, and it is most of each
 * credential's text. Parsing it again for every credential, and serializing it again to key the
 * per-achievement caches, costs more than the rest of the checks together.
 *
 * `parseCredentialJson` therefore remembers the JSON text of recently seen achievements. When a
 * new credential's text holds one of them as `"achievement":<text>`, that span is swapped for a
 * unique marker string and only the rest is parsed (strictly); the achievement is the frozen
 * object parsed once from that text. The marker proves the span sat where the achievement
 * belongs: it must come back as exactly `credentialSubject.achievement` and occur once, which
 * cannot happen if the span started inside a string literal (the marker's opening quote would
 * end that string) or anywhere else in the document. Anything unexpected falls back to the
 * ordinary strict parse, which is the reference; the result is the same value either way.
 */
import { MAX_JSON_DEPTH, parseStrictJson, type StrictJsonResult } from '../lib/strict-json.js';
import { deepFreeze } from '../lib/deep-freeze.js';

const NAME = '"achievement":';
// Unguessable, so no credential can carry it by chance or design.
// getRandomValues, not randomUUID: the browser verify page may be served without TLS, where
// randomUUID does not exist.
const MARK_VALUE = `microcred-known-achievement-${Array.from(globalThis.crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')}`;
const MARK = JSON.stringify(MARK_VALUE);
/** credentialSubject.achievement is an object at depth 3 (the document is depth 1). */
const ACHIEVEMENT_DEPTH = 3;
const MAX_KNOWN = 16;
const MAX_TEXT = 256 * 1024;

interface Known {
  text: string;
  node: Record<string, unknown>;
  /** Nesting depth of the achievement itself. */
  depth: number;
}

/** Most recently used first. */
const known: Known[] = [];
const textOf = new WeakMap<object, string>();

/**
 * The achievement's JSON text when the verifier knows it (the object came from
 * parseCredentialJson), else undefined. Equal texts mean equal content: it keys the caches.
 */
export function knownAchievementText(node: object): string | undefined {
  return textOf.get(node);
}

/**
 * parseStrictJson for credential text, sharing parsed achievements across credentials. The
 * shared achievement objects are deeply frozen: they are reused by later verifications.
 */
export function parseCredentialJson(text: string, maxDepth: number = MAX_JSON_DEPTH): StrictJsonResult {
  const at = text.indexOf(NAME);
  if (at === -1) return parseStrictJson(text, maxDepth);
  const start = at + NAME.length;
  const hit = findKnown(text, start);
  if (hit !== undefined && hit.depth + ACHIEVEMENT_DEPTH - 1 <= maxDepth) {
    const fast = spliced(text, start, hit, maxDepth);
    if (fast !== undefined) return fast;
  }
  const full = parseStrictJson(text, maxDepth);
  if (full.ok) learn(full.value, text, start, maxDepth);
  return full;
}

function findKnown(text: string, start: number): Known | undefined {
  for (let i = 0; i < known.length; i++) {
    const k = known[i]!;
    if (holdsAt(text, k.text, start)) {
      if (i > 0) {
        known.splice(i, 1);
        known.unshift(k);
      }
      return k;
    }
  }
  return undefined;
}

/** text.startsWith(part, at), but a memory compare: startsWith walks a long part character by character. */
function holdsAt(text: string, part: string, at: number): boolean {
  return text.slice(at, at + part.length) === part;
}

function spliced(text: string, start: number, hit: Known, maxDepth: number): StrictJsonResult | undefined {
  const rest = text.slice(0, start) + MARK + text.slice(start + hit.text.length);
  // Any failure is reported by the full parse, with offsets into the real text.
  const r = parseStrictJson(rest, maxDepth);
  if (!r.ok) return undefined;
  const subject = subjectOf(r.value);
  if (subject === undefined || subject.achievement !== MARK_VALUE) return undefined;
  if (rest.indexOf(MARK) !== start || rest.indexOf(MARK, start + MARK.length) !== -1) return undefined;
  subject.achievement = hit.node;
  return r;
}

/** Remember the achievement of a fully parsed credential when its text appears as ours would. */
function learn(value: unknown, text: string, start: number, maxDepth: number): void {
  const achievement = subjectOf(value)?.achievement;
  if (achievement === null || typeof achievement !== 'object' || Array.isArray(achievement)) return;
  const achievementText = JSON.stringify(achievement);
  // The caches key on this text anyway; keep it so the verifier does not serialize it again.
  textOf.set(achievement, achievementText);
  if (achievementText.length > MAX_TEXT || !holdsAt(text, achievementText, start)) return;
  // Already known (its text was found, but the rest of this credential did not parse strictly).
  if (known.some((k) => k.text === achievementText)) return;
  const depth = depthOf(achievement);
  if (depth + ACHIEVEMENT_DEPTH - 1 > maxDepth) return;
  const node = deepFreeze(JSON.parse(achievementText) as Record<string, unknown>);
  textOf.set(node, achievementText);
  known.unshift({ text: achievementText, node, depth });
  if (known.length > MAX_KNOWN) known.pop();
}

function subjectOf(value: unknown): Record<string, unknown> | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const subject = (value as Record<string, unknown>).credentialSubject;
  return subject !== null && typeof subject === 'object' && !Array.isArray(subject) ? (subject as Record<string, unknown>) : undefined;
}

/** Nesting depth of arrays and objects (an object holding only scalars is 1). Iterative. */
function depthOf(root: object): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[root, 1]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > max) max = d;
    for (const c of Object.values(v)) stack.push([c, d + 1]);
  }
  return max;
}
