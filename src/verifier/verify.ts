import { SUPPORTED_ALGORITHMS, isSupportedAlgorithm, jwkFitsAlgorithm, type JwsAlgorithm } from '../lib/jws/algorithms.js';
import { decodeUtf8, verifyJwsSignature } from '../lib/jws/compact.js';
import { knownAchievementText, parseCredentialJson } from './known-achievements.js';
import { importPublicJwk, sameKey, type PublicJwk } from '../lib/keys/jwk.js';
import { createGuardedFetcher, type GuardedFetchOptions } from '../lib/net/guarded-fetch.js';
import type { ResourceFetcher } from '../lib/net/types.js';
import { VC_V1_CONTEXT } from '../model/constants.js';
import { issuerIdOf, checkClaims } from './checks/claims.js';
import { checkBenchmarks } from './checks/benchmark.js';
import { checkHeader } from './checks/header.js';
import { checkJsonLd } from './checks/jsonld.js';
import { passed, result, skipped } from './checks/result.js';
import { checkContext, checkSchema, checkSubject, checkType, typesOf } from './checks/structure.js';
import { createBitstringStatusChecker } from './status.js';
import { checkValidityPeriod, type Clock } from './checks/validity.js';
import { DEFAULT_MAX_INPUT_BYTES, formatOf, parseInput, unbakeInput, type VerifierInput } from './input.js';
import { DEFAULT_MAX_IMAGE_BYTES } from '../baking/index.js';
import { createKeyResolver, publishedKey, type KeyResolver } from './keys/resolve.js';
import type { CheckResult, CredentialFormat, VerificationReport } from './report.js';
// --- Data Integrity (issue #7): the default verifier of embedded proofs ---
import { verifyDataIntegrityProof } from './di/verify-proof.js';

/** Decides the `status` check for a credential that has `credentialStatus`. */
export type StatusChecker = (credential: Record<string, unknown>, context: { fetcher: ResourceFetcher; clock: Clock }) => Promise<CheckResult>;

// --- Data Integrity (issue #7) ---
/** What a ProofVerifier gets besides the credential. */
export interface ProofContext {
  keyResolver: KeyResolver;
  issuerId: string | undefined;
  /** Keys refused however they are found (the same list the VC-JWT path refuses). */
  compromisedKeys: readonly PublicJwk[];
  /** The verifier's clock (for a proof's `expires`). */
  clock: Clock;
  /**
   * The key-binding check of the VC-JWT path, for the key a proof was verified with:
   * `embedded` when the key came from the credential itself (not from the issuer).
   */
  bindKey(key: { jwk: PublicJwk; embedded: boolean }, verificationMethod: string): Promise<CheckResult>;
}

/**
 * Verifies embedded (Data Integrity) proofs. Returns the `proof` check, or, in report order, the
 * `key-resolution`, `key-binding` and `proof` checks (as the default verifier does).
 */
export type ProofVerifier = (credential: Record<string, unknown>, context: ProofContext) => Promise<CheckResult | CheckResult[]>;
// --- end Data Integrity ---

export interface VerifyOptions {
  /** The verifier's notion of "now" (a fixed date or a clock function). Default: the system clock. */
  now?: Date | (() => Date);
  /** Allowed clock skew for validFrom/validUntil, in seconds. Default 60. */
  clockToleranceSec?: number;
  /** Allowed JWS algorithms, a subset of ES256, RS256, EdDSA. Default: all three. */
  algorithms?: JwsAlgorithm[];
  /** Network access for keys and status lists. Default: a guarded fetcher with `fetchPolicy`. */
  fetcher?: ResourceFetcher;
  /** Policy of the default guarded fetcher (ignored when `fetcher` is given). */
  fetchPolicy?: GuardedFetchOptions;
  /** Replaces key resolution entirely (tests, pinned keys, trust registries). */
  keyResolver?: KeyResolver;
  /** Keys the verifier must refuse whatever their signatures say. */
  compromisedKeys?: PublicJwk[];
  /** Checks `credentialStatus`. Without one, a credential with a status entry cannot be checked. */
  checkStatus?: StatusChecker;
  /** When the status cannot be checked: fail the credential (default, fail-closed) or only warn. */
  statusFailure?: 'fail' | 'warn';
  /** Verifies Data Integrity proofs of JSON credentials. Default: eddsa-rdfc-2022 (and deprecated eddsa-2022, Ed25519Signature2020). */
  verifyProof?: ProofVerifier;
  /** Largest input accepted, in bytes. Default 512 KiB. */
  maxInputBytes?: number;
  /** Largest baked badge image (PNG/SVG) accepted, in bytes; its credential must still fit maxInputBytes. Default 10 MiB. */
  maxImageBytes?: number;
  /** Quality-benchmark profiles the credential must claim and pass (e.g. ['IN-NCrF']). */
  requireProfiles?: string[];
}

