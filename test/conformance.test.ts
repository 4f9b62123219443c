/**
 * Conformance of the verifier against the official 1EdTech material in ../shared:
 *
 * - the official validator's fixtures (`validator-fixtures/ob30/`, from
 *   1EdTech/digital-credentials-public-validator @ 38254719), whose verdicts come from its
 *   `OB30Tests.java` and are summarised in `spec/ob3/examples/README.md` ("Expected results");
 * - the spec's own examples: every credential of `rendered-spec-2024-04/` (unsigned, Data
 *   Integrity and VC-JWT variants) and the OB credentials among `spec-source-v1.2/appendix-examples--*`.
 *
 * Each fixture has one row in TABLE: the official verdict and the outcome we expect for every
 * check of our report (status and code). Where we knowingly differ from the official validator
 * the row cites an entry of DELIBERATE_DIFFERENCES, and each entry is re-checked on every row
 * that cites it, so the list cannot rot.
 *
 * Determinism: a fixed clock (NOW) and a fetcher that refuses every URL, so nothing here
 * touches the network. The date fixtures are also checked against the system clock.
 *
 * Baked badges (`simple-{json,jwt,jwt_v1}.{png,svg}`) are verified from the image bytes: the
 * verifier unbakes them (src/baking) and checks the credential inside. `simple.1ob` is
 * byte-identical to `simple.json` (a JSON credential under another extension).
 *
 * Not covered (listed in NOT_COVERED too, so the coverage test accounts for every file):
 * - `bit-string-list/testlist`: not a badge but the BitstringStatusListCredential the two
 *   bit-string-list fixtures point at; it will serve the status-list issue.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MicrocredError } from '../src/errors.js';
import {
  verifyCredential,
  type CheckCode,
  type CheckName,
  type CheckResult,
  type CheckStatus,
  type ResourceFetcher,
  type VerificationReport,
  didWebToUrl,
} from '../src/verifier/index.js';
import { SHARED_DIR, readShared, readSharedJson, requireShared } from './helpers/shared.js';

const SUITE = 'OB 3.0 conformance (official validator fixtures and spec examples)';
const EXAMPLES = 'spec/ob3/examples';
const VF = 'validator-fixtures/ob30/';
const RS = 'rendered-spec-2024-04/';
const SS = 'spec-source-v1.2/';

/** The verifier's "now" for every row: after all validFrom dates, before the 2030 validUntil ones. */
const NOW = new Date('2026-01-01T00:00:00Z');

const OB3_EXTENSIONS_CONTEXT = 'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json';

/** The order in which the verifier reports checks (src/verifier/report.ts, CheckName). */
const CHECK_ORDER: readonly CheckName[] = [
  'parse', 'format', 'jose-header', 'key-resolution', 'signature', 'key-binding', 'proof', 'claims',
  'context', 'type', 'schema', 'subject', 'validity-period', 'status', 'jsonld', 'benchmark', 'trust',
];
const STRUCTURAL_CHECKS: readonly CheckName[] = ['context', 'type', 'schema', 'subject', 'validity-period'];

// ---------------------------------------------------------------------------------------------
// Running the verifier
// ---------------------------------------------------------------------------------------------

interface Run {
  report: VerificationReport;
  /** URLs the verifier tried to fetch (all refused). */
  fetched: string[];
}

async function verifyFile(file: string, now?: Date): Promise<Run> {
  const fetched: string[] = [];
  const fetcher: ResourceFetcher = async (url) => {
    fetched.push(url);
    throw new MicrocredError('MC_FETCH_FAILED', 'offline test: ' + url);
  };
  // Baked badges are handed over as the image bytes, as a wallet would.
  const input = /\.(png|svg)$/.test(file) ? readFileSync(path.join(SHARED_DIR, EXAMPLES, file)) : readShared(`${EXAMPLES}/${file}`);
  const report = await verifyCredential(input, now === undefined ? { fetcher } : { now, fetcher });
  return { report, fetched };
}

const runs = new Map<string, Promise<Run>>();
/** One verification per fixture at NOW, shared by all tests of this file. */
function run(file: string): Promise<Run> {
  let r = runs.get(file);
  if (!r) {
    r = verifyFile(file, NOW);
    runs.set(file, r);
  }
  return r;
}

function checkOf(report: VerificationReport, name: CheckName): CheckResult {
  const found = report.checks.find((c) => c.check === name);
  if (!found) throw new Error(`the report has no "${name}" check: ${report.checks.map((c) => c.check).join(', ')}`);
  return found;
}

function problemsOf(result: CheckResult): { path: string; message: string }[] {
  const problems = (result.details as { problems?: unknown } | undefined)?.problems;
  return Array.isArray(problems) ? (problems as { path: string; message: string }[]) : [];
}

// ---------------------------------------------------------------------------------------------
// Expected outcomes
// ---------------------------------------------------------------------------------------------

interface Expected {
  status: CheckStatus;
  code?: CheckCode;
  /** Schema problem paths that must be among `details.problems`. */
  paths?: string[];
}
type Expectations = Partial<Record<CheckName, Expected>>;

const P: Expected = { status: 'passed', code: 'MC_OK' };
const S: Expected = { status: 'skipped', code: 'MC_SKIPPED' };
const W = (code: CheckCode): Expected => ({ status: 'warning', code });
const F = (code: CheckCode, ...paths: string[]): Expected => (paths.length ? { status: 'failed', code, paths } : { status: 'failed', code });

/**
 * Defaults for every row: structure fine, no status entry, every JSON-LD term defined. Rows
 * override what differs. No row has a `benchmark` check: none of these credentials is a
 * micro-credential (see the "no benchmark check" test).
 */
const STRUCTURE_OK: Expectations = { context: P, type: P, schema: P, subject: P, 'validity-period': P };
const BASE: Record<'json' | 'jwt', Expectations> = {
  json: { parse: P, format: P, ...STRUCTURE_OK, status: S, jsonld: P },
  jwt: { parse: P, format: P, 'jose-header': P, 'key-resolution': P, signature: P, ...STRUCTURE_OK, status: S, jsonld: P },
};
/** A `.jwt` file, or a badge image with a VC-JWT baked in (`simple-jwt.png`, `simple-jwt_v1.svg`). */
const kindOf = (file: string): 'json' | 'jwt' => (/(\.jwt|-jwt(_v1)?\.(png|svg))$/.test(file) ? 'jwt' : 'json');

/**
 * A JSON credential whose embedded Data Integrity proof verifies, made with the Multikey in the
 * fragment of an https verificationMethod under the issuer's id: that key is self-asserted, so it
 * binds only if the (unreachable) issuer publishes it. See `fragment-key-unbound`.
 */
