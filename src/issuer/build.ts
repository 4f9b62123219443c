import { randomFillSync, randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { identityHash } from '../lib/identity-hash.js';
import { OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT, OB3_SCHEMA_TYPE, QB_CONTEXT_URL, QB_SCHEMA_URL, SHARED_MEMBERS, VC_V2_CONTEXT } from '../model/constants.js';
import { OB3_SCHEMA_URL } from '../model/schema/ob3-schema.js';
import type { IssuanceRequest } from './request.js';
import { deepFreeze } from '../lib/deep-freeze.js';
import { assignOwn, copyOwn } from '../lib/copy.js';
import { LastBuilt } from '../lib/json-snapshot.js';
import type { KnownPart } from '../lib/known-part.js';

export interface BuildOptions {
  issuerId: string;
  now: Date;
}

export type Credential = Record<string, unknown> & { id: string; validFrom: string; issuer: Record<string, unknown> & { id: string } };

/** OB 3.0 serializes multi-valued properties as arrays even when they hold one value. */
const asArray = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

/** A copy of obj whose type includes `type` (first when added). */
const withType = (obj: Record<string, unknown>, type: string): Record<string, unknown> => addType(copyOwn(obj), type);

/** Make out's type include `type` (first when added), in place: out is a fresh copy. */
function addType(out: Record<string, unknown>, type: string): Record<string, unknown> {
  const types = asArray(out.type as string | string[] | undefined) ?? [];
  out.type = types.includes(type) ? types : [type, ...types];
  return out;
}

/** Date-times are written with second precision so that `nbf` equals `validFrom` exactly. */
export function isoSeconds(d: Date): string {
  return new Date(Math.floor(d.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function buildAchievement(a: Record<string, unknown>): Record<string, unknown> {
  const out = withType(a, 'Achievement');
  out.achievementType ??= 'MicroCredential';
  for (const k of ['alignment', 'resultDescription', 'tag', 'otherIdentifier', 'related', 'endorsement', 'endorsementJwt']) {
    if (out[k] !== undefined) out[k] = asArray(out[k]);
  }
  if (Array.isArray(out.alignment)) out.alignment = (out.alignment as Array<Record<string, unknown>>).map((x) => withType(x, 'Alignment'));
  if (Array.isArray(out.resultDescription)) {
    out.resultDescription = (out.resultDescription as Array<Record<string, unknown>>).map((rd) => {
      const r = withType(rd, 'ResultDescription');
      if (Array.isArray(r.rubricCriterionLevel)) r.rubricCriterionLevel = (r.rubricCriterionLevel as Array<Record<string, unknown>>).map((l) => withType(l, 'RubricCriterionLevel'));
      return r;
    });
  }
  if (out.creator && typeof out.creator === 'object') out.creator = withType(out.creator as Record<string, unknown>, 'Profile');
  if (out.qualityBenchmark && typeof out.qualityBenchmark === 'object') out.qualityBenchmark = assignOwn({ type: 'QualityBenchmark' }, out.qualityBenchmark);
  return out;
}

/**
 * 16 random bytes as hex, drawn from a pool that the CSPRNG refills 4 KiB at a time: one
 * randomBytes call per salt costs more than the hashing it protects. Each byte is used once.
 */
const pool = Buffer.alloc(4096);
let poolAt = pool.length;
function saltHex(): string {
  if (poolAt + 16 > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const hex = pool.toString('hex', poolAt, poolAt + 16);
  poolAt += 16;
  return hex;
}

function buildIdentifier(item: Record<string, unknown>): Record<string, unknown> {
  if (typeof item.identityHash === 'string') {
    const given = copyOwn(item);
    given.type = 'IdentityObject';
    return given;
  }
  const plaintext = String(item.identifier);
  if (item.hashed === false) return { type: 'IdentityObject', identityType: item.identityType, hashed: false, identityHash: plaintext };
  // A fresh salt per credential stops anyone linking a learner's badges by hash.
  const salt = saltHex();
  return { type: 'IdentityObject', identityType: item.identityType, hashed: true, identityHash: identityHash(plaintext, salt), salt };
}

/**
 * Built achievements by content. A cohort's credentials then share one frozen achievement
 * object, parsed from its own JSON text: plain JSON by construction, detached from the caller's
 * objects, and its text is known. That text keys the per-achievement caches of the checks
 * (JSON-LD shape, benchmark rules) and is spliced into the JWT payload instead of serializing
 * the largest part of the credential again.
 */
const interned = new LRUCache<string, object>({ max: 256 });
const internedText = new WeakMap<object, string>();
/** The texts of the other shared nodes (kept apart so only an achievement counts as prepared). */
const sharedTexts = new WeakMap<object, string>();

let last: { text: string; node: Record<string, unknown> } | undefined;

/** The shared frozen node for a JSON text, parsed once; its text is known (sharedText). */
function fromText<T extends object>(text: string, cache: LRUCache<string, object>, texts: WeakMap<object, string>): T {
  let node = cache.get(text) as T | undefined;
  if (!node) {
    node = deepFreeze(JSON.parse(text) as T);
    cache.set(text, node);
    texts.set(node, text);
  }
  return node;
}

function intern(achievement: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(achievement);
  // Consecutive credentials usually share the achievement: comparing with the last one is a
  // memory compare, where a cache lookup would first hash the whole (fresh) text.
  if (last !== undefined && last.text === text) return last.node;
  const node = fromText<Record<string, unknown>>(text, interned, internedText);
  last = { text: internedText.get(node)!, node };
  return node;
}

/**
 * The achievement as every credential will carry it: built (types, arrays, defaults), detached
 * from the caller's object and deeply frozen. Pass it as `request.achievement` when issuing many
 * credentials of one achievement (a cohort): building it, and serializing it to find it among the
 * interned ones, then happens once instead of once per credential. Building is idempotent, so a
 * prepared achievement gives exactly the credential the plain one gives.
 */
export function prepareAchievement(achievement: Record<string, unknown>): Record<string, unknown> {
  if (internedText.has(achievement)) return achievement;
  // The same content as the last plain achievement (a caller issuing one credential at a time
  // for one achievement): comparing it with a snapshot costs a fraction of building and
  // serializing it again.
  const known = lastAchievement.find(achievement);
  if (known !== undefined) return known;
  const node = intern(buildAchievement(achievement));
  lastAchievement.remember(achievement, node);
  return node;
}

const lastAchievement = new LastBuilt<Record<string, unknown>>();

/**
 * The JSON text of a node the issuer shares between credentials (an achievement, the issuer
 * profile, the @context, type and credentialSchema arrays); undefined for any other value.
 * Shared nodes are deeply frozen, so the text stays true.
 */
export function sharedText(node: unknown): string | undefined {
  return node !== null && typeof node === 'object' ? (internedText.get(node) ?? sharedTexts.get(node)) : undefined;
}

/** The JSON text of an achievement built here (undefined for any other object). */
export function achievementText(achievement: unknown): string | undefined {
  return achievement !== null && typeof achievement === 'object' ? internedText.get(achievement) : undefined;
}

/** The credential's achievement when it was built here, with its JSON text. */
export function builtAchievement(credential: Record<string, unknown>): { node: Record<string, unknown>; key: string } | undefined {
  const node = (credential.credentialSubject as { achievement?: Record<string, unknown> } | undefined)?.achievement;
  const key = achievementText(node);
  return node && key !== undefined ? { node, key } : undefined;
}

/**
 * The shared nodes of a built credential: its achievement, and the issuer profile, @context,
 * type and credentialSchema that a cohort's credentials have in common. Checks that depend only
 * on content (JSON-LD shape, schema) handle each once per content.
 */
export function sharedParts(credential: Record<string, unknown>): KnownPart[] {
  const parts: KnownPart[] = [];
  const achievement = builtAchievement(credential);
  if (achievement) parts.push(achievement);
  for (const k of SHARED_MEMBERS) {
    const node = credential[k];
    const key = sharedText(node);
    if (key !== undefined) parts.push({ node: node as object, key });
  }
  return parts;
}

/** Shared issuer profiles, @context and credentialSchema arrays, by content. */
const sharedNodes = new LRUCache<string, object>({ max: 256 });

function share<T extends object>(value: T): T {
  return fromText<T>(JSON.stringify(value), sharedNodes, sharedTexts);
}

const CREDENTIAL_TYPE = share(['VerifiableCredential', 'OpenBadgeCredential']);

/**
 * The last issuer profile built, with a snapshot of the request's profile it was built from. A
 * cohort's requests carry the same profile; comparing it with the snapshot costs less than
 * serializing it to look it up.
 */
const lastIssuer = new LastBuilt<Record<string, unknown> & { id: string }>();

function issuerProfile(given: Record<string, unknown> | undefined, issuerId: string): Record<string, unknown> & { id: string } {
  const source = given ?? {};
  const known = lastIssuer.find(source);
  if (known !== undefined && known.id === issuerId) return known;
  const issuer = copyOwn(source);
  issuer.id = issuerId;
  addType(issuer, 'Profile');
  let text: string;
  try {
    text = JSON.stringify(issuer);
  } catch {
    // Not JSON (a BigInt, a cycle): left unshared for the schema check to report.
    return issuer as Record<string, unknown> & { id: string };
  }
  const node = fromText<Record<string, unknown> & { id: string }>(text, sharedNodes, sharedTexts);
  lastIssuer.remember(source, node);
  return node;
}

const CONTEXTS = [VC_V2_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT];
const SCHEMAS = [{ id: OB3_SCHEMA_URL, type: OB3_SCHEMA_TYPE }];
/** The @context and credentialSchema arrays of requests that add none of their own, with and without the extension. */
const PLAIN = { context: share(CONTEXTS), schema: share(SCHEMAS) };
const EXTENDED = { context: share([...CONTEXTS, QB_CONTEXT_URL]), schema: share([...SCHEMAS, { id: QB_SCHEMA_URL, type: OB3_SCHEMA_TYPE }]) };

/** The shared node for a value of the request, or the value itself when it is not JSON (for the schema check to report). */
function shareIfJson<T extends object>(value: T): T {
  try {
    return share(value);
  } catch {
    return value;
  }
}

/** Pure construction of the unsigned credential from a request (no validation, no I/O). */
export function buildCredential(request: IssuanceRequest, options: BuildOptions): Credential {
  const { issuerId, now } = options;
  const cs = request.credentialSubject;
  const subject: Record<string, unknown> = withType(cs, 'AchievementSubject');
  if (cs.identifier !== undefined) subject.identifier = (asArray(cs.identifier) as unknown as Array<Record<string, unknown>>).map(buildIdentifier);
  if (cs.result !== undefined) subject.result = (asArray(cs.result) as Array<Record<string, unknown>>).map((r) => withType(r, 'Result'));
  // Last in the subject, even when the request's subject names an achievement of its own: the
  // JWT payload is composed around the achievement's known text there (jwt/sign.ts).
  if (Object.hasOwn(subject, 'achievement')) delete subject.achievement;
  subject.achievement = prepareAchievement(request.achievement);
  if (cs.qualityBenchmarkRecord && typeof cs.qualityBenchmarkRecord === 'object') subject.qualityBenchmarkRecord = assignOwn({ type: 'QualityBenchmarkRecord' }, cs.qualityBenchmarkRecord);
  // Using the extension means declaring it: its context and its schema (OB 3.0 §Extending the Data Model).
  const usesExtension = (subject.achievement as Record<string, unknown>).qualityBenchmark !== undefined || subject.qualityBenchmarkRecord !== undefined;

  const defaults = usesExtension ? EXTENDED : PLAIN;
  let context: string[] = defaults.context;
  if (request['@context'] !== undefined) {
    const extra = [...request['@context'], ...(usesExtension ? [QB_CONTEXT_URL] : [])].filter((c, i, all) => c !== VC_V2_CONTEXT && c !== OB3_CONTEXT && c !== OB3_EXTENSIONS_CONTEXT && all.indexOf(c) === i);
    context = shareIfJson([...CONTEXTS, ...extra]);
  }
  const credential: Record<string, unknown> = {
    '@context': context,
    id: request.id ?? `urn:uuid:${randomUUID()}`,
    type: CREDENTIAL_TYPE,
    issuer: issuerProfile(request.issuer, issuerId),
    validFrom: request.validFrom ?? isoSeconds(now),
  };
  if (request.validUntil !== undefined) credential.validUntil = request.validUntil;
  if (request.awardedDate !== undefined) credential.awardedDate = request.awardedDate;
  credential.name = request.name ?? request.achievement.name;
  if (request.description !== undefined) credential.description = request.description;
  if (request.image !== undefined) credential.image = request.image;
  credential.credentialSubject = subject;
  if (request.evidence !== undefined) credential.evidence = (asArray(request.evidence) as Array<Record<string, unknown>>).map((e) => withType(e, 'Evidence'));
  if (request.credentialStatus !== undefined) credential.credentialStatus = request.credentialStatus;
  if (request.credentialSchema === undefined) credential.credentialSchema = defaults.schema;
  else {
    const extraSchemas = [...request.credentialSchema, ...(usesExtension ? [{ id: QB_SCHEMA_URL, type: OB3_SCHEMA_TYPE }] : [])];
    credential.credentialSchema = shareIfJson([...SCHEMAS, ...extraSchemas.filter((s, i) => s.id !== OB3_SCHEMA_URL && extraSchemas.findIndex((x) => x.id === s.id) === i)]);
  }
  return credential as Credential;
}