interface Prepared {
  clock: () => Clock;
  algorithms: readonly JwsAlgorithm[];
  fetcher: ResourceFetcher;
  keyResolver: KeyResolver;
  compromisedKeys: readonly PublicJwk[];
  checkStatus?: StatusChecker;
  statusFailure: 'fail' | 'warn';
  verifyProof: ProofVerifier;
  maxInputBytes: number;
  maxImageBytes: number;
  requireProfiles: readonly string[];
}

const JWT_REGISTERED = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'] as const;

let defaultFetcher: ResourceFetcher | undefined;

/** Options are checked once, up front: misuse is a TypeError, never a verdict on a credential. */
function prepare(options: VerifyOptions): Prepared {
  const algorithms = options.algorithms ?? [...SUPPORTED_ALGORITHMS];
  if (!Array.isArray(algorithms) || algorithms.length === 0 || !algorithms.every(isSupportedAlgorithm)) {
    throw new TypeError(`algorithms must be a non-empty subset of ${SUPPORTED_ALGORITHMS.join(', ')}`);
  }
  const tolerance = options.clockToleranceSec ?? 60;
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new TypeError('clockToleranceSec must be a non-negative number');
  const maxImageBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  if (!Number.isSafeInteger(maxImageBytes) || maxImageBytes <= 0) throw new TypeError('maxImageBytes must be a positive integer');
  const now = options.now;
  const clock = (): Clock => ({ now: now === undefined ? new Date() : typeof now === 'function' ? now() : now, toleranceSec: tolerance });
  let fetcher = options.fetcher;
  if (!fetcher) {
    if (options.fetchPolicy) fetcher = createGuardedFetcher(options.fetchPolicy);
    else fetcher = defaultFetcher ??= createGuardedFetcher();
  }
  const keyResolver = options.keyResolver ?? createKeyResolver({ fetcher, compromisedKeys: options.compromisedKeys ?? [] });
  const prepared: Prepared = {
    clock,
    algorithms: Object.freeze([...algorithms]),
    fetcher,
    keyResolver,
    compromisedKeys: Object.freeze([...(options.compromisedKeys ?? [])]),
    checkStatus: options.checkStatus,
    statusFailure: options.statusFailure ?? 'fail',
    verifyProof: options.verifyProof ?? verifyDataIntegrityProof,
    maxInputBytes: options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES,
    maxImageBytes,
    requireProfiles: Object.freeze([...(options.requireProfiles ?? [])]),
  };
  // Status lists are credentials too: they are verified with the same keys, clock and network policy.
  prepared.checkStatus ??= createBitstringStatusChecker((bytes) => run(bytes, prepared, 'status-list'));
  return prepared;
}

/**
 * Make a verifier bound to one set of options (and so one key and document cache). Use this
 * when verifying many credentials; `verifyCredential` is the one-shot form.
 */
export function createVerifier(options: VerifyOptions = {}): (input: VerifierInput) => Promise<VerificationReport> {
  const p = prepare(options);
  return (input) => run(input, p);
}

/** Verify one credential (compact VC-JWT, JSON text or object). Never throws on bad input. */
export async function verifyCredential(input: VerifierInput, options: VerifyOptions = {}): Promise<VerificationReport> {
  return run(input, prepare(options));
}

function report(format: CredentialFormat, credential: Record<string, unknown> | null, checks: CheckResult[]): VerificationReport {
  return { verified: checks.every((c) => c.status !== 'failed'), format, credential, checks };
}

/**
 * What kind of document is being verified: an OB 3.0 credential (every check), or a status
 * list credential fetched while checking status (same envelope checks, lighter body checks).
 */
export type BodyProfile = 'ob' | 'status-list';

async function run(input: VerifierInput, p: Prepared, profile: BodyProfile = 'ob'): Promise<VerificationReport> {
  // --- baked badges (src/baking): a PNG/SVG badge image is unbaked, then its credential verified ---
  if (profile === 'ob') {
    const baked = unbakeInput(input, p.maxImageBytes, p.maxInputBytes);
    if (baked && !baked.ok) return report('unknown', null, [result('parse', 'failed', baked.code, baked.message)]);
    if (baked) return notedAsBaked(await verifyParsed(baked.credential, p, profile), baked.image);
  }
  return verifyParsed(input, p, profile);
}