const DI: Expectations = { 'key-resolution': P, 'key-binding': F('MC_KEY_BINDING_UNCHECKED'), proof: P };
/** A valid proof of a deprecated suite (eddsa-2022, Ed25519Signature2020), with a fragment key. */
const DI_DEPRECATED: Expectations = { ...DI, proof: W('MC_PROOF_DEPRECATED') };
/** A Data Integrity proof refused after its key was found (code: why). */
const DI_REFUSED = (code: CheckCode): Expectations => ({ 'key-resolution': P, 'key-binding': S, proof: F(code) });
/** Edited after signing so that a term is undefined: safe-mode canonicalization refuses the document, so the proof cannot hold. */
const DI_UNDEFINED: Expectations = DI_REFUSED('MC_JSONLD_UNDEFINED_TERM');
/** A Data Integrity proof whose verification method gives no key (code: why, in both checks). */
const DI_NO_KEY = (code: CheckCode): Expectations => ({ 'key-resolution': F(code), 'key-binding': S, proof: F(code) });
/** A JSON credential shown without any proof. */
const UNSIGNED: Expectations = { proof: F('MC_PROOF_MISSING') };
/** The spec's VC-JWTs: RS256 with the key in the header `jwk`, no `nbf`. */
const EMBEDDED_JWK_JWT: Expectations = { 'key-binding': F('MC_KEY_BINDING_UNCHECKED'), claims: W('MC_CLAIM_NBF_MISSING') };
const LEGACY: Expectations = { format: W('MC_LEGACY_VCDM11') };
const STATUS_UNCHECKED: Expectations = { status: F('MC_STATUS_UNAVAILABLE') };
/** JSON-LD safe mode refuses a term the credential's contexts do not define (paths: where we report it). */
const UNDEFINED_TERM = (...paths: string[]): Expectations => ({ jsonld: F('MC_JSONLD_UNDEFINED_TERM', ...paths) });

/** The official validator's probes whose failure is about the credential's structure or dates. */
const STRUCTURAL_PROBES = {
  TypePropertyProbe: { check: 'type', code: 'MC_TYPE_INVALID' },
  ContextPropertyProbe: { check: 'context', code: 'MC_CONTEXT_INVALID' },
  JsonSchemaProbe: { check: 'schema', code: 'MC_SCHEMA_INVALID' },
  CredentialSubjectProbe: { check: 'schema', code: 'MC_SCHEMA_INVALID', under: '/credentialSubject' },
  EvidenceProbe: { check: 'schema', code: 'MC_SCHEMA_INVALID', under: '/evidence' },
  IssuerProbe: { check: 'schema', code: 'MC_SCHEMA_INVALID', under: '/issuer' },
  ExpirationProbe: { check: 'validity-period', code: 'MC_EXPIRED' },
  IssuanceProbe: { check: 'validity-period', code: 'MC_NOT_YET_VALID' },
} as const satisfies Record<string, { check: CheckName; code: CheckCode; under?: string }>;
type StructuralProbe = keyof typeof STRUCTURAL_PROBES;

/**
 * The probes that refuse a wrong `type` somewhere, and where that type sits. A wrong type also
 * drops the type-scoped context that defines the node's properties, so the `jsonld` check
 * fails as well, on a term under the same place.
 */
const WRONG_TYPE_PROBES: Partial<Record<StructuralProbe, string>> = {
  TypePropertyProbe: '/type',
  CredentialSubjectProbe: '/credentialSubject',
  IssuerProbe: '/issuer',
  EvidenceProbe: '/evidence',
};
const isUnder = (p: string, prefix: string): boolean => p === prefix || p.startsWith(`${prefix}/`);

/**
 * The official verdict. Validator fixtures use the README table's wording; spec examples
 * (which the validator's tests do not run) say what the README reports for them.
 */
type Official =
  | 'valid'
  | 'warning'
  | 'reported(ContextPropertyProbe)'
  | `invalid(${StructuralProbe | 'EmbeddedProofProbe' | 'InlineJsonSchemaProbe'})`
  | 'invalid(missing OB extension context)'
  | `revoked(${'RevocationListProbe' | 'BitstringStatusListProbe'})`
  | 'error(JsonLDValidationProbe)'
  | 'no test'
  | `spec: ${string}`;

type OfficialClass = 'valid' | 'structural' | 'invalid' | 'revoked' | 'untested';
function classOf(official: Official): OfficialClass {
  if (official === 'valid' || official === 'warning' || official.startsWith('reported(') || official.startsWith('spec: ')) return 'valid';
  if (official === 'no test') return 'untested';
  if (official.startsWith('revoked(')) return 'revoked';
  const probe = /^invalid\((\w+)\)$/.exec(official)?.[1];
  return probe !== undefined && probe in STRUCTURAL_PROBES ? 'structural' : 'invalid';
}
const structuralProbeOf = (official: Official): StructuralProbe => /^invalid\((\w+)\)$/.exec(official)![1] as StructuralProbe;

// ---------------------------------------------------------------------------------------------
// Where we differ from the official validator, on purpose
// ---------------------------------------------------------------------------------------------

interface DifferenceSpec {
  id: string;
  /** One line: why we differ. */
  reason: string;
  /** Failed checks this difference accounts for (on fixtures the validator accepts). */
  explains: readonly CheckName[];
  /** Asserts that the difference still shows in our report for a row that cites it. */
  shows(r: Run): void;
}

const expectCheck = (r: Run, name: CheckName, status: CheckStatus, code?: CheckCode): void => {
  const c = checkOf(r.report, name);
  expect({ status: c.status, code: c.code }, `${name}: ${c.message}`).toEqual({ status, code: code ?? c.code });
};

/** The embedded proofs of the verified credential. */
const proofsOf = (r: Run): Array<Record<string, unknown>> => [r.report.credential?.proof ?? []].flat() as Array<Record<string, unknown>>;

