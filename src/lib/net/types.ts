/** A fetched resource, fully buffered (bodies are size-capped). */
export interface FetchedResource {
  /** Final URL after redirects. */
  url: string;
  status: number;
  contentType: string;
  body: Uint8Array;
  /** Freshness the server allows (Cache-Control max-age; 0 for no-store/no-cache), when it said. */
  maxAgeSec?: number;
}

/**
 * The one interface through which verifier and issuer code reach the network
 * (did:web documents, https `kid` keys and JWKS, status lists). Injected as an option so
 * that tests run offline and deployments can swap policy.
 */
export type ResourceFetcher = (url: string, init?: { accept?: string }) => Promise<FetchedResource>;
