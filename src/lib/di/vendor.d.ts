// Digital Bazaar's Data Integrity packages ship no types; these are the parts microcred uses.
declare module '@digitalbazaar/vc' {
  export type DocumentLoader = (url: string) => Promise<{ contextUrl: string | null; documentUrl: string; document: unknown }>;
  export function issue(options: {
    credential: Record<string, unknown>;
    suite: unknown;
    documentLoader: DocumentLoader;
    now?: Date | string;
    purpose?: unknown;
  }): Promise<Record<string, unknown>>;
  export function verifyCredential(options: {
    credential: Record<string, unknown>;
    suite: unknown;
    documentLoader: DocumentLoader;
    now?: Date | string;
    checkStatus?: unknown;
    purpose?: unknown;
  }): Promise<{ verified: boolean; error?: unknown; results?: Array<{ verified: boolean; error?: unknown; proof?: unknown }> }>;
}

declare module '@digitalbazaar/data-integrity' {
  export interface DataIntegritySigner {
    id: string;
    algorithm: string;
    sign(options: { data: Uint8Array }): Promise<Uint8Array>;
  }
  export class DataIntegrityProof {
    constructor(options: { signer?: DataIntegritySigner; date?: Date | string | number | null; cryptosuite: unknown; legacyContext?: boolean });
  }
}

declare module '@digitalbazaar/eddsa-rdfc-2022-cryptosuite' {
  export const cryptosuite: { name: string; requiredAlgorithm: string; canonize: unknown; createVerifier: unknown };
}

// jsonld.js internals used by src/lib/di/expand.ts (jsonld 9, CommonJS, no "exports" map).
declare module 'jsonld/lib/context.js' {
  const api: { getInitialContext(options: { processingMode?: string }): unknown };
  export default api;
}
declare module 'jsonld/lib/expand.js' {
  const api: { expand(args: { activeCtx: unknown; element: unknown; options: Record<string, unknown> }): Promise<unknown> };
  export default api;
}
declare module 'jsonld/lib/events.js' {
  const api: { setupEventHandler(args: { options: { safe?: boolean; eventHandler?: unknown } }): unknown };
  export default api;
}
declare module 'jsonld/lib/ContextResolver.js' {
  export default class ContextResolver {
    constructor(options: { sharedCache: { get(key: string): unknown; set(key: string, value: never): unknown } });
  }
}
