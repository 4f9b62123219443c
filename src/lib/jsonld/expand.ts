import jsonld from 'jsonld';
import { LRUCache } from 'lru-cache';
import type { Problem } from '../../errors.js';
import { documentLoader } from './loader.js';
import type { KnownPart } from '../known-part.js';

/**
 * Whether every term is defined depends only on the document's shape: its keys, its types, its
 * contexts, and whether string values are absolute IRIs. Credentials of one achievement share a
 * shape, so JSON-LD expansion (milliseconds each) runs once per shape, not once per credential.
 */
export function jsonLdShape(v: unknown, parts?: readonly KnownPart[]): string {
  return shapeOf(v, '', parts ?? NO_PARTS);
}

const NO_PARTS: readonly KnownPart[] = [];

/**
 * A part's shape stands in the document's shape as a short token naming it, so the document's
 * shape (the key of the expansion cache, hashed on every lookup) stays small. An array's shape
 * also depends on the member it sits in (type and @context strings are kept, others are not), so
 * an array part's entry is keyed by that member too.
 */
const partShapes = new LRUCache<string, string>({ max: 512 });
const partTokens = new Map<string, string>();
let tokenCount = 0;

/** The part whose node `v` is, if any (a handful of identity comparisons). */
function partOf(v: object, parts: readonly KnownPart[]): KnownPart | undefined {
  for (let i = 0; i < parts.length; i++) if (parts[i]!.node === v) return parts[i];
  return undefined;
}

/**
 * The last token of each part node, by identity: a cohort hands in the same shared nodes with
 * the same text strings, so this is a pointer compare where the content cache would hash the text.
 */
const lastToken = new WeakMap<object, { key: string; member: string; token: string }>();

function partToken(part: KnownPart, member: string, build: boolean): string | undefined {
  const seen = lastToken.get(part.node);
  if (seen !== undefined && seen.key === part.key && seen.member === member) return seen.token;
  // An array's shape depends on the member it sits in: its entry is keyed by that member too.
  const cacheKey = Array.isArray(part.node) ? `${member}\u0000${part.key}` : part.key;
  let known = partShapes.get(cacheKey);
  if (known === undefined) {
    if (!build) return undefined;
    const full = shapeOf(part.node, member, NO_PARTS);
    let token = partTokens.get(full);
    if (token === undefined) {
      // Bounded: one token per distinct part shape seen; cleared (tokens stay unique) if it grows.
      if (partTokens.size >= 4096) partTokens.clear();
      partTokens.set(full, (token = `\u0001${(tokenCount++).toString(36)}\u0001`));
    }
    partShapes.set(cacheKey, (known = token));
  }
  lastToken.set(part.node, { key: part.key, member, token: known });
  return known;
}

// String concatenation (V8 ropes) and a hand-rolled IRI test: this runs on every issue and verify.
function shapeOf(v: unknown, key: string, parts: readonly KnownPart[]): string {
  if (v === null) return 'n';
  if (typeof v === 'object') {
    const part = parts.length ? partOf(v, parts) : undefined;
    if (part !== undefined) return partToken(part, key, true)!;
    if (Array.isArray(v)) {
      let s = '[';
      for (const x of v) s += shapeOf(x, key, parts) + ',';
      return s + ']';
    }
    // Names and type strings carry their length, so no name (which may hold any character) can
    // imitate the encoding of other members: two documents share a shape only if they truly do.
    let s = '{';
    for (const k in v) s += k.length + '\u0000' + k + shapeOf((v as Record<string, unknown>)[k], k, parts) + ',';
    return s + '}';
  }
  if (typeof v === 'string') {
    if (keptKey(key)) return '"' + v.length + '"' + v;
    return isAbsoluteIri(v) ? 'i' : 's';
  }
  return typeof v === 'number' ? '0' : 'b';
}

const keptKey = (key: string) => key === 'type' || key === '@type' || key === '@context' || key === 'cryptosuite';

/** A string value kept in a shape (a type, a context, a cryptosuite), and a known part's token. */
class Kept {
  constructor(readonly value: string) {}
}
class Token {
  constructor(readonly token: string) {}
}
/** An object's members in order, each with its value's shape. */
class Members {
  constructor(
    readonly keys: string[],
    readonly values: ShapeTree[],
  ) {}
}