/** The report of a credential taken out of a baked image says so in its `parse` check. */
function notedAsBaked(r: VerificationReport, image: 'png' | 'svg'): VerificationReport {
  const kind = image.toUpperCase();
  const checks = r.checks.map((c) =>
    c.check !== 'parse'
      ? c
      : { ...c, message: c.status === 'passed' ? `a baked ${kind} badge containing ${c.message}` : `the credential in a baked ${kind} badge: ${c.message}`, details: c.details ?? { bakedImage: image } },
  );
  return { ...r, checks };
}
// --- end baked badges ---

async function verifyParsed(input: VerifierInput, p: Prepared, profile: BodyProfile): Promise<VerificationReport> {
  const parsed = parseInput(input, p.maxInputBytes);
  if (!parsed.ok) return report('unknown', null, [result('parse', 'failed', parsed.code, parsed.message)]);
  if (parsed.kind === 'json') return verifyJson(parsed.document, p, profile, parsed.fromText);
  return verifyJwt(parsed.jws, p, profile);
}

async function verifyJwt(jws: import('../lib/jws/compact.js').ParsedCompactJws, p: Prepared, profile: BodyProfile): Promise<VerificationReport> {
  const checks: CheckResult[] = [];
  const text = decodeUtf8(jws.payloadBytes);
  let payload: unknown;
  if (text === null) {
    return report('unknown', null, [result('parse', 'failed', 'MC_JWS_MALFORMED', 'the JWT payload is not valid UTF-8')]);
  }
  // Strict: duplicate claim names (one payload saying two things) and hostile nesting are refused here,
  // before any recursive check (schema, JSON-LD) sees the payload.
  const parsed = parseCredentialJson(text);
  if (!parsed.ok) {
    return report('unknown', null, [result('parse', 'failed', parsed.code, parsed.code === 'MC_JSON_INVALID' ? 'the JWT payload is not valid JSON' : `the JWT payload: ${parsed.message}`)]);
  }
  payload = parsed.value;
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    return report('unknown', null, [result('parse', 'failed', 'MC_PAYLOAD_NOT_OBJECT', 'the JWT payload is not a JSON object')]);
  }
  const claims = payload as Record<string, unknown>;
  const format = formatOf('jws', claims);
  const legacy = format === 'vc-jwt-v1';
  let credential: Record<string, unknown>;
  if (legacy) {
    if (typeof claims.vc !== 'object' || claims.vc === null || Array.isArray(claims.vc)) {
      return report(format, null, [result('parse', 'failed', 'MC_PAYLOAD_NOT_OBJECT', 'the vc claim is not a JSON object')]);
    }
    credential = claims.vc as Record<string, unknown>;
  } else {
    credential = Object.fromEntries(Object.entries(claims).filter(([k]) => !(JWT_REGISTERED as readonly string[]).includes(k)));
  }
  checks.push(passed('parse', 'a compact JWS (VC-JWT)'));

  const ctx0 = Array.isArray(credential['@context']) ? credential['@context'][0] : undefined;
  if (legacy && ctx0 !== VC_V1_CONTEXT) {
    checks.push(result('format', 'failed', 'MC_VC_CLAIM_CONTEXT_MISMATCH', `a vc claim means VCDM 1.1, but @context[0] is ${JSON.stringify(ctx0 ?? null)}`));
  } else if (!legacy && ctx0 === VC_V1_CONTEXT) {
    checks.push(result('format', 'failed', 'MC_VC_CLAIM_CONTEXT_MISMATCH', 'a VCDM 1.1 @context needs the credential in a vc claim'));
  } else if (legacy) {
    checks.push(result('format', 'warning', 'MC_LEGACY_VCDM11', 'a legacy VCDM 1.1 JWT (vc claim); accepted for verification only'));
  } else {
    checks.push(passed('format', 'a VCDM 2.0 credential secured as a VC-JWT'));
  }

  const header = checkHeader(jws.header, p.algorithms);
  checks.push(header.result);
  const issuerId = issuerIdOf(credential);

  // Key resolution, signature and key binding run only when the header is acceptable.
  let key: { jwk: PublicJwk; source: string; embedded: boolean } | null = null;
  if (header.result.status === 'failed' || !header.alg) {
    checks.push(skipped('key-resolution', 'not attempted: the header was refused'));
  } else {
    const kid = jws.header.kid;
    if (typeof kid === 'string') {
      const r = await p.keyResolver.resolveKid(kid);
      if (r.ok) key = { jwk: r.jwk, source: r.source, embedded: false };
      else checks.push(result('key-resolution', 'failed', r.code, r.message));
    } else {
      try {
        key = { jwk: publishedKey(jws.header.jwk as Record<string, unknown>), source: 'the jwk embedded in the header', embedded: true };
      } catch {
        checks.push(result('key-resolution', 'failed', 'MC_HEADER_JWK_INVALID', 'the embedded jwk is not a supported public key'));
      }
    }
    if (key && p.compromisedKeys.some((k) => sameKey(k, key!.jwk))) {
      // However the key arrived (kid, embedded jwk, custom resolver), a compromised key never verifies.
      checks.push(result('key-resolution', 'failed', 'MC_KEY_COMPROMISED', `the key from ${key.source} is marked compromised by its issuer`));
      key = null;
    }
    if (key) {
      const declaredAlg = (key.jwk as { alg?: unknown }).alg;
      const use = (key.jwk as { use?: unknown }).use;
      if (use !== undefined && use !== 'sig') {
        checks.push(result('key-resolution', 'failed', 'MC_KEY_ALG_MISMATCH', `the key is published for "${String(use)}", not for signatures`));
        key = null;
      } else if (!jwkFitsAlgorithm(key.jwk, header.alg) || (declaredAlg !== undefined && declaredAlg !== header.alg)) {
        checks.push(result('key-resolution', 'failed', 'MC_KEY_ALG_MISMATCH', `the key (${key.jwk.kty}${key.jwk.crv ? ' ' + key.jwk.crv : ''}) cannot be used with ${header.alg}`));
        key = null;
      } else {
        checks.push(passed('key-resolution', `key from ${key.source}`));
      }
    }
  }

  let signatureOk = false;
  if (!key || !header.alg) {
    checks.push(skipped('signature', 'not checked: no usable key'));
  } else {
    let keyObject;
    try {
      keyObject = importPublicJwk(key.jwk);
    } catch {
      keyObject = null;
    }
    signatureOk = keyObject !== null && verifyJwsSignature(header.alg, keyObject, jws.signingInput, jws.signature);
    checks.push(signatureOk ? passed('signature', `${header.alg} signature is valid`) : result('signature', 'failed', 'MC_SIGNATURE_INVALID', 'the signature does not match the content: the credential was altered or signed with another key'));
  }

  if (!signatureOk || !key) {
    checks.push(skipped('key-binding', 'not checked: no valid signature'));
  } else {
    checks.push(await checkKeyBinding(key, jws.header.kid, issuerId, p.keyResolver));
  }

  checks.push(checkClaims(claims, credential, legacy));
  checks.push(...(await checkCredentialBody(credential, legacy, p, profile, true, claims.exp)));
  return report(format, credential, checks);
}

