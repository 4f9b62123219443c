/**
 * Verification of embedded (Data Integrity) proofs, done directly: RDFC-1.0 through jsonld.js
 * with the bundled contexts, SHA-256 and Ed25519 from node:crypto. No key, context or DID
 * document is ever fetched except through the verifier's KeyResolver (guarded fetcher).
 *
 * Suites:
 * - `DataIntegrityProof` / `eddsa-rdfc-2022` (OB 3.0, VC-DI-EDDSA): verified;
 * - `DataIntegrityProof` / `eddsa-2022` and `Ed25519Signature2020`: the same construction
 *   (sha256(c14n proof options) || sha256(c14n document), Ed25519), deprecated: a valid one is
 *   a warning (MC_PROOF_DEPRECATED);
 * - anything else (ecdsa-sd-2023, ecdsa-rdfc-2019, bbs-2023, …): MC_PROOF_UNSUPPORTED.
 *
 * The result is three checks, mirroring the VC-JWT report so that one credential reaches the
 * same verdict in either form:
 * - `key-resolution`: the verification method dereferenced to an Ed25519 public key;
 * - `key-binding`: the key belongs to the issuer (the same rule as for a JWT `kid`: see below);
 * - `proof`: the proof itself (suite, purpose, dates, signature over the canonical form).
 *
 * Key provenance [OB IMPL §Key provenance: the method's controller is the issuer]:
 * - a DID URL (did:key, did:jwk, did:web) resolves through the KeyResolver, which only accepts
 *   methods the DID document lists under assertionMethod; the controller is that DID, and the
 *   key is bound when the DID is the issuer id (or the issuer publishes the key);
 * - an https URL whose fragment is a Multikey (`https://issuer.example/#z6Mk…`, as in the
 *   OB 3.0 implementation guide and the official validator's fixtures) carries its key in the
 *   credential itself. The key is taken from the fragment, but, like a JWT header `jwk`, it is
 *   self-asserted: it binds only when the issuer publishes it (its JWK Set), never because the
 *   URL sits under the issuer's id, which anyone can write;
 * - any other https URL resolves through the KeyResolver (a JWK or JWK Set).
 */
import { verify as cryptoVerify } from 'node:crypto';
import { jwkFromMultikey } from '../../lib/did/did-key.js';
import { CanonicalizationError, canonize, hashData, proofOptionsOf, sha256, unsecuredDocumentOf } from '../../lib/di/rdfc.js';
import { decodeMultibase } from '../../lib/di/multibase.js';
import { importPublicJwk, sameKey, type PublicJwk } from '../../lib/keys/jwk.js';
import { passed, result, skipped } from '../checks/result.js';
import type { CheckCode, CheckResult } from '../report.js';
import type { ProofContext, ProofVerifier } from '../verify.js';

interface Suite {
  /** How the report names it. */
  name: string;
  deprecated: boolean;
}

const SUITES: Record<string, Suite> = {
  'DataIntegrityProof/eddsa-rdfc-2022': { name: 'eddsa-rdfc-2022 DataIntegrityProof', deprecated: false },
  'DataIntegrityProof/eddsa-2022': { name: 'eddsa-2022 DataIntegrityProof', deprecated: true },
  Ed25519Signature2020: { name: 'Ed25519Signature2020', deprecated: true },
};

/**
 * Most proofs one credential may carry. Each can cost a key lookup (maybe a fetch) and a
 * canonicalization, so a credential cannot make the verifier do unbounded work.
 */
export const MAX_PROOFS = 8;

/** XML Schema dateTimeStamp (a timezone is required), as Data Integrity requires for created/expires. */
const DATE_TIME_STAMP = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function suiteOf(proof: Record<string, unknown>): Suite | null {
  if (proof.type === 'DataIntegrityProof') return SUITES[`DataIntegrityProof/${String(proof.cryptosuite)}`] ?? null;
  return typeof proof.type === 'string' ? (SUITES[proof.type] ?? null) : null;
}

function describeProof(proof: unknown): string {
  if (proof === null || typeof proof !== 'object') return JSON.stringify(proof);
  const p = proof as Record<string, unknown>;
  return p.type === 'DataIntegrityProof' ? `DataIntegrityProof (${typeof p.cryptosuite === 'string' ? p.cryptosuite : 'no cryptosuite'})` : typeof p.type === 'string' ? p.type : 'a proof without a type';
}

/** The outcome for one proof: its three checks, and how far it got. */
interface Outcome {
  keyResolution: CheckResult;
  keyBinding: CheckResult;
  proof: CheckResult;
  /** 0: refused or invalid, 1: valid proof, 2: valid proof and key bound to the issuer. */
  rank: 0 | 1 | 2;
}

function refused(code: CheckCode, message: string, why = 'the proof was refused'): Outcome {
  return {
    keyResolution: skipped('key-resolution', `not attempted: ${why}`),
    keyBinding: skipped('key-binding', 'not checked: no valid proof'),
    proof: result('proof', 'failed', code, message),
    rank: 0,
  };
}

type ResolvedKey = { ok: true; jwk: PublicJwk; source: string; embedded: boolean } | { ok: false; code: CheckCode; message: string };

