/** Fixed URLs and vocabulary of Open Badges 3.0 / VCDM 2.0 used by both issuer and verifier. */

export const VC_V2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';
export const VC_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const OB3_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json';
/** Defines `1EdTechJsonSchemaValidator2019` and friends; needed whenever credentialSchema is used. */
export const OB3_EXTENSIONS_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json';
/** Any published OB 3.0 context version (3.0.0 was `context.json`). */
export const OB3_CONTEXT_PATTERN = /^https:\/\/purl\.imsglobal\.org\/spec\/ob\/v3p0\/context(-3\.\d\.\d)*\.json$/;

export const OB3_SCHEMA_TYPE = '1EdTechJsonSchemaValidator2019';

export const CREDENTIAL_TYPES = ['OpenBadgeCredential', 'AchievementCredential'] as const;

/** The project's quality-benchmark extension: fixed URLs in the project's namespace (files in `contexts/`). */
export const QB_CONTEXT_URL = 'https://microcred.dev/contexts/qb/v1.jsonld';
export const QB_SCHEMA_URL = 'https://microcred.dev/schemas/qb/v1.json';
export const QB_CONTEXT_FILE = 'qb-v1.jsonld';
export const QB_SCHEMA_FILE = 'qb-v1.schema.json';

/**
 * Top-level members an issuer shares between a cohort's credentials (as deeply frozen objects with
 * known JSON text), besides the achievement: checks handle each once per content.
 */
export const SHARED_MEMBERS = ['@context', 'type', 'issuer', 'credentialSchema'] as const;
