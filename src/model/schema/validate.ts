/**
 * Validates a document against microcred's OB 3.0 AchievementCredential schema and turns ajv's
 * errors into short, path-addressed problems.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatName, type FormatsPlugin } from 'ajv-formats';
import { LRUCache } from 'lru-cache';
import type { Problem } from '../../errors.js';
import { readContextsFile } from '../../lib/project-files.js';
import { QB_SCHEMA_FILE, QB_SCHEMA_URL, SHARED_MEMBERS } from '../constants.js';
import { OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA, OB3_SCHEMA_ID } from './ob3-schema.js';
import { precompiledValidator } from './precompiled.js';
import type { KnownPart } from '../../lib/known-part.js';

// ajv-formats is CommonJS: under NodeNext the default import is typed as the module record, while
// at runtime it may be the plugin itself or a wrapper holding it in `default`.
const addFormats: FormatsPlugin =
  (addFormatsModule as unknown as { default?: FormatsPlugin }).default ??
  (addFormatsModule as unknown as FormatsPlugin);

// verbose: errors carry the failing sub-schema, used to phrase `contains`/`anyOf` messages.
const AJV_OPTIONS = { allErrors: true, strict: false, verbose: true };
const FORMATS: FormatName[] = ['date-time', 'date', 'uri', 'email'];
const ajv = new Ajv2020(AJV_OPTIONS);
addFormats(ajv, FORMATS);

/** Schemas whose validators came from the build, not from this Ajv instance; the first `added` of them were added to it since. */
const served: object[] = [];
let added = 0;

/**
 * A schema's validator, from the build when it has one (src/model/schema/precompiled.ts), else
 * compiled. Compiled once per process: validation runs on every issue and verify.
 */
function compile(schema: object): ValidateFunction {
  const built = precompiledValidator(AJV_OPTIONS, FORMATS, schema);
  if (built) {
    served.push(schema);
    return built;
  }
  // A schema compiled here may refer to one the build served (by $id): Ajv must know those.
  for (; added < served.length; added++) {
    const id = (served[added] as { $id?: unknown }).$id;
    if (typeof id === 'string' && !ajv.getSchema(id)) ajv.addSchema(served[added]!);
  }
  return ajv.compile(schema);
}

/** How many of this module's validators came from the build (for tests and diagnostics). */
export function validatorsFromBuild(): number {
  return served.length;
}

const validateFn = compile(OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA);

/**
 * The same schema with the subject's achievement only required to be an object, and the
 * Achievement definition on its own. The schema constrains the achievement through that one
 * reference and nothing else, so a credential is valid exactly when the rest is valid under the
 * reduced schema and the achievement is a valid Achievement.
 */
const defs = OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA.$defs as Record<string, Record<string, unknown>>;
const subjectDef = defs.AchievementSubject!;
const validateWithoutAchievement = compile({
  ...OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA,
  $id: OB3_SCHEMA_ID.replace(/\.json$/, '-without-achievement.json'),
  $defs: { ...defs, AchievementSubject: { ...subjectDef, properties: { ...(subjectDef.properties as object), achievement: { type: 'object' } } } },
});
// compile (not getSchema): the browser build precompiles exactly the schemas compiled here.
const validateAchievement: ValidateFunction = compile({ $ref: `${OB3_SCHEMA_ID}#/$defs/Achievement` });

/**
 * A schema split at the subject's achievement: `rest` is the schema with the achievement only
 * required to be an object, `achievement` validates the achievement alone. Valid exactly when the
 * whole is, so a cohort's achievement is validated once per content (`valid`, by its JSON text).
 */
interface SplitSchema {
  full: ValidateFunction;
  rest: ValidateFunction;
  achievement: ValidateFunction;
  valid: LRUCache<string, boolean>;
}