/**
 * The Multikey in the fragment of a non-DID URL: the key, 'malformed' when the fragment has a
 * Multikey header (z6Mk… Ed25519, zDn… P-256) but does not decode, or null when it is no Multikey.
 */
function fragmentKey(verificationMethod: string): PublicJwk | 'malformed' | null {
  const hash = verificationMethod.indexOf('#');
  if (hash < 0 || verificationMethod.startsWith('did:') || !/^[a-z][a-z0-9+.-]*:\/\//i.test(verificationMethod)) return null;
  const fragment = verificationMethod.slice(hash + 1);
  if (!fragment.startsWith('z')) return null;
  return jwkFromMultikey(fragment) ?? (/^z(6Mk|Dn)/.test(fragment) ? 'malformed' : null);
}

async function resolveKey(verificationMethod: string, ctx: ProofContext): Promise<ResolvedKey> {
  let key: ResolvedKey;
  const fromFragment = fragmentKey(verificationMethod);
  if (fromFragment === 'malformed') {
    return { ok: false, code: 'MC_KEY_UNRESOLVABLE', message: `the fragment of ${verificationMethod} looks like a Multikey but does not decode to an Ed25519 or P-256 public key` };
  } else if (fromFragment) {
    key = { ok: true, jwk: fromFragment, source: 'the Multikey in the fragment of the verification method (self-asserted, like an embedded jwk)', embedded: true };
  } else {
    const r = await ctx.keyResolver.resolveKid(verificationMethod);
    key = r.ok ? { ok: true, jwk: r.jwk, source: r.source, embedded: false } : { ok: false, code: r.code, message: r.message };
  }
  if (!key.ok) return key;
  if ((ctx.compromisedKeys ?? []).some((k) => sameKey(k, key.jwk))) {
    return { ok: false, code: 'MC_KEY_COMPROMISED', message: `the key from ${key.source} is marked compromised by its issuer` };
  }
  const { jwk } = key;
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') {
    return { ok: false, code: 'MC_KEY_ALG_MISMATCH', message: `the key (${jwk.kty}${jwk.crv ? ' ' + jwk.crv : ''}) is not an Ed25519 key, which these suites need` };
  }
  if ((jwk.use !== undefined && jwk.use !== 'sig') || (jwk.alg !== undefined && jwk.alg !== 'EdDSA')) {
    return { ok: false, code: 'MC_KEY_ALG_MISMATCH', message: `the key is published for ${jwk.use !== undefined && jwk.use !== 'sig' ? `"${String(jwk.use)}"` : String(jwk.alg)}, not for EdDSA signatures` };
  }
  return key;
}

/** `@context` of the proof, when given, must be where the document's begins [VC-DI §Verify Proof]. */
function contextPrefixOk(document: Record<string, unknown>, proof: Record<string, unknown>): boolean {
  if (proof['@context'] === undefined) return true;
  const proofCtx = [proof['@context']].flat();
  const docCtx = [document['@context']].flat();
  return proofCtx.every((c, i) => JSON.stringify(c) === JSON.stringify(docCtx[i]));
}

