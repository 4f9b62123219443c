import { MicrocredError } from '../../errors.js';
import { bundledContexts } from './contexts.js';

export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: Record<string, unknown>;
}

export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

/**
 * A closed document loader: it serves bundled contexts and refuses every other URL. JSON-LD
 * processing therefore never touches the network, and an unknown context is a clear error.
 */
export const documentLoader: DocumentLoader = async (url) => {
  const document = bundledContexts().get(url);
  if (!document) throw new MicrocredError('MC_CONTEXT_UNKNOWN', `context ${url} is not bundled; microcred never fetches contexts over the network`);
  return { contextUrl: null, documentUrl: url, document };
};