/** `validate(part.node)`, remembered per content (the part's JSON text). */
function validOnce(valid: LRUCache<string, boolean>, validate: ValidateFunction, part: KnownPart): boolean {
  let verdict = valid.get(part.key);
  if (verdict === undefined) valid.set(part.key, (verdict = validate(part.node)));
  return verdict;
}

const split = (full: ValidateFunction, rest: ValidateFunction, achievement: ValidateFunction): SplitSchema => ({ full, rest, achievement, valid: new LRUCache<string, boolean>({ max: 512 }) });

/**
 * Validate `doc`, through the split when the caller knows the achievement's text (plain JSON) and
 * the document carries that very object. Any failure is reported by the full schema, so problems
 * read the same either way. Returns `[]` when valid.
 */
function validateSplit(schema: SplitSchema, doc: unknown, achievement: KnownPart | undefined): Problem[] {
  if (achievement && (doc as { credentialSubject?: { achievement?: unknown } }).credentialSubject?.achievement === achievement.node) {
    if (validOnce(schema.valid, schema.achievement, achievement) && schema.rest(doc)) return [];
  }
  if (schema.full(doc)) return [];
  return toProblems(schema.full.errors ?? []);
}

const achievementCredential = split(validateFn, validateWithoutAchievement, validateAchievement);

type SchemaNode = Record<string, unknown> & { properties?: Record<string, SchemaNode> };

/**
 * Keywords that cannot reach into a member listed in `properties`: with only these at the top and
 * in credentialSubject, the achievement is constrained by its own property schema and nothing
 * else, which is what makes the split exact (an `allOf` or `if` there could look inside it).
 */
const SPLITTABLE = new Set(['$schema', '$id', 'title', 'description', 'type', 'properties', 'required', 'additionalProperties', '$defs']);
const splittable = (node: SchemaNode) => Object.keys(node).every((k) => SPLITTABLE.has(k));

/**
 * Top-level members an issuer shares between a cohort's credentials. The schema can be split at
 * them too: its top level uses only keywords that cannot look into a listed property (checked
 * below), so a credential is valid exactly when each of these members is valid under its own
 * property schema, the achievement under Achievement, and the rest under `learnerOnly`.
 */
const obProperties = OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA.properties as Record<string, object>;
const sharedSplit = splittable(OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA as SchemaNode) && SHARED_MEMBERS.every((m) => m in obProperties)
  ? {
      learnerOnly: compile({
        ...OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA,
        $id: OB3_SCHEMA_ID.replace(/\.json$/, '-learner-part.json'),
        properties: { ...obProperties, ...Object.fromEntries(SHARED_MEMBERS.map((m) => [m, true])) },
        $defs: { ...defs, AchievementSubject: { ...subjectDef, properties: { ...(subjectDef.properties as object), achievement: { type: 'object' } } } },
      }),
      members: SHARED_MEMBERS.map((m) => ({ member: m, validate: compile({ $ref: `${OB3_SCHEMA_ID}#/properties/${m}` }), valid: new LRUCache<string, boolean>({ max: 256 }) })),
    }
  : undefined;

/**
 * Check `doc` against the OB 3.0 AchievementCredential schema.
 * Returns `[]` when valid, otherwise one problem per distinct failure.
 *
 * `known`: nodes of the document whose JSON text the caller knows (plain JSON): the subject's
 * achievement, and any of the shared top-level members (@context, type, issuer,
 * credentialSchema). A known achievement is validated once per content; when all four members
 * are known too, so are they, and only the learner's part is validated per credential.
 */
export function validateAchievementCredential(doc: unknown, known: readonly KnownPart[] = []): Problem[] {
  const achievement = achievementPart(doc, known);
  if (achievement === undefined) return validateSplit(achievementCredential, doc, undefined);
  if (sharedSplit && sharedValid(doc as Record<string, unknown>, known, achievement)) return [];
  return validateSplit(achievementCredential, doc, achievement);
}

