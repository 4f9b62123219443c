import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { validateAchievementCredential } from '../src/model/schema/validate.js';
import {
  OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA,
  OB3_SCHEMA_URL,
} from '../src/model/schema/ob3-schema.js';

// ---------------------------------------------------------------------------------------------
// Shared spec material lives next to the repo (/work/shared), never inside it.
// ---------------------------------------------------------------------------------------------
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = path.resolve(REPO_ROOT, '../shared');
const OB3 = path.join(SHARED, 'spec/ob3');
const OFFICIAL_SCHEMA_FILE = path.join(OB3, 'schema/json/achievementcredential.json');
const EXAMPLES = path.join(OB3, 'examples');
const FIXTURES = path.join(EXAMPLES, 'validator-fixtures/ob30');

const hasShared = existsSync(OFFICIAL_SCHEMA_FILE);
if (!hasShared) {
  // In CI a missing corpus must not turn into a silently green run.
  if (process.env.CI === 'true') {
    throw new Error(`OB 3.0 spec material not found at ${SHARED}; CI requires ../shared to be present`);
  }
  console.warn(`[schema.test] ${SHARED} not found: skipping conformance tests against the official schema`);
}

const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  (addFormatsModule as unknown as FormatsPlugin);

// Test documents are mutated freely; `any` keeps the fixtures terse.
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const readJson = (file: string): unknown => JSON.parse(readFileSync(file, 'utf8'));

function typesOf(doc: unknown): string[] {
  if (typeof doc !== 'object' || doc === null) return [];
  const t = (doc as { type?: unknown }).type;
  if (typeof t === 'string') return [t];
  return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
}

const isAchievementCredential = (doc: unknown): boolean =>
  typesOf(doc).some((t) => t === 'OpenBadgeCredential' || t === 'AchievementCredential');

/** Corpus files, relative to examples/, that are AchievementCredentials (endorsements excluded). */
function conformanceCorpus(): string[] {
  const pick = (dir: string, keep: (name: string) => boolean): string[] =>
    readdirSync(path.join(EXAMPLES, dir))
      .filter(keep)
      .sort()
      .map((name) => `${dir}/${name}`);
  const json = (n: string): boolean => n.endsWith('.json');
  return [
    ...pick(
      'rendered-spec-2024-04',
      (n) => n.endsWith('.credential.json') || n.endsWith('.with-data-integrity-proof.json'),
    ),
    // appendix examples, plus the docformat, equality and impl-guide samples
    ...pick('spec-source-v1.2', json),
    ...pick('impl-guide-ldp-test-vector', (n) => n.startsWith('credential.') && json(n)),
    ...pick('validator-fixtures/ob30', json),
    ...pick('validator-fixtures/ob30/bit-string-list', json),
    ...pick('validator-fixtures/ob30/sd', json),
  ].filter((rel) => isAchievementCredential(readJson(path.join(EXAMPLES, rel))));
}

/**
 * Corpus files where our verdict deliberately differs from the official 2024 schema, with the
 * reason. Each entry is re-checked, so one that stops differing fails the suite and must go.
 * Currently empty: every corpus file gets the same verdict. Deliberate differences that no corpus
 * file exercises are pinned by DELIBERATE_DEVIATIONS below instead.
 */
const KNOWN_DIFFERENCES: Record<string, { ours: 'valid' | 'invalid'; reason: string }> = {};

/**
 * Where our schema is intentionally stricter or looser than the official one, shown on a
 * mutated copy of the official `simple.json` fixture. Asserting both verdicts keeps this list
 * honest if either schema changes.
 */