/**
 * A document's shape as a tree (shapeOf's information, walkable without parsing): a leaf code
 * ('n', '0', 'b', 's', 'i', as shapeOf writes them), a kept string, a part's token, an array's
 * items or an object's members. Matching a document against it compares member names with ===,
 * which for the internalized names of parsed and built objects is a pointer compare.
 */
export type ShapeTree = string | Kept | Token | Members | ShapeTree[];

/** The tree of v's shape: matchesShape(w, jsonLdShapeTree(v)) exactly when jsonLdShape(w) === jsonLdShape(v). */
export function jsonLdShapeTree(v: unknown, parts?: readonly KnownPart[]): ShapeTree {
  return treeOf(v, '', parts ?? NO_PARTS);
}

function treeOf(v: unknown, key: string, parts: readonly KnownPart[]): ShapeTree {
  if (v === null) return 'n';
  if (typeof v === 'object') {
    const part = parts.length ? partOf(v, parts) : undefined;
    if (part !== undefined) return new Token(partToken(part, key, true)!);
    if (Array.isArray(v)) {
      const items: ShapeTree[] = [];
      for (const x of v) items.push(treeOf(x, key, parts));
      return items;
    }
    const keys: string[] = [];
    const values: ShapeTree[] = [];
    for (const k in v) {
      keys.push(k);
      values.push(treeOf((v as Record<string, unknown>)[k], k, parts));
    }
    return new Members(keys, values);
  }
  if (typeof v === 'string') return keptKey(key) ? new Kept(v) : isAbsoluteIri(v) ? 'i' : 's';
  return typeof v === 'number' ? '0' : 'b';
}

/**
 * Whether `v` has exactly the shape of `tree`, without building its shape: a cohort's documents
 * mostly repeat the last shape, and building it allocated more than everything else on the
 * issue path. Walks v as shapeOf does, so the two agree on every value (holes, inherited keys).
 */
export function matchesShape(v: unknown, tree: ShapeTree, parts?: readonly KnownPart[]): boolean {
  return fits(v, '', parts ?? NO_PARTS, tree);
}

function fits(v: unknown, key: string, parts: readonly KnownPart[], t: ShapeTree): boolean {
  if (v === null) return t === 'n';
  if (typeof v === 'object') {
    const part = parts.length ? partOf(v, parts) : undefined;
    if (part !== undefined) return t instanceof Token && partToken(part, key, false) === t.token;
    if (Array.isArray(v)) {
      if (!Array.isArray(t)) return false;
      let i = 0;
      for (const x of v) {
        if (i >= t.length || !fits(x, key, parts, t[i]!)) return false;
        i++;
      }
      return i === t.length;
    }
    if (!(t instanceof Members)) return false;
    const { keys, values } = t;
    let i = 0;
    for (const k in v) {
      if (i >= keys.length || k !== keys[i] || !fits((v as Record<string, unknown>)[k], k, parts, values[i]!)) return false;
      i++;
    }
    return i === keys.length;
  }
  if (typeof v === 'string') return keptKey(key) ? t instanceof Kept && t.value === v : t === (isAbsoluteIri(v) ? 'i' : 's');
  return t === (typeof v === 'number' ? '0' : 'b');
}

/** Starts with a URI scheme (RFC 3986: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":"). */
function isAbsoluteIri(s: string): boolean {
  const first = s.charCodeAt(0) | 32;
  if (first < 97 || first > 122) return false;
  for (let i = 1; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) return true;
    const lower = c | 32;
    if (!((lower >= 97 && lower <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)) return false;
  }
  return false;
}

/** Verdicts per shape, each with its shape's tree (for matching the next documents in place). */
const shapeCache = new LRUCache<string, ShapeVerdict>({ max: 2000 });
interface ShapeVerdict {
  tree: ShapeTree;
  problems: Problem[];
}

/** checkJsonLdTerms, remembered per document shape (see jsonLdShape). */
export async function checkJsonLdTermsCached(document: Record<string, unknown>, parts?: readonly KnownPart[]): Promise<Problem[]> {
  return checkJsonLdTermsNow(document, parts);
}

/**
 * checkJsonLdTermsCached, answered at once (no promise) when the shape's verdict is known: a
 * cohort's credentials then pass this check without a turn of the event loop each.
 */