/** The known part that is the document's subject's achievement, if any. */
function achievementPart(doc: unknown, known: readonly KnownPart[]): KnownPart | undefined {
  const node = (doc as { credentialSubject?: { achievement?: unknown } } | null)?.credentialSubject?.achievement;
  return node === undefined ? undefined : known.find((p) => p.node === node);
}

/** Valid through the split at the achievement and the shared members; false also when a member is not known (the caller falls back). */
function sharedValid(doc: Record<string, unknown>, parts: readonly KnownPart[], achievement: KnownPart): boolean {
  const { learnerOnly, members } = sharedSplit!;
  for (const m of members) {
    const part = parts.find((p) => p.node === doc[m.member]);
    if (part === undefined) return false;
    if (!validOnce(m.valid, m.validate, part)) return false;
  }
  return validOnce(achievementCredential.valid, achievementCredential.achievement, achievement) && learnerOnly(doc);
}

/** An extension schema, split like the OB 3.0 one when it constrains the subject's achievement. */
type ExtensionValidator = SplitSchema | { full: ValidateFunction };

function extensionValidator(schema: SchemaNode): ExtensionValidator {
  const full = compile(schema);
  const subject = schema.properties?.credentialSubject;
  const achievement = subject?.properties?.achievement;
  if (!subject || !achievement || typeof schema.$id !== 'string' || !splittable(schema) || !splittable(subject)) return { full };
  const id = schema.$id.replace(/\.json$/, '');
  const rest = compile({
    ...schema,
    $id: `${id}-without-achievement.json`,
    properties: { ...schema.properties, credentialSubject: { ...subject, properties: { ...subject.properties, achievement: { type: 'object' } } } },
  });
  // A reference into the compiled schema reuses its compiled definitions (compiling a copy with
  // its $defs again cost about 40 ms at every start, CLI run and worker).
  return split(full, rest, compile({ $ref: `${schema.$id}#/properties/credentialSubject/properties/achievement` }));
}

/** Extension schemas microcred knows (by the URL a credential names in credentialSchema). */
const extensionValidators = new Map([[QB_SCHEMA_URL, extensionValidator(readContextsFile(QB_SCHEMA_FILE) as SchemaNode)]]);

export function isKnownExtensionSchema(url: string): boolean {
  return extensionValidators.has(url);
}

/**
 * Validate against every known extension schema the credential names in credentialSchema.
 * Unknown schema URLs are not fetched (no network access for schemas); callers report them.
 * `achievement`: as for validateAchievementCredential.
 */
export function validateExtensionSchemas(doc: Record<string, unknown>, known: readonly KnownPart[] = []): Problem[] {
  const achievement = achievementPart(doc, known);
  const ids = (Array.isArray(doc.credentialSchema) ? doc.credentialSchema : [doc.credentialSchema])
    .map((s) => (s && typeof s === 'object' ? (s as { id?: unknown }).id : undefined))
    .filter((id): id is string => typeof id === 'string');
  const problems: Problem[] = [];
  for (const id of ids) {
    const validator = extensionValidators.get(id);
    if (!validator) continue;
    if ('rest' in validator) problems.push(...validateSplit(validator, doc, achievement));
    else if (!validator.full(doc)) problems.push(...toProblems(validator.full.errors ?? []));
  }
  return problems;
}