const DELIBERATE_DEVIATIONS: {
  name: string;
  ours: 'valid' | 'invalid';
  mutate: (c: Json) => void;
}[] = [
  {
    name: 'credentialStatus without id (optional since OB doc 1.4, as in VCDM 2.0)',
    ours: 'valid',
    mutate: (c) => { c.credentialStatus = { type: 'BitstringStatusListEntry', statusListCredential: 'https://x.org/l' }; },
  },
  {
    name: 'credentialStatus as an array (VCDM 2.0 allows several entries)',
    ours: 'valid',
    mutate: (c) => { c.credentialStatus = [{ id: 'https://x.org/l#1', type: 'BitstringStatusListEntry' }]; },
  },
  {
    name: 'BCP 47 tag with a variant subtag (official pattern is narrower than BCP 47)',
    ours: 'valid',
    mutate: (c) => { c.credentialSubject.achievement.inLanguage = 'de-CH-1901'; },
  },
  {
    name: 'URI-typed member that is not a URI (official types URIs as plain strings)',
    ours: 'invalid',
    mutate: (c) => { c.credentialSubject.achievement.id = 'teamwork'; },
  },
  {
    name: 'ext: term not at the start (official pattern is unanchored)',
    ours: 'invalid',
    mutate: (c) => { c.credentialSubject.achievement.achievementType = 'Badge-ext:x'; },
  },
  {
    name: 'hashed identity that is not <alg>$<hex> (IdentityHash derived type)',
    ours: 'invalid',
    mutate: (c) => {
      c.credentialSubject.identifier = [
        { type: 'IdentityObject', hashed: true, identityHash: 'a@example.com', identityType: 'emailAddress' },
      ];
    },
  },
  {
    name: 'Profile.email that is not an email address',
    ours: 'invalid',
    mutate: (c) => { c.issuer.email = 'not-an-email'; },
  },
  {
    name: 'addressCountryCode that is not ISO 3166-1 alpha-2',
    ours: 'invalid',
    mutate: (c) => { c.issuer.address = { type: ['Address'], addressCountryCode: 'USA' }; },
  },
];

function compileOfficial(): (doc: unknown) => { valid: boolean; errors: ErrorObject[] } {
  // The official schema is draft 2019-09 (tuple `items` + `additionalItems` for @context).
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = ajv.compile(readJson(OFFICIAL_SCHEMA_FILE) as object);
  return (doc) => {
    const valid = validate(doc);
    return { valid, errors: validate.errors ?? [] };
  };
}

describe.skipIf(!hasShared)('conformance with the official 1EdTech AchievementCredential schema', () => {
  const official = hasShared ? compileOfficial() : () => ({ valid: false, errors: [] });
  const corpus = hasShared ? conformanceCorpus() : [];

  it('finds a non-trivial corpus of AchievementCredentials', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    // EndorsementCredentials are filtered out: they have their own schema.
    expect(corpus.some((f) => f.includes('endorsementcredential'))).toBe(false);
    const verdicts = corpus.map((f) => official(readJson(path.join(EXAMPLES, f))).valid);
    expect(verdicts).toContain(true);
    expect(verdicts).toContain(false);
  });

  it.each(corpus)('%s: same verdict as the official schema', (rel) => {
    const doc = readJson(path.join(EXAMPLES, rel));
    const theirs = official(doc);
    const problems = validateAchievementCredential(doc);
    const ours = problems.length === 0;
    const known = KNOWN_DIFFERENCES[rel];
    if (known) {
      expect(ours, `${rel}: known difference no longer holds (${known.reason})`).toBe(known.ours === 'valid');
      expect(theirs.valid, `${rel}: official verdict changed (${known.reason})`).toBe(known.ours !== 'valid');
      return;
    }
    const detail = JSON.stringify(
      { ours: problems, official: theirs.errors.map((e) => `${e.instancePath} ${e.message}`) },
      null,
      1,
    );
    expect(ours, `${rel}: verdicts differ\n${detail}`).toBe(theirs.valid);
  });

  it('KNOWN_DIFFERENCES only names files that are in the corpus', () => {
    for (const rel of Object.keys(KNOWN_DIFFERENCES)) expect(corpus).toContain(rel);
  });

  it.each(DELIBERATE_DEVIATIONS)('deliberate deviation: $name', ({ ours, mutate }) => {
    const base = readJson(path.join(FIXTURES, 'simple.json')) as Json;
    expect(validateAchievementCredential(base)).toEqual([]);
    expect(official(base).valid).toBe(true);
    mutate(base);
    expect(validateAchievementCredential(base).length === 0).toBe(ours === 'valid');
    expect(official(base).valid).toBe(ours !== 'valid');
  });

  it('OB3_SCHEMA_URL is the URL the spec examples cite in credentialSchema', () => {
    const cited = readdirSync(path.join(EXAMPLES, 'spec-source-v1.2'))
      .map((n) => readJson(path.join(EXAMPLES, 'spec-source-v1.2', n)) as { credentialSchema?: { id?: string }[] })
      .flatMap((d) => (Array.isArray(d.credentialSchema) ? d.credentialSchema : []))
      .map((s) => s.id);
    expect(cited).toContain(OB3_SCHEMA_URL);
  });
});

