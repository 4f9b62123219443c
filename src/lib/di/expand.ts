/**
 * JSON-LD expansion for canonicalization, by jsonld.js itself, made fast for credentials.
 *
 * jsonld.js deep-copies the whole active context (every term definition, with the embedded
 * type-scoped contexts of the VC and OB contexts) each time a type- or property-scoped context
 * applies, i.e. at almost every typed node of an Open Badge. That copy is most of the cost of
 * canonicalizing a credential. Term definitions are never modified once created (jsonld.js
 * replaces a term's definition object, it does not edit it), so sharing them between a context
 * and its copies is safe: this module runs jsonld.js's own expansion algorithm from a private
 * initial context whose `clone` copies the term map, not the terms. Everything else (context
 * processing, safe mode, the expansion algorithm, toRDF, RDFC-1.0) is jsonld.js and
 * rdf-canonize unchanged; tests check the output against `jsonld.canonize` byte for byte.
 *
 * The bundled contexts never change, so they are cached across operations (`tag: 'static'`),
 * with their processed forms: a context is processed once per process, not once per credential.
 */
import { LRUCache } from 'lru-cache';
import contextApi from 'jsonld/lib/context.js';
import expandApi from 'jsonld/lib/expand.js';
import eventsApi from 'jsonld/lib/events.js';
import ContextResolver from 'jsonld/lib/ContextResolver.js';
import type { DocumentLoader } from '../jsonld/loader.js';

interface ActiveContext {
  mappings: Map<string, unknown>;
  protected: Record<string, unknown>;
  inverse: unknown;
  previousContext?: ActiveContext;
  clone(this: ActiveContext): ActiveContext;
  getInverse: unknown;
  revertToPreviousContext: unknown;
  processingMode?: string;
  '@base'?: unknown;
  '@language'?: unknown;
  '@vocab'?: unknown;
}

/** jsonld.js's `_cloneActiveContext`, member for member, but sharing the (immutable) term definitions. */
function cloneSharingTerms(this: ActiveContext): ActiveContext {
  const child: ActiveContext = {
    mappings: new Map(this.mappings),
    clone: this.clone,
    inverse: null,
    getInverse: this.getInverse,
    protected: { ...this.protected },
    revertToPreviousContext: this.revertToPreviousContext,
  };
  if (this.previousContext) child.previousContext = this.previousContext.clone();
  if ('@base' in this) child['@base'] = this['@base'];
  if ('@language' in this) child['@language'] = this['@language'];
  if ('@vocab' in this) child['@vocab'] = this['@vocab'];
  return child;
}

let initial: ActiveContext | undefined;
/** A private initial context (jsonld.js caches and shares its own, which must stay untouched). */
function initialContext(): ActiveContext {
  if (initial) return initial;
  const shared = contextApi.getInitialContext({}) as ActiveContext;
  initial = {
    processingMode: shared.processingMode,
    mappings: new Map(),
    inverse: null,
    getInverse: shared.getInverse,
    clone: cloneSharingTerms,
    revertToPreviousContext: shared.revertToPreviousContext,
    protected: {},
  };
  return initial;
}

/**
 * Per document loader: the loader marked static (its documents are immutable, as the bundled
 * ones are, so jsonld.js may keep them), and the resolved (and, through them, processed)
 * contexts shared across operations: the loader's contexts and the embedded contexts they
 * define. Bounded, since a credential may carry embedded contexts of its own. One cache per
 * loader, so that no loader is ever answered with another's documents.
 */
const perLoader = new WeakMap<DocumentLoader, { loader: DocumentLoader; sharedCache: LRUCache<string, object> }>();
function cachedFor(loader: DocumentLoader) {
  let entry = perLoader.get(loader);
  if (!entry) {
    entry = { loader: async (url) => ({ ...(await loader(url)), tag: 'static' }), sharedCache: new LRUCache<string, object>({ max: 500 }) };
    perLoader.set(loader, entry);
  }
  return entry;
}

/**
 * Expand a document as `jsonld.expand(document, { documentLoader, base: null, safe: true })`
 * would. `documentLoader` must serve immutable documents (the bundled, closed loader).
 */
export async function expandForCanonicalization(document: Record<string, unknown>, documentLoader: DocumentLoader): Promise<unknown[]> {
  const { loader, sharedCache } = cachedFor(documentLoader);
  const options = {
    documentLoader: loader,
    base: null,
    safe: true,
    keepFreeFloatingNodes: false,
    contextResolver: new ContextResolver({ sharedCache }),
    eventHandler: eventsApi.setupEventHandler({ options: { safe: true } }),
  };
  let expanded = await expandApi.expand({ activeCtx: initialContext(), element: structuredClone(document), options });
  // As jsonld.expand: optimize away a lone @graph, and always return an array.
  if (expanded !== null && typeof expanded === 'object' && !Array.isArray(expanded) && '@graph' in expanded && Object.keys(expanded).length === 1) {
    expanded = (expanded as Record<string, unknown>)['@graph'];
  } else if (expanded === null) {
    expanded = [];
  }
  return Array.isArray(expanded) ? expanded : [expanded];
}