function toProblems(errors: readonly ErrorObject[]): Problem[] {
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const e of collapseAlternatives(errors)) {
    const p = toProblem(e);
    const key = `${p.path}\u0000${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(p);
  }
  return problems;
}

/**
 * ajv reports every failed branch of an anyOf/oneOf plus the combinator itself; a person needs
 * one line. If a branch failed deeper inside the value, that branch was evidently the intended
 * shape, so its errors are kept; otherwise the branch errors at the same spot become one message.
 * The same noise comes from `contains`, which also reports every item that did not match.
 * `if` errors ("must match then/else schema") are dropped: the branch's own errors say more.
 */
function collapseAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const dropped = new Set<ErrorObject>();
  const merged: ErrorObject[] = [];
  // Errors raised under `c`: schema paths inside a $ref'd definition are relative to it and
  // repeat for every instance using that definition, so the instance path must match as well.
  const under = (c: ErrorObject) => (e: ErrorObject): boolean =>
    e !== c &&
    e.schemaPath.startsWith(`${c.schemaPath}/`) &&
    (e.instancePath === c.instancePath || e.instancePath.startsWith(`${c.instancePath}/`));
  for (const c of errors) {
    if (c.keyword === 'if') dropped.add(c);
    if (c.keyword === 'contains') {
      // Each non-matching item is reported too; "must contain X" already says it all.
      for (const e of errors.filter(under(c))) dropped.add(e);
      continue;
    }
    if (c.keyword !== 'anyOf' && c.keyword !== 'oneOf') continue;
    const branch = errors.filter(under(c));
    if (branch.length === 0) continue; // e.g. oneOf matched twice: keep ajv's message
    dropped.add(c);
    const sameSpot = branch.filter((e) => e.instancePath === c.instancePath);
    for (const e of sameSpot) dropped.add(e);
    if (sameSpot.length < branch.length) continue; // deeper errors stay as they are
    merged.push({ ...c, message: `must be ${sameSpot.map(describeBranch).join(' or ')}` });
  }
  return [...errors.filter((e) => !dropped.has(e)), ...merged];
}

/** A branch failure phrased as what would have been acceptable, for "must be X or Y". */
function describeBranch(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'enum':
      return `one of ${listValues(params.allowedValues)}`;
    case 'const':
      return JSON.stringify(params.allowedValue);
    case 'pattern':
      return `a string matching ${String(params.pattern)}`;
    case 'type':
      return `of type ${String(params.type)}`;
    default:
      return (e.message ?? e.keyword).replace(/^must (be )?/, '');
  }
}

function listValues(values: unknown): string {
  const list = Array.isArray(values) ? values.map((v) => JSON.stringify(v)) : [];
  if (list.length <= 8) return list.join(', ');
  return `the ${list.length} allowed values (${list.slice(0, 4).join(', ')}, …)`;
}

const FORMAT_HINTS: Record<string, string> = {
  'date-time': 'must be a date-time with a timezone, e.g. 2024-01-01T00:00:00Z',
  date: 'must be a date (YYYY-MM-DD)',
  uri: 'must be an absolute URI, including its scheme (e.g. https:, urn:, did:)',
  email: 'must be an email address',
};

function toProblem(e: ErrorObject): Problem {
  const params = e.params as Record<string, unknown>;
  let path = e.instancePath;
  let message = e.message ?? `fails ${e.keyword}`;
  switch (e.keyword) {
    case 'required':
      // Point at the missing member itself: /credentialSubject/achievement, not its parent.
      path += `/${escapePointer(String(params.missingProperty))}`;
      // Ajv's "must have required property 'x'" would repeat the name the path now ends with.
      message = 'is required';
      break;
    case 'additionalProperties':
      path += `/${escapePointer(String(params.additionalProperty))}`;
      message = 'is not allowed here (this class accepts no additional properties)';
      break;
    case 'const':
      message = `must be ${JSON.stringify(params.allowedValue)}`;
      break;
    case 'enum':
      message = `must be one of ${listValues(params.allowedValues)}`;
      break;
    case 'contains':
      message = describeContains(e.schema) ?? message;
      break;
    case 'format':
      message = FORMAT_HINTS[String(params.format)] ?? message;
      break;
  }
  return { path: path === '' ? '/' : path, message };
}

function describeContains(schema: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  const s = schema as { const?: unknown; enum?: unknown };
  if ('const' in s) return `must contain ${JSON.stringify(s.const)}`;
  if (Array.isArray(s.enum)) return `must contain one of ${listValues(s.enum)}`;
  return undefined;
}

/** RFC 6901 escaping for a single reference token. */
function escapePointer(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}