/**
 * An embedded `jwk` proves only that someone holding that key signed. The key counts only
 * when the issuer publishes it; otherwise the outcome is reported on its own, so a possible
 * forgery is not confused with a broken signature.
 */
async function checkKeyBinding(key: { jwk: PublicJwk; embedded: boolean }, kid: unknown, issuerId: string | undefined, resolver: KeyResolver): Promise<CheckResult> {
  if (!issuerId) return result('key-binding', 'failed', 'MC_KEY_NOT_BOUND', 'the credential names no issuer id to bind the key to');
  if (!key.embedded && typeof kid === 'string') {
    if (kid.startsWith('did:') && kid.split('#')[0] === issuerId) return passed('key-binding', `the key is a verification method of the issuer ${issuerId}`);
    if (/^https:\/\//i.test(kid) && /^https:\/\//i.test(issuerId)) {
      try {
        if (new URL(kid).origin === new URL(issuerId).origin) return passed('key-binding', `the key is published on the issuer's own origin ${new URL(issuerId).origin}`);
      } catch {
        /* fall through to the published-key lookup */
      }
    }
  }
  const r = await resolver.issuerPublishesKey(issuerId, key.jwk);
  if (!r.ok) {
    return result('key-binding', 'failed', 'MC_KEY_BINDING_UNCHECKED', `the signature is valid, but the key could not be tied to the issuer: ${r.message}`);
  }
  if (!r.bound) {
    return result('key-binding', 'failed', 'MC_KEY_NOT_BOUND', `the signature is valid, but the key is not one the issuer ${issuerId} publishes (${r.message}): anyone could have signed this`);
  }
  return passed('key-binding', r.message);
}