const DELIBERATE_DIFFERENCES = [
  {
    id: 'embedded-jwk-unbound',
    reason: 'a header jwk counts only when the issuer publishes it (JWKS / DID document); the validator trusts any embedded key, and these issuers are unreachable (offline, example hosts)',
    explains: ['key-binding'],
    shows: (r) => {
      expectCheck(r, 'signature', 'passed');
      expectCheck(r, 'key-binding', 'failed', 'MC_KEY_BINDING_UNCHECKED');
      expect(r.fetched.some((u) => u.endsWith('/.well-known/jwks.json'))).toBe(true);
    },
  },
  {
    id: 'fragment-key-unbound',
    reason: 'the proof verifies with the Multikey in the fragment of an https verificationMethod (https://issuer#z6Mk…), but that key is self-asserted like a header jwk: it binds only when the issuer publishes it (JWK Set), and these issuers are unreachable (offline, example hosts); the validator trusts the fragment',
    explains: ['key-binding'],
    shows: (r) => {
      expect(['passed', 'warning']).toContain(checkOf(r.report, 'proof').status);
      expectCheck(r, 'key-resolution', 'passed');
      expectCheck(r, 'key-binding', 'failed', 'MC_KEY_BINDING_UNCHECKED');
      const methods = proofsOf(r).map((p) => p.verificationMethod).filter((m): m is string => typeof m === 'string');
      expect(methods.some((m) => /^https:\/\/[^#]+#z6Mk/.test(m))).toBe(true);
      // The key came from the credential (never fetched); the issuer's key set was asked for.
      expect(r.fetched.filter((u) => methods.some((m) => m === u || m.startsWith(`${u}#`)))).toEqual([]);
      expect(r.fetched.some((u) => u.endsWith('/.well-known/jwks.json'))).toBe(true);
    },
  },
  {
    id: 'did-key-method-urn-issuer',
    reason: 'the proof verifies with a did:key verification method, but its controller (the did:key) is not the issuer (a urn:uuid, which publishes no keys), so the key cannot be tied to the issuer [IMPL §Key provenance]; the validator does not check provenance',
    explains: ['key-binding'],
    shows: (r) => {
      expectCheck(r, 'proof', 'passed');
      expectCheck(r, 'key-binding', 'failed', 'MC_KEY_BINDING_UNCHECKED');
      expect(String((r.report.credential?.issuer as { id?: unknown } | undefined)?.id)).toMatch(/^urn:uuid:/);
      expect(proofsOf(r).map((p) => p.verificationMethod)).toEqual([expect.stringMatching(/^did:key:z6Mk/)]);
    },
  },
  {
    id: 'ecdsa-sd-2023-unsupported',
    reason: 'ecdsa-sd-2023 (selective disclosure, P-256) derived proofs are not verified (eddsa-rdfc-2022 is, and the deprecated eddsa-2022 and Ed25519Signature2020): the proof fails as unsupported',
    explains: ['proof'],
    shows: (r) => {
      expectCheck(r, 'proof', 'failed', 'MC_PROOF_UNSUPPORTED');
      expect(proofsOf(r).map((p) => p.cryptosuite)).toEqual(['ecdsa-sd-2023']);
    },
  },
  {
    id: 'key-unreachable-offline',
    reason: 'the verification method must be fetched (an https key URL or a did:web DID document) and this suite is offline: key resolution fails and the proof cannot be checked; the validator fetches it',
    explains: ['key-resolution', 'proof'],
    shows: (r) => {
      expectCheck(r, 'key-resolution', 'failed', 'MC_KEY_UNRESOLVABLE');
      expectCheck(r, 'proof', 'failed', 'MC_KEY_UNRESOLVABLE');
      const method = String(proofsOf(r)[0]?.verificationMethod);
      const url = method.startsWith('did:web:') ? didWebToUrl(method.split('#')[0]!) : method;
      expect(r.fetched).toContain(url);
    },
  },
  {
    id: 'status-not-checked',
    reason: 'the status list (1EdTech revocation list or bitstring list) is on a host this offline suite cannot reach: status fails closed as MC_STATUS_UNAVAILABLE',
    explains: ['status'],
    shows: (r) => {
      expectCheck(r, 'status', 'failed', 'MC_STATUS_UNAVAILABLE');
      // The checker did try: the list URL of the credential's status entry was requested.
      const entries = [r.report.credential?.credentialStatus].flat() as Array<{ id?: string; statusListCredential?: string }>;
      const urls = entries.map((e) => e?.statusListCredential ?? e?.id).filter((u): u is string => typeof u === 'string');
      expect(r.fetched.some((f) => urls.includes(f))).toBe(true);
    },
  },
  {
    id: 'velocity-status-method',
    reason: 'Velocity\'s VelocityRevocationListJan2021 status method is not supported (Bitstring Status List and 1EdTech revocation lists are), so status fails closed',
    explains: ['status'],
    shows: (r) => expectCheck(r, 'status', 'failed', 'MC_STATUS_UNSUPPORTED'),
  },
  {
    id: 'unsigned-example',
    reason: 'the spec prints this credential without a proof: the official verdict covers its schema only, but an unsecured credential never verifies',
    explains: ['proof'],
    shows: (r) => {
      expect(r.report.format).toBe('json-unsecured');
      expectCheck(r, 'proof', 'failed', 'MC_PROOF_MISSING');
    },
  },
  {
    id: 'endorsement-credential-unsupported',
    reason: 'the verifier checks AchievementCredentials only; a stand-alone EndorsementCredential fails type and schema (the validator checks it against the EndorsementCredential schema)',
    explains: ['type', 'schema'],
    shows: (r) => {
      expect(r.report.credential?.type).toContain('EndorsementCredential');
      expectCheck(r, 'type', 'failed', 'MC_TYPE_INVALID');
      expect(problemsOf(checkOf(r.report, 'schema')).map((p) => p.path)).toContain('/type');
    },
  },
  {
    id: 'compacted-form-rejected',
    reason: 'our schema is array-only (src/model/schema/ob3-schema.ts: "no JSON-LD compacted form"); the validator uses the compaction-tolerant JSON-LD schema, so singular type strings pass there',
    explains: ['schema'],
    shows: (r) => {
      const problems = problemsOf(checkOf(r.report, 'schema'));
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.filter((p) => !/\/type$/.test(p.path) && p.path !== '/proof'), 'only singular type (and proof) values fail').toEqual([]);
      expect(problems.every((p) => p.message === 'must be array')).toBe(true);
    },
  },
  {
    id: 'exp-claim-missing-warns',
    reason: 'OB §JWT Payload requires exp when validUntil is present; we warn (expiry still comes from validUntil), the validator says nothing',
    explains: [],
    shows: (r) => {
      expect(r.report.credential?.validUntil).toBeTypeOf('string');
      const claims = checkOf(r.report, 'claims');
      expect(claims.status).toBe('warning');
      const codes = [claims.code, ...((claims.details as { alsoFound?: Array<{ code: string }> } | undefined)?.alsoFound ?? []).map((f) => f.code)];
      expect(codes).toContain('MC_CLAIM_EXP_MISSING');
    },
  },
  {
    id: 'velocity-context-not-bundled',
    reason: 'the validator fails the credential for the undefined term 1EdTechJsonSchemaValidator2019 (the OB extensions context is missing); we cannot check its terms because the Velocity context is not bundled, so `jsonld` only warns MC_CONTEXT_UNKNOWN',
    explains: [],
    shows: (r) => {
      const contexts = r.report.credential?.['@context'] as string[];
      expect(contexts).not.toContain(OB3_EXTENSIONS_CONTEXT);
      expect(contexts.some((c) => c.startsWith('https://lib.velocitynetwork.foundation/'))).toBe(true);
      expectCheck(r, 'context', 'passed');
      expectCheck(r, 'jsonld', 'warning', 'MC_CONTEXT_UNKNOWN');
      const problems = problemsOf(checkOf(r.report, 'jsonld'));
      expect(problems.map((p) => p.path)).toEqual(['/@context']);
      expect(problems[0]!.message).toContain('https://lib.velocitynetwork.foundation/');
      expect(r.fetched.filter((u) => contexts.includes(u)), 'contexts are never fetched').toEqual([]);
    },
  },
  {
    id: 'inline-schema-not-fetched',
    reason: 'credentialSchema entries are not fetched (the built-in OB 3.0 schema is used); the validator fetches them and fails because these URLs do not resolve',
    explains: [],
    shows: (r) => {
      const ids = ((r.report.credential?.credentialSchema ?? []) as { id?: string }[]).map((s) => s.id);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) expect(r.fetched).not.toContain(id);
      expect(checkOf(r.report, 'schema').status).not.toBe('skipped');
    },
  },
  {
    id: 'did-velocity-unsupported',
    reason: 'only did:key, did:jwk and did:web keys are resolved; the validator resolves did:velocity through the Velocity registry (mocked in its test)',
    explains: ['key-resolution'],
    shows: (r) => expectCheck(r, 'key-resolution', 'failed', 'MC_DID_METHOD_UNSUPPORTED'),
  },
] as const satisfies readonly DifferenceSpec[];
type DifferenceId = (typeof DELIBERATE_DIFFERENCES)[number]['id'];


// ---------------------------------------------------------------------------------------------
// The table
// ---------------------------------------------------------------------------------------------

interface Row {
  /** Relative to spec/ob3/examples/. */
  file: string;
  official: Official;
  /** Our outcome per check, on top of BASE[kind]. Every check of the report must be covered. */
  expect: Expectations;
  differences?: readonly DifferenceId[];
  note?: string;
}

/** The three renderings of one spec example (unsigned, Data Integrity, VC-JWT). */
function renderedSpec(
  stem: string,
  all: { expect?: Expectations; differences?: DifferenceId[] } = {},
  jwt: { expect?: Expectations; differences?: DifferenceId[] } = {},
): Row[] {
  const common = all.differences ?? [];
  return [
    {
      file: `${RS}${stem}.credential.json`,
      official: 'spec: passes Schema (unsigned example)',
      expect: { ...UNSIGNED, ...all.expect },
      differences: ['unsigned-example', ...common],
    },
    {
      file: `${RS}${stem}.with-data-integrity-proof.json`,
      official: 'spec: passes Schema and DI (eddsa-rdfc-2022)',
      expect: { ...DI, ...all.expect },
      differences: ['fragment-key-unbound', ...common],
    },
    {
      file: `${RS}${stem}.jwt`,
      official: 'spec: passes Schema; RS256 signature verifies with the header jwk',
      expect: { ...EMBEDDED_JWK_JWT, ...all.expect, ...jwt.expect },
      differences: ['embedded-jwk-unbound', ...common, ...(jwt.differences ?? [])],
    },
  ];
}

const SPEC_UNSIGNED = 'spec: passes Schema (unsigned example)';
/** The validator's baked VC-JWTs: header jwk (issuer unreachable); `iss`, `aud`, `nbf`, `jti`, `iat` but no `sub`. */
const BAKED_JWT: Expectations = { 'key-binding': F('MC_KEY_BINDING_UNCHECKED'), claims: W('MC_CLAIM_SUB_MISSING') };

const ENDORSEMENT: Expectations = { type: F('MC_TYPE_INVALID'), schema: F('MC_SCHEMA_INVALID', '/type') };

const TABLE: Row[] = [
  // --- official validator: valid / warning ---------------------------------------------------
  { file: `${VF}simple.json`, official: 'valid', expect: DI, differences: ['fragment-key-unbound'] },
  { file: `${VF}simple-did-key-method.json`, official: 'valid', expect: DI, differences: ['did-key-method-urn-issuer'], note: 'the did:key resolves locally; only its tie to the issuer is missing' },
  {
    file: `${VF}simple-did-web-method.json`,
    official: 'valid',
    expect: DI,
    differences: ['fragment-key-unbound'],
    note: 'upstream the test is @Disabled (did:web needs the network); the README still lists it as valid. Despite its name its verificationMethod is an https URL with a Multikey fragment, not a did:web',
  },
  { file: `${VF}simple-context-alias.json`, official: 'valid', expect: DI, differences: ['fragment-key-unbound'] },
  {
    file: `${VF}sd/derivedcredential.json`,
    official: 'valid',
    expect: { 'key-resolution': S, 'key-binding': S, proof: F('MC_PROOF_UNSUPPORTED') },
    differences: ['ecdsa-sd-2023-unsupported'],
    note: 'ecdsa-sd-2023 derived credential',
  },
  {
    file: `${VF}simple_v1.json`,
    official: 'warning',
    expect: { ...LEGACY, ...DI_DEPRECATED },
    differences: ['fragment-key-unbound'],
    note: 'VCDM 1.1 with an Ed25519Signature2020 proof: both warn',
  },
  {
    file: `${VF}simple-eddsa-2022.json`,
    official: 'warning',
    expect: { ...LEGACY, ...DI_DEPRECATED },
    differences: ['fragment-key-unbound'],
    note: 'the validator warns about the deprecated eddsa-2022 suite; so do we (MC_PROOF_DEPRECATED), and about VCDM 1.1',
  },
  {
    file: `${VF}simple-context-version.json`,
    official: 'reported(ContextPropertyProbe)',
    expect: { ...DI, context: W('MC_CONTEXT_OUTDATED') },
    differences: ['fragment-key-unbound'],
  },

  // --- official validator: baked VC-JWT badges (valid / warning); the JSON ones follow TABLE --
  // The JWT ones: RS256 with the key in the header jwk (issuer host unreachable), and `nbf` but no `sub`.
  ...['simple-jwt.png', 'simple-jwt.svg'].map(
    (name): Row => ({ file: `${VF}${name}`, official: 'valid', expect: BAKED_JWT, differences: ['embedded-jwk-unbound'] }),
  ),
  ...['simple-jwt_v1.png', 'simple-jwt_v1.svg'].map(
    (name): Row => ({ file: `${VF}${name}`, official: 'warning', expect: { ...LEGACY, ...BAKED_JWT }, differences: ['embedded-jwk-unbound'], note: 'VCDM 1.1: the credential is in a vc claim' }),
  ),

  // --- official validator: invalid for a structural reason -----------------------------------
  {
    file: `${VF}simple-err-type.json`,
    official: 'invalid(TypePropertyProbe)',
    expect: { ...DI_UNDEFINED, ...UNDEFINED_TERM('/type'), type: F('MC_TYPE_INVALID'), schema: F('MC_SCHEMA_INVALID', '/type', '/credentialSubject/achievement') },
    note: 'the fixture also lacks credentialSubject.achievement; jsonld: OtherCredential is undefined',
  },
  {
    file: `${VF}simple-err-context.json`,
    official: 'invalid(ContextPropertyProbe)',
    expect: { ...DI_UNDEFINED, ...UNDEFINED_TERM('/credentialSubject'), context: F('MC_CONTEXT_INVALID'), schema: F('MC_SCHEMA_INVALID', '/@context'), 'validity-period': F('MC_DATE_INVALID') },
    note: 'without the VC context it is not VCDM 1.1, so its issuanceDate is no validFrom, and credentialSubject is an undefined term',
  },
  {
    file: `${VF}simple-err-expired.json`,
    official: 'invalid(ExpirationProbe)',
    expect: { ...DI, 'validity-period': F('MC_EXPIRED') },
    differences: ['fragment-key-unbound'],
  },
  {
    file: `${VF}simple-err-issued.json`,
    official: 'invalid(IssuanceProbe)',
    expect: { ...DI, 'validity-period': F('MC_NOT_YET_VALID'), schema: F('MC_SCHEMA_INVALID', '/credentialSubject/achievement') },
    differences: ['fragment-key-unbound'],
    note: 'the fixture also lacks credentialSubject.achievement (and has a single proof object)',
  },
  {
    file: `${VF}simple-err-issuer.json`,
    official: 'invalid(JsonSchemaProbe)',
    expect: { ...DI, 'key-binding': F('MC_KEY_NOT_BOUND'), schema: F('MC_SCHEMA_INVALID', '/issuer') },
    note: 'no issuer at all: the proof verifies, but there is no issuer to bind its key to',
  },
  {
    file: `${VF}simple-err-credential-subject-type.json`,
    official: 'invalid(CredentialSubjectProbe)',
    expect: { ...DI_UNDEFINED, ...UNDEFINED_TERM('/credentialSubject/achievement'), schema: F('MC_SCHEMA_INVALID', '/credentialSubject/type') },
  },
  {
    file: `${VF}simple-err-credential-subject-identifier-type.json`,
    official: 'invalid(CredentialSubjectProbe)',
    expect: { ...DI_UNDEFINED, ...UNDEFINED_TERM('/credentialSubject/identifier/0/hashed'), schema: F('MC_SCHEMA_INVALID', '/credentialSubject/identifier/0/type') },
  },
  {
    file: `${VF}simple-err-credential-subject-profile-type.json`,
    official: 'invalid(CredentialSubjectProbe)',
    expect: { ...DI_UNDEFINED, ...UNDEFINED_TERM('/credentialSubject/source/type'), schema: F('MC_SCHEMA_INVALID', '/credentialSubject/source/type') },
  },
  {
    file: `${VF}simple-err-credential-subject-result-type.json`,
    official: 'invalid(CredentialSubjectProbe)',
    expect: { ...DI_UNDEFINED, ...UNDEFINED_TERM('/credentialSubject/result/1/achievedLevel'), schema: F('MC_SCHEMA_INVALID', '/credentialSubject/result/1/type') },
  },
  {
    file: `${VF}simple-err-credential-subject-achievement-result-description-type.json`,
    official: 'invalid(CredentialSubjectProbe)',
    expect: { ...DI_UNDEFINED, ...UNDEFINED_TERM(), schema: F('MC_SCHEMA_INVALID', '/credentialSubject/achievement/resultDescription/2/type') },
    note: 'jsonld refuses resultType of resultDescription/2 but reports it at resultDescription/0, the first use of the term (path not pinned)',
  },
  {
    file: `${VF}simple-err-evidence-type.json`,
    official: 'invalid(EvidenceProbe)',
    expect: { ...DI_UNDEFINED, ...UNDEFINED_TERM(), schema: F('MC_SCHEMA_INVALID', '/evidence/1/type') },
    note: 'jsonld refuses audience of evidence/1 but reports it at evidence/0, the first use of the term (path not pinned)',
  },
  {
    file: `${VF}simple-err-issuer-type.json`,
    official: 'invalid(IssuerProbe)',
    expect: { ...DI_UNDEFINED, ...UNDEFINED_TERM('/issuer/type'), schema: F('MC_SCHEMA_INVALID', '/issuer/type') },
  },
  {
    file: `${VF}simple-err-issuer-parentorg-type.json`,
    official: 'invalid(IssuerProbe)',
    expect: { ...DI_UNDEFINED, ...UNDEFINED_TERM('/issuer/parentOrg/type'), schema: F('MC_SCHEMA_INVALID', '/issuer/parentOrg/type') },
  },
  {
    file: `${VF}simple-err-issuer-otheridentifier-type.json`,
    official: 'invalid(IssuerProbe)',
    expect: { ...DI_UNDEFINED, ...UNDEFINED_TERM(), schema: F('MC_SCHEMA_INVALID', '/issuer/otherIdentifier/1/type') },
    note: 'jsonld refuses identifier of otherIdentifier/1 but reports it at otherIdentifier/0, the first use of the term (path not pinned)',
  },

  // --- official validator: invalid for a proof or resource reason ----------------------------
  {
    file: `${VF}simple-err-proof-method-no-scheme.json`,
    official: 'invalid(EmbeddedProofProbe)',
    expect: DI_NO_KEY('MC_KEY_UNRESOLVABLE'),
    note: 'the verificationMethod is a bare Multikey, neither a DID URL nor an https URL',
  },
  {
    file: `${VF}simple-err-proof-method-unknown-did-method.json`,
    official: 'invalid(EmbeddedProofProbe)',
    expect: DI_NO_KEY('MC_DID_METHOD_UNSUPPORTED'),
    note: 'did:example is no DID method we resolve',
  },
  {
    file: `${VF}simple-err-proof-method-unknown-scheme.json`,
    official: 'invalid(EmbeddedProofProbe)',
    expect: DI_NO_KEY('MC_KEY_UNRESOLVABLE'),
    note: 'the verificationMethod has the scheme xxx:',
  },
  {
    file: `${VF}simple-err-proof-value.json`,
    official: 'invalid(EmbeddedProofProbe)',
    expect: DI_REFUSED('MC_PROOF_INVALID'),
    note: 'the proofValue is not the signature of this credential with the fragment key',
  },
  {
    file: `${VF}simple-err-proof-method.json`,
    official: 'invalid(EmbeddedProofProbe)',
    expect: DI_NO_KEY('MC_KEY_UNRESOLVABLE'),
    note: 'the fragment of the verificationMethod looks like a Multikey (z6Mk…) but does not decode; refused without fetching it',
  },
  {
    file: `${VF}complete.json`,
    official: 'invalid(InlineJsonSchemaProbe)',
    expect: { ...DI, ...STATUS_UNCHECKED },
    differences: ['fragment-key-unbound', 'status-not-checked', 'inline-schema-not-fetched'],
  },
  {
    file: `${VF}complete_v1.json`,
    official: 'invalid(InlineJsonSchemaProbe)',
    expect: {
      ...LEGACY,
      ...DI_NO_KEY('MC_KEY_UNRESOLVABLE'),
      ...STATUS_UNCHECKED,
      ...UNDEFINED_TERM('/credentialSubject/achievement/creator/endorsement/0/credentialSchema/0/type'),
      schema: F('MC_SCHEMA_INVALID', '/endorsement/0/validFrom', '/credentialSubject/identifier/0/identityType'),
      'validity-period': F('MC_EXPIRED'),
    },
    differences: ['key-unreachable-offline', 'status-not-checked', 'inline-schema-not-fetched'],
    note: 'Ed25519Signature2020 with the key at https://1edtech.edu/issuers/565049#key-1 (fetched: offline); expirationDate 2020; identityType "email" is not in the vocabulary; nested VCDM 1.1 endorsements are checked in the 2.0 shape; ' +
      'no OB extensions context (here or in the nested endorsements), so 1EdTechJsonSchemaValidator2019 is undefined, as in velocity.jwt',
  },
  {
    file: `${VF}simple-multiple-proofs.json`,
    official: 'error(JsonLDValidationProbe)',
    expect: { ...DI, ...UNDEFINED_TERM('/proof/0/created') },
    differences: ['fragment-key-unbound'],
    note: 'its first proof has the type SomeProofType, undefined in its contexts, so none of its properties is defined either (we name the first: created)',
  },
  {
    file: `${VF}velocity.jwt`,
    official: 'invalid(missing OB extension context)',
    expect: {
      ...LEGACY,
      'key-resolution': F('MC_DID_METHOD_UNSUPPORTED'),
      signature: S,
      'key-binding': S,
      claims: P,
      // Our context check only checks the order of @context[0] and [1]; see velocity-context-not-bundled.
      context: P,
      status: F('MC_STATUS_UNSUPPORTED'),
      jsonld: W('MC_CONTEXT_UNKNOWN'),
    },
    differences: ['did-velocity-unsupported', 'velocity-context-not-bundled', 'velocity-status-method'],
  },

  // --- official validator: revoked -----------------------------------------------------------
  {
    file: `${VF}credential-status-revoked.json`,
    official: 'revoked(RevocationListProbe)',
    expect: { ...LEGACY, ...DI_NO_KEY('MC_KEY_UNRESOLVABLE'), ...STATUS_UNCHECKED, schema: F('MC_SCHEMA_INVALID', '/credentialSubject/type', '/issuer/type') },
    differences: ['key-unreachable-offline', 'status-not-checked', 'compacted-form-rejected'],
    note: 'Ed25519Signature2020 with a did:web verification method (its DID document is fetched: offline)',
  },
  ...['credential-status-revoked.json', 'credential-status-revoked-blank-nodes.json'].map(
    (name): Row => ({
      file: `${VF}bit-string-list/${name}`,
      official: 'revoked(BitstringStatusListProbe)',
      expect: { ...DI, ...STATUS_UNCHECKED },
      differences: ['fragment-key-unbound', 'status-not-checked'],
    }),
  ),

  // --- official validator: fixtures without a test -------------------------------------------
  {
    file: `${VF}simple-noproof.json`,
    official: 'no test',
    expect: { ...LEGACY, ...UNSIGNED, schema: F('MC_SCHEMA_INVALID', '/credentialSubject/achievement') },
  },
  {
    file: `${VF}simple.jwt`,
    official: 'no test',
    expect: {
      ...LEGACY,
      'jose-header': F('MC_HEADER_KEY_MISSING'),
      'key-resolution': S,
      signature: S,
      'key-binding': S,
      claims: P,
      context: F('MC_CONTEXT_INVALID'),
      schema: F('MC_SCHEMA_INVALID', '/@context/1', '/credentialSubject/achievement'),
      jsonld: { ...W('MC_CONTEXT_UNKNOWN'), paths: ['/@context'] },
    },
    note: 'neither kid nor jwk; @context[1] is a pre-release draft context URL (not bundled, so its terms go unchecked)',
  },
  {
    file: `${VF}endorsement-valid.json`,
    official: 'no test',
    expect: { ...DI, ...ENDORSEMENT },
    differences: ['fragment-key-unbound', 'endorsement-credential-unsupported'],
  },
  {
    file: `${VF}endorsement-err-schema-status-refresh.json`,
    official: 'no test',
    expect: { ...LEGACY, ...DI_REFUSED('MC_PROOF_INVALID'), ...ENDORSEMENT, ...STATUS_UNCHECKED },
    differences: ['endorsement-credential-unsupported', 'status-not-checked'],
    note: 'its Ed25519Signature2020 proof does not match the credential (the fixture was edited after signing)',
  },

  // --- spec examples, rendered spec 2024-04 --------------------------------------------------
  ...renderedSpec('01-docformat--sample-openbadgecredential-file-contents'),
  ...renderedSpec('02-appendix-examples--basic-openbadgecredential'),
  ...renderedSpec(
    '03-appendix-examples--complete-openbadgecredential',
    { expect: STATUS_UNCHECKED, differences: ['status-not-checked'] },
    { expect: {}, differences: ['exp-claim-missing-warns'] },
  ),
  ...renderedSpec(
    '04-appendix-examples--endorsementcredential',
    { expect: { ...ENDORSEMENT, ...STATUS_UNCHECKED }, differences: ['endorsement-credential-unsupported', 'status-not-checked'] },
    { expect: {}, differences: ['exp-claim-missing-warns'] },
  ),
  ...renderedSpec('05-appendix-examples--achievement-alignment-case'),
  ...renderedSpec('06-appendix-examples--achievement-alignment-credential-engine'),
  ...renderedSpec('07-appendix-examples--skill-assertion-case'),
  ...renderedSpec('08-appendix-examples--skill-assertion-credential-registry'),

  // --- spec examples, spec source v1.2 (OB credentials among the appendix examples) ----------
  ...['achievement-alignment-case', 'achievement-alignment-credential-engine', 'basic-openbadgecredential', 'skill-assertion-case', 'skill-assertion-credential-registry'].map(
    (name): Row => ({ file: `${SS}appendix-examples--${name}.json`, official: SPEC_UNSIGNED, expect: UNSIGNED, differences: ['unsigned-example'] }),
  ),
  {
    file: `${SS}appendix-examples--complete-openbadgecredential.json`,
    official: SPEC_UNSIGNED,
    expect: { ...UNSIGNED, ...STATUS_UNCHECKED },
    differences: ['unsigned-example', 'status-not-checked'],
    note: 'its nested endorsement proofs are placeholders (eddsa-rdf-2022, sic); it has no top-level proof',
  },
];

/**
 * The baked JSON badges and the .1ob form carry the simple.json credential (the .1ob file is
 * simple.json byte for byte; the PNG/SVG ones have another DI proof over the same body, made with
 * another key, with the same outcome): they are pinned exactly as the simple.json row, whatever
 * that row says.
 */
TABLE.push(...['simple.1ob', 'simple-json.png', 'simple-json.svg'].map((name) => sameAsRow(`${VF}simple.json`, `${VF}${name}`)));

/** The row of `file`, for another file that must verify exactly like it. */
function sameAsRow(file: string, other: string): Row {
  const row = TABLE.find((r) => r.file === file);
  if (!row) throw new Error(`sameAsRow: no row for ${file}`);
  return { ...row, file: other, note: `verified exactly like ${file.slice(VF.length)}${row.note ? `; ${row.note}` : ''}` };
}

/** Validator-fixture files deliberately left out of TABLE, with the reason. */
const NOT_COVERED: Record<string, string> = {
  'bit-string-list/testlist': 'the status list credential of the bit-string-list fixtures, not a badge: status-list issue',
};

/** it.each cases with a full, untruncated title (vitest shortens `$field` values). */
const titled = (rows: Row[], title: (row: Row) => string): [string, Row][] => rows.map((row) => [title(row), row]);

const expectedChecks = (row: Row): Expectations => ({ ...BASE[kindOf(row.file)], ...row.expect });
const differencesOf = (row: Row) => DELIBERATE_DIFFERENCES.filter((d) => row.differences?.includes(d.id));

/** All files under a folder of the examples, relative to it, sorted. */
function listExamples(dir: string): string[] {
  const abs = path.join(SHARED_DIR, EXAMPLES, dir);
  return (readdirSync(abs, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .filter((f) => statSync(path.join(abs, f)).isFile())
    .sort();
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe.skipIf(!requireShared(SUITE))(SUITE, () => {
  it.each(titled(TABLE, (row) => `${row.file} (official: ${row.official})`))('%s', async (_, row) => {
    const r = await run(row.file);
    const { report } = r;
    const expected = expectedChecks(row);

    // Every check of the report is accounted for, in the verifier's order.
    expect(report.checks.map((c) => c.check)).toEqual(CHECK_ORDER.filter((n) => n in expected));

    for (const name of CHECK_ORDER) {
      const want = expected[name];
      if (!want) continue;
      const got = checkOf(report, name);
      expect({ status: got.status, code: got.code }, `${name}: ${got.message}`).toEqual({ status: want.status, code: want.code ?? got.code });
      if (want.paths) {
        expect(problemsOf(got).map((p) => p.path), `${name} problems`).toEqual(expect.arrayContaining(want.paths));
      }
    }
    const anyFailure = Object.values(expected).some((e) => e?.status === 'failed');
    expect(report.verified).toBe(!anyFailure);
  });

  it.each(titled(TABLE.filter((row) => classOf(row.official) === 'structural'), (row) => `${row.file}: refused by the check matching ${row.official}`))(
    '%s',
    async (_, row) => {
      const { report } = await run(row.file);
      const probe = STRUCTURAL_PROBES[structuralProbeOf(row.official)];
      expect(report.verified).toBe(false);
      const named = checkOf(report, probe.check);
      expect({ status: named.status, code: named.code }, named.message).toEqual({ status: 'failed', code: probe.code });
      if ('under' in probe) {
        const paths = problemsOf(named).map((p) => p.path);
        expect(paths.some((p) => p === probe.under || p.startsWith(`${probe.under}/`)), `a problem under ${probe.under}: ${paths.join(', ')}`).toBe(true);
      }
    },
  );

  it.each(
    titled(
      TABLE.filter((row) => classOf(row.official) === 'structural' && structuralProbeOf(row.official) in WRONG_TYPE_PROBES),
      (row) => `${row.file}: a wrong type (${row.official}) leaves terms undefined, so jsonld fails there too`,
    ),
  )('%s', async (_, row) => {
    const { report } = await run(row.file);
    const under = WRONG_TYPE_PROBES[structuralProbeOf(row.official)]!;
    const jsonld = checkOf(report, 'jsonld');
    expect({ status: jsonld.status, code: jsonld.code }, jsonld.message).toEqual({ status: 'failed', code: 'MC_JSONLD_UNDEFINED_TERM' });
    const paths = problemsOf(jsonld).map((p) => p.path);
    expect(paths.length).toBeGreaterThan(0);
    expect(paths.filter((p) => !isUnder(p, under)), `jsonld problems outside ${under}`).toEqual([]);
  });

  it.each(titled(TABLE.filter((row) => classOf(row.official) === 'valid'), (row) => `${row.file}: accepted officially (${row.official}), so jsonld does not fail`))(
    '%s',
    async (_, row) => {
      const { report } = await run(row.file);
      const jsonld = checkOf(report, 'jsonld');
      expect(jsonld.status, jsonld.message).not.toBe('failed');
    },
  );

  it('simple-multiple-proofs.json: like the validator (one JsonLDValidationProbe error), jsonld refuses the first proof, of the undefined type SomeProofType; the second proof verifies', async () => {
    const { report } = await run(`${VF}simple-multiple-proofs.json`);
    const proofs = report.credential?.proof as { type: string }[];
    expect(proofs.map((p) => p.type)).toEqual(['SomeProofType', 'DataIntegrityProof']);
    const jsonld = checkOf(report, 'jsonld');
    expect({ status: jsonld.status, code: jsonld.code }, jsonld.message).toEqual({ status: 'failed', code: 'MC_JSONLD_UNDEFINED_TERM' });
    const paths = problemsOf(jsonld).map((p) => p.path);
    expect(paths).toHaveLength(1);
    expect(paths.filter((p) => !isUnder(p, '/proof/0')), 'problems outside the first proof').toEqual([]);
    // One valid proof suffices: the second one, a DataIntegrityProof, verifies; the first is listed as unsupported.
    const proof = checkOf(report, 'proof');
    expect({ status: proof.status, code: proof.code }, proof.message).toEqual({ status: 'passed', code: 'MC_OK' });
    const listed = (proof.details as { proofs: Array<{ proof: string; code: string }> }).proofs.map((p) => [p.proof, p.code]);
    expect(listed).toEqual([['SomeProofType', 'MC_PROOF_UNSUPPORTED'], ['DataIntegrityProof (eddsa-rdfc-2022)', 'MC_OK']]);
    // Every other failure is one simple.json has too: the JSON-LD error is the only extra one.
    const failures = (r: VerificationReport) => r.checks.filter((c) => c.status === 'failed').map((c) => [c.check, c.code]);
    const simple = (await run(`${VF}simple.json`)).report;
    expect(failures(report).filter(([check]) => check !== 'jsonld')).toEqual(failures(simple));
  });

  it.each(titled(TABLE.filter((row) => /\.(png|svg)$/.test(row.file)), (row) => `${row.file}: verified from the image bytes; the report names the image and keeps the inner format`))(
    '%s',
    async (_, row) => {
      const { report } = await run(row.file);
      const image = row.file.endsWith('.png') ? 'PNG' : 'SVG';
      const jwt = kindOf(row.file) === 'jwt';
      expect(checkOf(report, 'parse').message).toBe(`a baked ${image} badge containing ${jwt ? 'a compact JWS (VC-JWT)' : 'a JSON credential'}`);
      expect(report.format).toBe(jwt ? (row.file.includes('_v1.') ? 'vc-jwt-v1' : 'vc-jwt') : 'data-integrity');
      // The PNG and the SVG of one fixture carry the same credential.
      const twin = await run(row.file.replace(/\.(png|svg)$/, (ext) => (ext === '.png' ? '.svg' : '.png')));
      expect(report.credential).not.toBeNull();
      expect(report.credential).toEqual(twin.report.credential);
    },
  );

  it.each(titled(TABLE, (row) => `${row.file}: not a micro-credential, so no benchmark check`))('%s', async (_, row) => {
    const { report } = await run(row.file);
    const achievement = ((report.credential?.credentialSubject ?? {}) as { achievement?: { achievementType?: unknown; qualityBenchmark?: unknown } }).achievement;
    expect(achievement?.achievementType).not.toBe('MicroCredential');
    expect(achievement?.qualityBenchmark).toBeUndefined();
    expect(report.checks.filter((c) => c.check === 'benchmark')).toEqual([]);
  });

  it.each(titled(TABLE.filter((row) => classOf(row.official) === 'valid'), (row) => `${row.file}: accepted officially, so no structural failure and every failure is a listed difference`))(
    '%s',
    async (_, row) => {
      const { report } = await run(row.file);
      const explained = new Set<CheckName>(differencesOf(row).flatMap((d) => d.explains));
      const structuralFailures = report.checks.filter((c) => STRUCTURAL_CHECKS.includes(c.check) && c.status === 'failed' && !explained.has(c.check));
      expect(structuralFailures, 'context/type/schema/subject/validity-period must not fail').toEqual([]);
      const unexplained = report.checks.filter((c) => c.status === 'failed' && !explained.has(c.check));
      expect(unexplained, 'failed checks not covered by DELIBERATE_DIFFERENCES').toEqual([]);
    },
  );

  it.each(titled(TABLE.filter((row) => classOf(row.official) === 'revoked' || classOf(row.official) === 'invalid'), (row) => `${row.file}: not verified (official: ${row.official})`))(
    '%s',
    async (_, row) => {
      const { report } = await run(row.file);
      expect(report.verified).toBe(false);
      if (classOf(row.official) === 'revoked') expect(checkOf(report, 'status').status).not.toBe('passed');
    },
  );

  describe('DELIBERATE_DIFFERENCES', () => {
    it.each(DELIBERATE_DIFFERENCES.map((d) => ({ ...d })))('$id still shows on every fixture that cites it', async (d) => {
      const citing = TABLE.filter((row) => row.differences?.includes(d.id));
      expect(citing.length, `no fixture cites ${d.id}: remove it from the list`).toBeGreaterThan(0);
      for (const row of citing) {
        const r = await run(row.file);
        try {
          d.shows(r);
        } catch (e) {
          throw new Error(`${row.file}: difference ${d.id} no longer shows (${d.reason})\n${(e as Error).message}`);
        }
      }
    });

    it('every entry has a one-line reason', () => {
      for (const d of DELIBERATE_DIFFERENCES) {
        expect(d.reason.length, d.id).toBeGreaterThan(20);
        expect(d.reason, d.id).not.toContain('\n');
      }
    });
  });

  describe('dates', () => {
    it('the fixed clock sits after the expired fixture and before the not-yet-valid one', () => {
      const expired = readSharedJson(`${EXAMPLES}/${VF}simple-err-expired.json`) as { validUntil: string };
      const issued = readSharedJson(`${EXAMPLES}/${VF}simple-err-issued.json`) as { validFrom: string };
      expect(Date.parse(expired.validUntil)).toBeLessThan(NOW.getTime());
      expect(Date.parse(issued.validFrom)).toBeGreaterThan(NOW.getTime());
    });

    it('the date verdicts hold with the system clock as well', async (ctx) => {
      const expired = await verifyFile(`${VF}simple-err-expired.json`);
      expect(checkOf(expired.report, 'validity-period')).toMatchObject({ status: 'failed', code: 'MC_EXPIRED' });
      const { validFrom } = readSharedJson(`${EXAMPLES}/${VF}simple-err-issued.json`) as { validFrom: string };
      if (Date.now() >= Date.parse(validFrom)) ctx.skip(); // after 2040 the fixture is no longer "not yet valid"
      const issued = await verifyFile(`${VF}simple-err-issued.json`);
      expect(checkOf(issued.report, 'validity-period')).toMatchObject({ status: 'failed', code: 'MC_NOT_YET_VALID' });
    });
  });

  it("velocity.jwt: the validator's complaint is real, and our context check passes it", async () => {
    const { report } = await run(`${VF}velocity.jwt`);
    const credential = report.credential!;
    const contexts = credential['@context'] as string[];
    const schemaTypes = (credential.credentialSchema as { type: string }[]).map((s) => s.type);
    // 1EdTechJsonSchemaValidator2019 is defined only by the OB extensions context, which is absent.
    expect(schemaTypes).toContain('1EdTechJsonSchemaValidator2019');
    expect(contexts).not.toContain(OB3_EXTENSIONS_CONTEXT);
    expect(checkOf(report, 'context').status).toBe('passed');
  });

  describe('coverage', () => {
    it('every .json/.jwt/.1ob credential and .png/.svg baked badge under validator-fixtures/ob30 is in the table; every other file is listed as not covered', () => {
      const files = listExamples(VF);
      const inTable = new Set(TABLE.filter((row) => row.file.startsWith(VF)).map((row) => row.file.slice(VF.length)));
      const missing = files.filter((f) => /\.(json|jwt|1ob|png|svg)$/.test(f) && !inTable.has(f));
      expect(missing, 'fixtures missing from the conformance table').toEqual([]);
      const unaccounted = files.filter((f) => !inTable.has(f) && !(f in NOT_COVERED));
      expect(unaccounted, 'files neither in the table nor in NOT_COVERED').toEqual([]);
      const stale = [...[...inTable], ...Object.keys(NOT_COVERED)].filter((f) => !files.includes(f));
      expect(stale, 'table entries for files that do not exist').toEqual([]);
    });

    it('agrees with every verdict of the README "Validator fixtures" table', () => {
      const readme = readShared(`${EXAMPLES}/README.md`);
      const start = readme.indexOf('### Validator fixtures');
      const end = readme.indexOf('My own checks', start);
      expect(start).toBeGreaterThan(0);
      const lines = readme.slice(start, end).split('\n').filter((l) => l.startsWith('|'));
      const rows = lines.slice(2); // header and separator
      expect(rows.length).toBeGreaterThan(10);

      const files = listExamples(VF);
      const seen = new Set<string>();
      for (const line of rows) {
        const [, result = '', fixtures = ''] = line.split('|').map((s) => s.trim());
        const label = readmeLabel(result);
        const tokens = [...fixtures.matchAll(/`([^`]+)`(?:\s*\((\d+) files\))?/g)];
        for (const [, token = '', count] of tokens) {
          if (!/\.(json|jwt|png|svg|1ob)$/.test(token)) continue; // e.g. `kid`, `bit-string-list/testlist`
          const re = new RegExp(`^${token.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
          const matched = files.filter((f) => re.test(f));
          expect(matched.length, `README names ${token}, which matches no fixture`).toBeGreaterThan(0);
          if (count !== undefined) expect(matched.length, token).toBe(Number(count));
          for (const f of matched) {
            seen.add(f);
            if (f in NOT_COVERED) continue;
            const row = TABLE.find((r) => r.file === `${VF}${f}`);
            expect(row, `${f} (README: ${result}) is not in the table`).toBeDefined();
            expect(row!.official, f).toBe(label);
          }
        }
      }
      // Every verdict we claim for a validator fixture comes from the README.
      const unsourced = TABLE.filter((r) => r.file.startsWith(VF) && !seen.has(r.file.slice(VF.length))).map((r) => r.file);
      expect(unsourced, 'table rows whose official verdict is not in the README').toEqual([]);
    });

    it('every rendered-spec credential and every OB credential among the spec-source appendix examples is in the table', () => {
      const inTable = new Set(TABLE.map((row) => row.file));
      const rendered = listExamples(RS)
        .filter((f) => f.endsWith('.jwt') || f.endsWith('.credential.json') || f.endsWith('.with-data-integrity-proof.json'))
        .map((f) => `${RS}${f}`);
      expect(rendered).toHaveLength(24);
      const appendix = listExamples(SS)
        .filter((f) => f.startsWith('appendix-examples--') && f.endsWith('.json'))
        .map((f) => `${SS}${f}`)
        .filter((f) => {
          const type = (readSharedJson(`${EXAMPLES}/${f}`) as { type?: unknown }).type;
          return Array.isArray(type) && (type.includes('OpenBadgeCredential') || type.includes('AchievementCredential'));
        });
      expect(appendix.length).toBeGreaterThan(0);
      expect([...rendered, ...appendix].filter((f) => !inTable.has(f)), 'examples missing from the table').toEqual([]);
      const extraSpecSource = TABLE.filter((row) => row.file.startsWith(SS) && !appendix.includes(row.file)).map((row) => row.file);
      expect(extraSpecSource, 'spec-source rows that are not OB appendix credentials').toEqual([]);
    });

    it('lists each fixture once', () => {
      const files = TABLE.map((row) => row.file);
      expect(files.filter((f, i) => files.indexOf(f) !== i)).toEqual([]);
    });
  });
});

/** The README's wording of a verdict, as an Official label. Unknown wording fails the test. */
function readmeLabel(result: string): Official {
  if (result === 'valid' || result === 'warning' || result === 'no test') return result;
  if (result === 'ContextPropertyProbe reported') return 'reported(ContextPropertyProbe)';
  if (result === 'invalid (missing OB extension context)') return 'invalid(missing OB extension context)';
  const invalid = /^invalid\((\w+)\)$/.exec(result);
  if (invalid) return `invalid(${invalid[1]})` as Official;
  const revoked = /^revoked \((RevocationListProbe|BitstringStatusListProbe)\b/.exec(result);
  if (revoked) return `revoked(${revoked[1]})` as Official;
  const error = /^1 error \((JsonLDValidationProbe)\)$/.exec(result);
  if (error) return 'error(JsonLDValidationProbe)';
  throw new Error(`unknown verdict wording in the README table: "${result}"`);
}