// ---------------------------------------------------------------------------------------------
// Fixtures the official validator rejects (through its schema or a type/issuer probe).
// Each has one deliberate fault; our schema alone must point at it.
// ---------------------------------------------------------------------------------------------
const REJECTED_FIXTURES: Record<string, string> = {
  'simple-err-issuer.json': '/issuer', // no issuer at all
  'simple-err-credential-subject-type.json': '/credentialSubject/type',
  'simple-err-credential-subject-identifier-type.json': '/credentialSubject/identifier/0/type',
  'simple-err-credential-subject-profile-type.json': '/credentialSubject/source/type',
  'simple-err-credential-subject-result-type.json': '/credentialSubject/result/1/type',
  'simple-err-credential-subject-achievement-result-description-type.json':
    '/credentialSubject/achievement/resultDescription/2/type',
  'simple-err-evidence-type.json': '/evidence/1/type',
  'simple-err-issuer-type.json': '/issuer/type',
  'simple-err-issuer-parentorg-type.json': '/issuer/parentOrg/type',
  'simple-err-issuer-otheridentifier-type.json': '/issuer/otherIdentifier/1/type',
  'simple-err-type.json': '/type',
};

describe.skipIf(!hasShared)('official validator fixtures that must be rejected', () => {
  it.each(Object.entries(REJECTED_FIXTURES))('%s is rejected at %s', (file, faultPath) => {
    const doc = readJson(path.join(FIXTURES, file)) as Record<string, unknown>;
    const problems = validateAchievementCredential(doc);
    expect(problems.map((p) => p.path)).toContain(faultPath);

    // Most of these fixtures also carry a singular `proof`; make sure the deliberate fault is
    // caught on its own, not only because of that.
    if (doc.proof !== undefined && !Array.isArray(doc.proof)) {
      const fixed = { ...doc, proof: [doc.proof] };
      const again = validateAchievementCredential(fixed);
      expect(again.map((p) => p.path)).not.toContain('/proof');
      expect(again.map((p) => p.path)).toContain(faultPath);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-written cases
// ---------------------------------------------------------------------------------------------
function minimalCredential(): Json {
  return {
    '@context': [
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
    ],
    id: 'urn:uuid:91537dba-56cb-11ec-bf63-0242ac130002',
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    issuer: { id: 'https://issuer.example.org/profile', type: ['Profile'], name: 'Example Issuer' },
    validFrom: '2024-01-01T00:00:00Z',
    name: 'Teamwork',
    credentialSubject: {
      id: 'did:example:ebfeb1f712ebc6f1c276e12ec21',
      type: ['AchievementSubject'],
      achievement: {
        id: 'https://issuer.example.org/achievements/teamwork',
        type: ['Achievement'],
        criteria: { narrative: 'Nominated by peers.' },
        description: 'Collaborates well within a group.',
        name: 'Teamwork',
      },
    },
  };
}

const pathsOf = (doc: unknown): string[] => validateAchievementCredential(doc).map((p) => p.path);

describe('validateAchievementCredential', () => {
  it('accepts a minimal credential', () => {
    expect(validateAchievementCredential(minimalCredential())).toEqual([]);
  });

  it('accepts a fuller credential using optional classes', () => {
    const c = minimalCredential();
    c['@context'].push('https://purl.imsglobal.org/spec/ob/v3p0/extensions.json', { ex: 'https://ex.org/#' });
    c.type = ['VerifiableCredential', 'AchievementCredential'];
    c.validUntil = '2030-01-01T00:00:00+02:00';
    c.awardedDate = '2024-01-01T00:00:00Z';
    c.image = { id: 'https://issuer.example.org/badge.png', type: 'Image', caption: 'Badge' };
    c.credentialSchema = [{ id: OB3_SCHEMA_URL, type: '1EdTechJsonSchemaValidator2019' }];
    c.credentialStatus = [
      { type: 'BitstringStatusListEntry', statusPurpose: 'revocation', statusListIndex: '23', statusListCredential: 'https://x.org/s' },
    ];
    c.evidence = [{ type: ['Evidence'], id: 'data:text/plain,hello', narrative: 'Report' }];
    c.proof = [{ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', created: '2024-01-01T00:00:00Z' }];
    c.endorsementJwt = ['eyJhbGciOiJFUzI1NiJ9.eyJ4IjoxfQ.c2ln'];
    c.issuer.parentOrg = { id: 'https://parent.example.org', type: ['Profile'], otherIdentifier: [
      { type: 'IdentifierEntry', identifier: '1', identifierType: 'ext:CompanyNumber' },
    ] };
    c.issuer.address = { type: ['Address'], addressCountryCode: 'NL', geo: { type: 'GeoCoordinates', latitude: 52.1, longitude: 5.1 } };
    const s = c.credentialSubject;
    s.identifier = [
      { type: 'IdentityObject', hashed: true, identityHash: 'sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399', identityType: 'emailAddress', salt: 'Kosher' },
    ];
    s.creditsEarned = 3;
    s.result = [{ type: ['Result'], resultDescription: 'urn:uuid:1', status: 'Completed' }];
    s.achievement.achievementType = 'MicroCredential';
    s.achievement.creditsAvailable = 3.0;
    s.achievement.inLanguage = 'en-US';
    s.achievement.alignment = [{ type: ['Alignment'], targetName: 'Skill', targetUrl: 'https://f.org/s', targetType: 'CFItem' }];
    s.achievement.resultDescription = [
      { id: 'urn:uuid:1', type: ['ResultDescription'], name: 'Status', resultType: 'Status' },
    ];
    expect(validateAchievementCredential(c)).toEqual([]);
  });

  it('allows JWT registered claims at the top level', () => {
    const c = { ...minimalCredential(), iss: 'https://issuer.example.org/profile', sub: 'did:example:1', nbf: 1704067200, jti: 'urn:uuid:1', exp: 1893456000, iat: 1704067200 };
    expect(validateAchievementCredential(c)).toEqual([]);
  });

  it('accepts issuer as a URI string but not as a relative reference', () => {
    const c = minimalCredential();
    c.issuer = 'https://issuer.example.org/profile';
    expect(validateAchievementCredential(c)).toEqual([]);
    c.issuer = 'issuer-profile';
    expect(pathsOf(c)).toEqual(['/issuer']);
  });

  it('reports a missing achievement at /credentialSubject/achievement', () => {
    const c = minimalCredential();
    delete c.credentialSubject.achievement;
    expect(validateAchievementCredential(c)).toEqual([
      { path: '/credentialSubject/achievement', message: 'is required' },
    ]);
  });

  it('reports missing nested required properties with their full path', () => {
    const c = minimalCredential();
    delete c.credentialSubject.achievement.name;
    expect(validateAchievementCredential(c)).toEqual([
      { path: '/credentialSubject/achievement/name', message: 'is required' },
    ]);
  });

  it('rejects validFrom without a timezone', () => {
    const c = minimalCredential();
    c.validFrom = '2024-01-01T00:00:00';
    const problems = validateAchievementCredential(c);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: '/validFrom' });
    expect(problems[0]?.message).toMatch(/timezone/);
  });

  it('rejects creditsAvailable given as a string', () => {
    const c = minimalCredential();
    c.credentialSubject.achievement.creditsAvailable = '3';
    expect(validateAchievementCredential(c)).toEqual([
      { path: '/credentialSubject/achievement/creditsAvailable', message: 'must be number' },
    ]);
  });

  it('rejects an IdentityObject with an extra property', () => {
    const c = minimalCredential();
    c.credentialSubject.identifier = [
      { type: 'IdentityObject', hashed: false, identityHash: 'a@example.com', identityType: 'emailAddress', note: 'x' },
    ];
    expect(pathsOf(c)).toEqual(['/credentialSubject/identifier/0/note']);
  });

  it('rejects a hashed identity that is not <alg>$<hex>', () => {
    const c = minimalCredential();
    c.credentialSubject.identifier = [
      { type: 'IdentityObject', hashed: true, identityHash: 'a@example.com', identityType: 'emailAddress' },
    ];
    expect(pathsOf(c)).toEqual(['/credentialSubject/identifier/0/identityHash']);
  });

  it('rejects @context in the wrong order', () => {
    const c = minimalCredential();
    c['@context'].reverse();
    const paths = pathsOf(c);
    expect(paths).toContain('/@context/0');
    expect(paths).toContain('/@context/1');
  });

  it('rejects a single @context entry and a non-OB second context', () => {
    const c = minimalCredential();
    c['@context'] = ['https://www.w3.org/ns/credentials/v2'];
    expect(pathsOf(c)).toEqual(['/@context']);
    c['@context'] = ['https://www.w3.org/ns/credentials/v2', 'https://example.org/context.json'];
    expect(pathsOf(c)).toEqual(['/@context/1']);
  });

  it('rejects a type without OpenBadgeCredential/AchievementCredential, with one clear problem', () => {
    const c = minimalCredential();
    c.type = ['VerifiableCredential', 'SomeCredential'];
    expect(validateAchievementCredential(c)).toEqual([
      { path: '/type', message: 'must contain one of "AchievementCredential", "OpenBadgeCredential"' },
    ]);
  });

  it('rejects an alignment without targetUrl', () => {
    const c = minimalCredential();
    c.credentialSubject.achievement.alignment = [{ type: ['Alignment'], targetName: 'Skill' }];
    expect(pathsOf(c)).toEqual(['/credentialSubject/achievement/alignment/0/targetUrl']);
  });

  it('rejects singular (JSON-LD compacted) proof and type values', () => {
    const c = minimalCredential();
    c.proof = { type: 'DataIntegrityProof' };
    c.credentialSubject.type = 'AchievementSubject';
    expect(pathsOf(c).sort()).toEqual(['/credentialSubject/type', '/proof']);
  });

  it('requires Image.type to be the string "Image" and allows no extra members', () => {
    const c = minimalCredential();
    c.image = { id: 'https://x.org/i.png', type: ['Image'], width: 10 };
    expect(pathsOf(c).sort()).toEqual(['/image/type', '/image/width']);
  });

  it('collapses enum-or-ext: alternatives into one problem', () => {
    const c = minimalCredential();
    c.credentialSubject.achievement.achievementType = 'Trophy';
    const problems = validateAchievementCredential(c);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.path).toBe('/credentialSubject/achievement/achievementType');
    expect(problems[0]?.message).toMatch(/allowed values .* or a string matching \^ext:/);
    c.credentialSubject.achievement.achievementType = 'ext:Trophy';
    expect(validateAchievementCredential(c)).toEqual([]);
  });

  it('keeps alternatives of different values apart when they share a definition', () => {
    const c = minimalCredential();
    const id = { type: 'IdentityObject', hashed: false, identityHash: 'x', identityType: 'bogus' };
    c.credentialSubject.identifier = [id, { ...id }];
    c.issuer.otherIdentifier = [{ type: 'IdentifierEntry', identifier: '1', identifierType: 'bogus' }];
    const problems = validateAchievementCredential(c);
    expect(problems.map((p) => p.path).sort()).toEqual([
      '/credentialSubject/identifier/0/identityType',
      '/credentialSubject/identifier/1/identityType',
      '/issuer/otherIdentifier/0/identifierType',
    ]);
    for (const p of problems) expect(p.message).toMatch(/^must be one of the 19 allowed values .* or a string matching/);
  });

  it('reports errors inside an embedded issuer Profile at their own path', () => {
    const c = minimalCredential();
    c.issuer.email = 'not-an-email';
    c.issuer.parentOrg = { id: 'https://p.org', type: ['Organization'] };
    expect(pathsOf(c).sort()).toEqual(['/issuer/email', '/issuer/parentOrg/type']);
  });

  it('accepts credentialStatus as one object or several, with optional id', () => {
    const c = minimalCredential();
    c.credentialStatus = { type: 'BitstringStatusListEntry' };
    expect(validateAchievementCredential(c)).toEqual([]);
    c.credentialStatus = [{ type: 'A', id: 'https://s.org/1#2' }, { type: 'B' }];
    expect(validateAchievementCredential(c)).toEqual([]);
    c.credentialStatus = [{ id: 'https://s.org/1#2' }];
    expect(pathsOf(c)).toEqual(['/credentialStatus/0/type']);
  });

  it('reports a non-object document at the root as "/"', () => {
    expect(validateAchievementCredential('hello')).toEqual([{ path: '/', message: 'must be object' }]);
  });

  it('gives one-line messages and no duplicates', () => {
    const c = minimalCredential();
    c.type = ['Nope'];
    c.issuer.type = ['Nope'];
    c.credentialSubject.result = [{ type: ['Nope'] }, { type: ['Result'], status: 'Done' }];
    const problems = validateAchievementCredential(c);
    const keys = problems.map((p) => `${p.path} ${p.message}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const p of problems) expect(p.message).not.toMatch(/\n/);
    expect(problems.map((p) => p.path).sort()).toEqual([
      '/credentialSubject/result/0/type',
      '/credentialSubject/result/1/status',
      '/issuer/type',
      '/type',
      '/type',
    ]);
  });

  it('is itself a valid draft 2020-12 schema with the project $id', () => {
    const ajv = new Ajv2020({ strict: false });
    expect(ajv.validateSchema(OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA)).toBe(true);
    expect(OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA.$id).toBe('https://microcred.dev/schemas/ob3/achievementcredential.json');
  });
});