async function verifyJson(document: Record<string, unknown>, p: Prepared, profile: BodyProfile, fromText: boolean): Promise<VerificationReport> {
  const checks: CheckResult[] = [passed('parse', 'a JSON credential')];
  const ctx0 = Array.isArray(document['@context']) ? document['@context'][0] : undefined;
  const legacy = ctx0 === VC_V1_CONTEXT;
  checks.push(legacy ? result('format', 'warning', 'MC_LEGACY_VCDM11', 'a legacy VCDM 1.1 credential; accepted for verification only') : passed('format', 'a VCDM 2.0 credential'));
  const format = formatOf('json', document);
  if (document.proof === undefined) {
    checks.push(result('proof', 'failed', 'MC_PROOF_MISSING', 'the credential carries no proof: nothing shows who issued it'));
  } else {
    // --- Data Integrity (issue #7) ---
    const issuerId = issuerIdOf(document);
    const proofChecks = await p.verifyProof(document, {
      keyResolver: p.keyResolver,
      issuerId,
      compromisedKeys: p.compromisedKeys,
      clock: p.clock(),
      bindKey: (key, verificationMethod) => checkKeyBinding(key, verificationMethod, issuerId, p.keyResolver),
    });
    checks.push(...[proofChecks].flat());
    // --- end Data Integrity ---
  }
  checks.push(...(await checkCredentialBody(document, legacy, p, profile, fromText)));
  return report(format, document, checks);
}

/**
 * The checks every credential gets whatever secures it. `plain`: the credential was parsed from
 * text, so its achievement's JSON text identifies its content and the per-achievement caches
 * (JSON-LD shape, benchmark rules that read only the achievement) may be used.
 */
async function checkCredentialBody(credential: Record<string, unknown>, legacy: boolean, p: Prepared, profile: BodyProfile, plain: boolean, expClaim?: unknown): Promise<CheckResult[]> {
  const clock = p.clock();
  if (profile === 'status-list') return [checkStatusListType(credential), checkValidityPeriod(credential, legacy, clock, expClaim)];
  const achievement = plain ? achievementOf(credential) : undefined;
  const part = achievement ? { node: achievement, key: knownAchievementText(achievement) ?? sameAsLast(JSON.stringify(achievement)) } : undefined;
  const out = [checkContext(credential, legacy), checkType(credential), checkSchema(credential, legacy, part), checkSubject(credential), checkValidityPeriod(credential, legacy, clock, expClaim)];
  out.push(await checkStatus(credential, p, clock));
  out.push(await checkJsonLd(credential, part));
  out.push(...checkBenchmarks(credential, clock.now, p.requireProfiles, part?.key));
  return out;
}

/**
 * The previous key when the text is the same: cache lookups then reuse a string whose hash V8
 * has already computed, instead of hashing a fresh copy of the achievement's text each time.
 */
let lastKey = '';
function sameAsLast(key: string): string {
  if (key === lastKey) return lastKey;
  lastKey = key;
  return key;
}

function achievementOf(credential: Record<string, unknown>): Record<string, unknown> | undefined {
  const cs = credential.credentialSubject;
  const subject = Array.isArray(cs) ? cs[0] : cs;
  const a = subject !== null && typeof subject === 'object' ? (subject as Record<string, unknown>).achievement : undefined;
  return a !== null && typeof a === 'object' && !Array.isArray(a) ? (a as Record<string, unknown>) : undefined;
}

function checkStatusListType(credential: Record<string, unknown>): CheckResult {
  return typesOf(credential).includes('BitstringStatusListCredential')
    ? passed('type', 'a BitstringStatusListCredential')
    : result('type', 'failed', 'MC_TYPE_INVALID', 'the status list is not a BitstringStatusListCredential');
}

async function checkStatus(credential: Record<string, unknown>, p: Prepared, clock: Clock): Promise<CheckResult> {
  if (credential.credentialStatus === undefined) return skipped('status', 'the credential has no status entry (it cannot be revoked)');
  let r: CheckResult;
  if (!p.checkStatus) {
    r = result('status', 'failed', 'MC_STATUS_UNAVAILABLE', 'the credential has a status entry, but no status checker is configured, so revocation could not be checked');
  } else {
    try {
      r = await p.checkStatus(credential, { fetcher: p.fetcher, clock });
    } catch (e) {
      r = result('status', 'failed', 'MC_STATUS_UNAVAILABLE', `could not check status: ${(e as Error).message}`);
    }
  }
  // "Could not check" is never shown as passed; it fails unless the caller asked to only warn.
  if ((r.code === 'MC_STATUS_UNAVAILABLE' || r.code === 'MC_STATUS_LIST_INVALID' || r.code === 'MC_STATUS_UNSUPPORTED') && r.status === 'failed' && p.statusFailure === 'warn') return { ...r, status: 'warning' };
  return r;
}
