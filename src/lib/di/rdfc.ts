/**
 * RDF Dataset Canonicalization (RDFC-1.0) and the hashing shared by the Data Integrity suites
 * microcred handles (eddsa-rdfc-2022, and the deprecated eddsa-2022 and Ed25519Signature2020):
 * each signs sha256(canonical proof options) || sha256(canonical document).
 *
 * JSON-LD processing goes through the closed, bundled document loader only (never the network)
 * and in safe mode: a term the contexts do not define is an error, never silently dropped,
 * because a signature over a lossy canonical form would not cover what a reader sees.
 */
import { createHash } from 'node:crypto';
import jsonld from 'jsonld';
import { documentLoader as bundledLoader, type DocumentLoader } from '../jsonld/loader.js';
import { expandForCanonicalization } from './expand.js';

export const VC_V2_CONTEXT_URL = 'https://www.w3.org/ns/credentials/v2';
export const DATA_INTEGRITY_V1_CONTEXT_URL = 'https://w3id.org/security/data-integrity/v1';
export const DATA_INTEGRITY_V2_CONTEXT_URL = 'https://w3id.org/security/data-integrity/v2';
export const ED25519_2020_CONTEXT_URL = 'https://w3id.org/security/suites/ed25519-2020/v1';

/** Why JSON-LD processing refused a document, in report terms. */
export interface CanonicalizationFailure {
  code: 'MC_CONTEXT_UNKNOWN' | 'MC_JSONLD_UNDEFINED_TERM' | 'MC_JSONLD_FAILED';
  message: string;
}

export class CanonicalizationError extends Error {
  readonly code: CanonicalizationFailure['code'];
  constructor(failure: CanonicalizationFailure, cause: unknown) {
    super(failure.message, { cause });
    this.name = 'CanonicalizationError';
    this.code = failure.code;
  }
}

interface JsonLdErrorShape {
  name?: string;
  message?: string;
  details?: { code?: string; event?: { code?: string; details?: Record<string, unknown> }; cause?: { code?: string; message?: string } };
}

/** Classify an error thrown by jsonld.js (unbundled context, safe-mode refusal, anything else). */
export function describeJsonLdError(e: unknown): CanonicalizationFailure {
  const err = e as JsonLdErrorShape;
  const cause = err?.details?.cause;
  if (cause?.code === 'MC_CONTEXT_UNKNOWN') return { code: 'MC_CONTEXT_UNKNOWN', message: cause.message ?? 'a context is not bundled' };
  const event = err?.details?.event;
  if (event?.code) {
    const term = (event.details?.property ?? event.details?.term ?? event.details?.type) as string | undefined;
    return { code: 'MC_JSONLD_UNDEFINED_TERM', message: `JSON-LD safe mode refused the document (${event.code}${term ? `: "${term}"` : ''})` };
  }
  return { code: 'MC_JSONLD_FAILED', message: `JSON-LD processing failed: ${err?.message ?? String(e)}` };
}

export interface CanonizeOptions {
  documentLoader?: DocumentLoader;
}

/**
 * RDFC-1.0 canonical N-Quads of a JSON-LD document, with the options the Digital Bazaar suites
 * use (`base: null`, safe mode, `rdfDirection: 'i18n-datatype'`), so both sides agree byte for
 * byte. Throws CanonicalizationError.
 */
export async function canonize(document: Record<string, unknown>, options: CanonizeOptions = {}): Promise<string> {
  const documentLoader = options.documentLoader ?? bundledLoader;
  try {
    // Expansion (the costly step) by jsonld.js from a context that shares term definitions
    // (src/lib/di/expand.ts); toRDF and RDFC-1.0 as jsonld.canonize does them.
    const expanded = await expandForCanonicalization(document, documentLoader);
    const out = await jsonld.canonize(expanded as jsonld.JsonLdDocument, {
      algorithm: 'RDFC-1.0',
      format: 'application/n-quads',
      base: null,
      safe: true,
      rdfDirection: 'i18n-datatype',
      skipExpansion: true,
      documentLoader: documentLoader as never,
    } as unknown as jsonld.Options.Normalize);
    return out as unknown as string;
  } catch (e) {
    throw new CanonicalizationError(describeJsonLdError(e), e);
  }
}

/** The same, by `jsonld.canonize` alone (the reference the fast path is tested against). */
export async function canonizeReference(document: Record<string, unknown>, options: CanonizeOptions = {}): Promise<string> {
  const out = await jsonld.canonize(document as jsonld.JsonLdDocument, {
    algorithm: 'RDFC-1.0',
    format: 'application/n-quads',
    base: null,
    safe: true,
    rdfDirection: 'i18n-datatype',
    documentLoader: (options.documentLoader ?? bundledLoader) as never,
  } as unknown as jsonld.Options.Normalize);
  return out as unknown as string;
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** `@context` values that already define DataIntegrityProof and its properties. */
const DI_DEFINING_CONTEXTS = [VC_V2_CONTEXT_URL, DATA_INTEGRITY_V2_CONTEXT_URL, DATA_INTEGRITY_V1_CONTEXT_URL];

/**
 * The proof options that are signed: the proof without its value, under the document's
 * `@context` (or the proof's own). For a DataIntegrityProof whose contexts do not define it,
 * the Data Integrity v2 context is added, as @digitalbazaar/data-integrity does.
 */
export function proofOptionsOf(document: Record<string, unknown>, proof: Record<string, unknown>): Record<string, unknown> {
  const options: Record<string, unknown> = { '@context': document['@context'], ...proof };
  delete options.proofValue;
  delete options.jws;
  delete options.signatureValue;
  if (proof.type === 'DataIntegrityProof') {
    const ctx = options['@context'];
    const list = Array.isArray(ctx) ? ctx : ctx === undefined ? [] : [ctx];
    if (!list.some((c) => typeof c === 'string' && DI_DEFINING_CONTEXTS.includes(c))) options['@context'] = [...list, DATA_INTEGRITY_V2_CONTEXT_URL];
  }
  return options;
}

/** The document a proof covers: the credential without any proof. */
export function unsecuredDocumentOf(document: Record<string, unknown>): Record<string, unknown> {
  const { proof: _proof, ...rest } = document;
  return rest;
}

/** sha256(c14n(proofOptions)) || sha256(c14n(document)): the bytes the Ed25519 signature covers. */
export async function hashData(proofOptions: Record<string, unknown>, unsecuredDocument: Record<string, unknown> | Promise<Buffer>, options: CanonizeOptions = {}): Promise<Buffer> {
  const [proofHash, documentHash] = await Promise.all([
    canonize(proofOptions, options).then(sha256),
    unsecuredDocument instanceof Promise ? unsecuredDocument : canonize(unsecuredDocument, options).then(sha256),
  ]);
  return Buffer.concat([proofHash, documentHash]);
}