export function checkJsonLdTermsNow(document: Record<string, unknown>, parts?: readonly KnownPart[]): Problem[] | Promise<Problem[]> {
  // A cohort's credentials usually share the last shape: checked in place, with no shape built.
  if (last !== undefined && matchesShape(document, last.tree, parts)) return last.problems;
  const shape = jsonLdShape(document, parts);
  const known = shapeCache.get(shape);
  if (known) {
    last = known;
    return known.problems;
  }
  const tree = jsonLdShapeTree(document, parts);
  return checkJsonLdTerms(document).then((problems) => {
    const verdict = { tree, problems };
    shapeCache.set(shape, verdict);
    last = verdict;
    return problems;
  });
}

let last: ShapeVerdict | undefined;

/**
 * VCDM 2.0's context maps every undefined term into this namespace through `@vocab`, so safe
 * mode alone never fires on a VC 2.0 credential: an undefined term shows up here instead.
 */
const ISSUER_DEPENDENT = 'https://www.w3.org/ns/credentials/issuer-dependent#';

/**
 * Every term must be defined by the credential's contexts. Expands in JSON-LD safe mode (lossy
 * expansion is an error) and then refuses any property or type that only `@vocab` caught.
 * This is the check the official 1EdTech validator applies. Empty result: all terms defined.
 */
export async function checkJsonLdTerms(document: Record<string, unknown>): Promise<Problem[]> {
  let expanded: unknown;
  try {
    expanded = await jsonld.expand(document as jsonld.JsonLdDocument, { documentLoader: documentLoader as never, safe: true } as jsonld.Options.Expand);
  } catch (e) {
    return [describe(e, document)];
  }
  const undefinedTerms = new Set<string>();
  collectUndefined(expanded, undefinedTerms);
  return [...undefinedTerms].map((term) => ({
    path: findPath(document, term) ?? '/',
    code: 'MC_JSONLD_UNDEFINED_TERM',
    message: `"${term}" is not defined by any @context of the credential`,
  }));
}

function collectUndefined(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const n of node) collectUndefined(n, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key.startsWith(ISSUER_DEPENDENT)) out.add(key.slice(ISSUER_DEPENDENT.length));
    if (key === '@type') {
      for (const t of Array.isArray(value) ? value : [value]) if (typeof t === 'string' && t.startsWith(ISSUER_DEPENDENT)) out.add(t.slice(ISSUER_DEPENDENT.length));
    }
    if (key !== '@value') collectUndefined(value, out);
  }
}

/** JSON pointer of the first place the term is used as a key or a type value, for the report. */
function findPath(doc: unknown, term: string, path = ''): string | null {
  if (Array.isArray(doc)) {
    for (let i = 0; i < doc.length; i++) {
      const p = findPath(doc[i], term, `${path}/${i}`);
      if (p) return p;
    }
    return null;
  }
  if (doc === null || typeof doc !== 'object') return null;
  for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
    if (k === '@context') continue;
    if (k === term) return `${path}/${k}`;
    if (k === 'type' && (v === term || (Array.isArray(v) && v.includes(term)))) return `${path}/type`;
    const p = findPath(v, term, `${path}/${k}`);
    if (p) return p;
  }
  return null;
}

interface JsonLdError {
  message?: string;
  details?: { event?: { code?: string; details?: Record<string, unknown> }; cause?: { code?: string; message?: string } };
}

function describe(e: unknown, document: Record<string, unknown>): Problem {
  const err = e as JsonLdError;
  const cause = err.details?.cause;
  if (cause?.code === 'MC_CONTEXT_UNKNOWN') return { path: '/@context', code: 'MC_CONTEXT_UNKNOWN', message: cause.message ?? 'unknown context' };
  const event = err.details?.event;
  if (event?.code) {
    const term = (event.details?.property ?? event.details?.term ?? event.details?.type) as string | undefined;
    const path = (term && findPath(document, term)) ?? '/';
    if (term && (event.code === 'invalid property' || event.code === 'relative @type reference')) {
      const what = event.code === 'invalid property' ? 'property' : 'type';
      return { path, code: 'MC_JSONLD_UNDEFINED_TERM', message: `${what} "${term}" is not defined by any @context of the credential` };
    }
    return { path, code: 'MC_JSONLD_UNDEFINED_TERM', message: `JSON-LD safe mode refused the document (${event.code}${term ? `: "${term}"` : ''})` };
  }
  return { path: '/', code: 'MC_JSONLD_FAILED', message: `JSON-LD processing failed: ${err.message ?? String(e)}` };
}