async function verifyOne(
  document: Record<string, unknown>,
  proof: Record<string, unknown>,
  suite: Suite,
  documentHash: () => Promise<Buffer>,
  ctx: ProofContext,
): Promise<Outcome> {
  if (proof.proofPurpose !== 'assertionMethod') {
    return refused('MC_PROOF_INVALID', `the proof's purpose is ${JSON.stringify(proof.proofPurpose ?? null)}; an issuer's proof must be "assertionMethod"`);
  }
  const vmValue = proof.verificationMethod;
  const verificationMethod = typeof vmValue === 'object' && vmValue !== null && typeof (vmValue as { id?: unknown }).id === 'string' ? (vmValue as { id: string }).id : vmValue;
  if (typeof verificationMethod !== 'string' || verificationMethod === '') return refused('MC_PROOF_INVALID', 'the proof names no verification method');
  if (typeof proof.proofValue !== 'string') return refused('MC_PROOF_INVALID', 'the proof has no proofValue');
  const signature = decodeMultibase(proof.proofValue);
  if (!signature || signature.length !== 64 || (suite.name === 'Ed25519Signature2020' && !proof.proofValue.startsWith('z'))) {
    return refused('MC_PROOF_INVALID', 'the proofValue is not a multibase-encoded Ed25519 signature (64 bytes)');
  }
  for (const name of ['created', 'expires'] as const) {
    if (proof[name] !== undefined && (typeof proof[name] !== 'string' || !DATE_TIME_STAMP.test(proof[name] as string) || Number.isNaN(Date.parse(proof[name] as string)))) {
      return refused('MC_PROOF_INVALID', `the proof's ${name} ${JSON.stringify(proof[name])} is not a date-time with a timezone`);
    }
  }
  if (typeof proof.expires === 'string' && Date.parse(proof.expires) < ctx.clock.now.getTime() - ctx.clock.toleranceSec * 1000) {
    return refused('MC_PROOF_INVALID', `the proof expired on ${new Date(Date.parse(proof.expires)).toISOString()}`);
  }
  if (!contextPrefixOk(document, proof)) return refused('MC_PROOF_INVALID', "the proof's @context is not the beginning of the credential's @context");

  const key = await resolveKey(verificationMethod, ctx);
  if (!key.ok) {
    return {
      keyResolution: result('key-resolution', 'failed', key.code, key.message),
      keyBinding: skipped('key-binding', 'not checked: no valid proof'),
      proof: result('proof', 'failed', key.code, `the proof cannot be checked: its verification method ${verificationMethod} gives no usable key (${key.message})`),
      rank: 0,
    };
  }
  const keyResolution = passed('key-resolution', `key from ${key.source}`);

  let data: Buffer;
  try {
    data = await hashData(proofOptionsOf(document, proof), documentHash());
  } catch (e) {
    if (!(e instanceof CanonicalizationError)) throw e;
    return {
      keyResolution,
      keyBinding: skipped('key-binding', 'not checked: no valid proof'),
      proof: result('proof', 'failed', e.code, `the proof cannot be checked: the credential has no canonical form (${e.message})`),
      rank: 0,
    };
  }
  let ok: boolean;
  try {
    ok = cryptoVerify(null, data, importPublicJwk(key.jwk), signature);
  } catch {
    ok = false;
  }
  if (!ok) {
    return {
      keyResolution,
      keyBinding: skipped('key-binding', 'not checked: no valid proof'),
      proof: result('proof', 'failed', 'MC_PROOF_INVALID', `the ${suite.name} does not match the credential: it was altered after signing, or signed with another key`),
      rank: 0,
    };
  }
  const proofCheck = suite.deprecated
    ? result('proof', 'warning', 'MC_PROOF_DEPRECATED', `the ${suite.name} is valid, but the suite is deprecated (OB 3.0 certifies eddsa-rdfc-2022)`)
    : passed('proof', `the ${suite.name} is valid`);
  const keyBinding = await ctx.bindKey({ jwk: key.jwk, embedded: key.embedded }, verificationMethod);
  return { keyResolution, keyBinding, proof: proofCheck, rank: keyBinding.status === 'passed' ? 2 : 1 };
}

/**
 * The default ProofVerifier. With several proofs (a proof set), one valid proof by the issuer
 * suffices: the first proof that is valid and bound wins, then the first valid one, then the
 * first supported one; the others are listed in `details.proofs` of the proof check.
 */
export const verifyDataIntegrityProof: ProofVerifier = async (credential, ctx) => {
  const proofs = [credential.proof].flat();
  if (proofs.length === 0) {
    const none = refused('MC_PROOF_MISSING', 'the credential carries an empty proof list', 'there is no proof');
    return [none.keyResolution, none.keyBinding, none.proof];
  }
  if (proofs.length > MAX_PROOFS) {
    const many = refused('MC_PROOF_INVALID', `the credential carries ${proofs.length} proofs; at most ${MAX_PROOFS} are checked, so none is`, 'too many proofs');
    return [many.keyResolution, many.keyBinding, many.proof];
  }
  const unsecured = unsecuredDocumentOf(credential);
  let hash: Promise<Buffer> | undefined;
  const documentHash = () => (hash ??= canonize(unsecured).then(sha256));

  const outcomes: Array<{ index: number; label: string; outcome: Outcome }> = [];
  for (const [index, raw] of proofs.entries()) {
    const label = describeProof(raw);
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      outcomes.push({ index, label, outcome: refused('MC_PROOF_INVALID', 'a proof is not a JSON object') });
      continue;
    }
    const proof = raw as Record<string, unknown>;
    const suite = suiteOf(proof);
    if (!suite) {
      const why = `${label} is not a supported proof (eddsa-rdfc-2022 DataIntegrityProof is; eddsa-2022 and Ed25519Signature2020 are accepted as deprecated)`;
      outcomes.push({ index, label, outcome: refused(proof.type === undefined ? 'MC_PROOF_INVALID' : 'MC_PROOF_UNSUPPORTED', why, 'the proof suite is not supported') });
      continue;
    }
    outcomes.push({ index, label, outcome: await verifyOne(credential, proof, suite, documentHash, ctx) });
    if (outcomes.at(-1)!.outcome.rank === 2) break;
  }
  const supported = outcomes.filter((o) => o.outcome.proof.code !== 'MC_PROOF_UNSUPPORTED');
  const best = [...outcomes].sort((a, b) => b.outcome.rank - a.outcome.rank)[0]!;
  const chosen = best.outcome.rank > 0 ? best : (supported[0] ?? outcomes[0]!);
  const { keyResolution, keyBinding } = chosen.outcome;
  let proofCheck = chosen.outcome.proof;
  if (proofs.length > 1) {
    const summary = outcomes.map((o) => ({ index: o.index, proof: o.label, status: o.outcome.proof.status, code: o.outcome.proof.code }));
    proofCheck = { ...proofCheck, message: `${proofCheck.message} (proof ${chosen.index + 1} of ${proofs.length})`, details: { proofs: summary } };
  }
  return [keyResolution, keyBinding, proofCheck];
};
