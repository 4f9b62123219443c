/**
 * The OpenID4VCI issuer (1.0, with the request shapes of drafts 13 to 15): pre-authorized code
 * flow with an optional transaction code, offers by reference, token, nonce and credential
 * endpoints. Framework-free: the HTTP layer (src/server/oid4vci-routes.ts) only moves
 * parameters in and JSON out.
 *
 * An offer is made by the institution for a credential it issued; redeeming it issues a NEW
 * credential with the same achievement version and subject data, whose credentialSubject.id
 * (and JWT `sub`) is the DID of the key the wallet proved it holds. Offers are single use and
 * expire; the single-use steps are atomic in the store, so they hold across several servers.
 */
import { randomUUID } from 'node:crypto';
import type { IssuingService } from '../service/issuing.js';
import { ServiceError } from '../service/issuing.js';
import { OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT, VC_V2_CONTEXT } from '../model/constants.js';
import { OB3_SCHEMA_URL } from '../model/schema/ob3-schema.js';
import type { Storage, StoredCredential, StoredOffer } from '../storage/types.js';
import { Oid4vciError } from './errors.js';
import {
  JWT_CONFIGURATION_ID,
  LDP_CONFIGURATION_ID,
  authorizationServerMetadata,
  credentialIssuerMetadata,
  credentialOffer,
  credentialOfferUri,
  endpointsOf,
} from './metadata.js';
import { verifyProofJwt } from './proof.js';
import { parseCredentialRequest, parseTokenRequest } from './requests.js';
import { SECRET_PATTERN, TX_CODE_LENGTH, newTxCode, preAuthorizedCodeFor, randomSecret, sha256Hex, txCodeHash } from './secrets.js';

export interface Oid4vciLimits {
  /** Offer lifetime when the institution gives none (seconds). Default 7 days. */
  defaultOfferTtlSec: number;
  /** Longest offer lifetime allowed (seconds). Default 30 days. */
  maxOfferTtlSec: number;
  /** Access token lifetime (seconds). Default 600. */
  accessTokenTtlSec: number;
  /** c_nonce lifetime (seconds). Default 300. */
  nonceTtlSec: number;
  /** Wrong transaction codes before the offer is dead. Default 5. */
  maxTxCodeAttempts: number;
  /** Allowed clock difference for key proofs' iat (seconds). Default 300. */
  proofSkewSec: number;
}

export const DEFAULT_LIMITS: Oid4vciLimits = Object.freeze({
  defaultOfferTtlSec: 7 * 86_400,
  maxOfferTtlSec: 30 * 86_400,
  accessTokenTtlSec: 600,
  nonceTtlSec: 300,
  maxTxCodeAttempts: 5,
  proofSkewSec: 300,
});

export interface Oid4vciDeps {
  /** The Credential Issuer Identifier: the service's BASE_URL (no trailing slash). */
  credentialIssuer: string;
  issuerName: string;
  storage: Storage;
  issuing: Pick<IssuingService, 'issue' | 'get'>;
  /** The algorithm the service signs credentials with now (the active key's). */
  signingAlgorithm: () => Promise<string>;
  clock?: () => Date;
  limits?: Partial<Oid4vciLimits>;
}

export interface CreatedOffer {
  id: string;
  credentialId: string;
  /** `openid-credential-offer://?credential_offer_uri=…`: what the QR code and the wallet link carry. */
  offerUri: string;
  /** The offer document's URL (credential offer by reference). */
  offerUrl: string;
  /** The PIN, shown this once: send it to the learner by another channel. */
  txCode?: string;
  /** The learner's page with the QR code, the wallet link and the downloads. */
  walletPageUrl: string;
  expiresAt: string;
}

export interface OfferView {
  offer: StoredOffer;
  credential: StoredCredential;
  offerUri: string;
  /** pending and not expired: the QR code still works. */
  usable: boolean;
  /** Why it does not, for people. */
  status: 'usable' | 'expired' | 'used' | 'locked';
}

const TX_CODE_DESCRIPTION = 'The 6-digit PIN your institution sent you separately (not on the offer page)';

export class Oid4vciService {
  readonly credentialIssuer: string;
  readonly limits: Oid4vciLimits;
  private readonly clock: () => Date;
  private lastPurge = 0;

  constructor(private readonly deps: Oid4vciDeps) {
    this.credentialIssuer = deps.credentialIssuer.replace(/\/+$/, '');
    this.limits = { ...DEFAULT_LIMITS, ...deps.limits };
    this.clock = deps.clock ?? (() => new Date());
  }

  private now(): Date {
    return this.clock();
  }

  private offerUrlFor(secret: string): string {
    return `${endpointsOf(this.credentialIssuer).offers}/${secret}`;
  }

  walletPageUrl(secret: string): string {
    return `${this.credentialIssuer}/wallet/${secret}`;
  }

  // --- metadata ------------------------------------------------------------------------------

  async issuerMetadata(): Promise<Record<string, unknown>> {
    const alg = await this.deps.signingAlgorithm();
    return credentialIssuerMetadata({ credentialIssuer: this.credentialIssuer, issuerName: this.deps.issuerName, signingAlgorithms: [alg], dataIntegrity: alg === 'EdDSA' });
  }

  authorizationServerMetadata(): Record<string, unknown> {
    return authorizationServerMetadata(this.credentialIssuer);
  }

  // --- offers (institution side) -------------------------------------------------------------

  /**
   * A single-use offer for a stored credential. Throws ServiceError (problem details for the
   * institution's API): 404 no such credential, 409 not active, 400 bad options.
   */
  async createOffer(credentialUuid: string, options: { txCode?: unknown; expiresInSec?: unknown; format?: unknown }, actor: string): Promise<CreatedOffer> {
    if (options.txCode !== undefined && typeof options.txCode !== 'boolean') throw new ServiceError(400, 'MC_REQUEST_INVALID', 'txCode must be true or false');
    if (options.format !== undefined && options.format !== 'jwt_vc_json' && options.format !== 'ldp_vc') throw new ServiceError(400, 'MC_REQUEST_INVALID', 'format must be jwt_vc_json or ldp_vc');
    if (options.format === 'ldp_vc' && (await this.deps.signingAlgorithm()) !== 'EdDSA') {
      throw new ServiceError(409, 'MC_FORMAT_UNAVAILABLE', 'ldp_vc (Data Integrity, eddsa-rdfc-2022) needs an Ed25519 service key: start the service with KEY_ALG=EdDSA and rotate');
    }
    const configurationId = options.format === 'ldp_vc' ? LDP_CONFIGURATION_ID : JWT_CONFIGURATION_ID;
    const ttl = options.expiresInSec ?? this.limits.defaultOfferTtlSec;
    if (!Number.isInteger(ttl) || (ttl as number) < 1 || (ttl as number) > this.limits.maxOfferTtlSec) {
      throw new ServiceError(400, 'MC_REQUEST_INVALID', `expiresInSec must be a whole number of seconds from 1 to ${this.limits.maxOfferTtlSec}`);
    }
    const credential = await this.deps.issuing.get(credentialUuid);
    if (credential.state !== 'active') throw new ServiceError(409, 'MC_CREDENTIAL_NOT_ACTIVE', `the credential is ${credential.state}; only active credentials can be offered to wallets`);
    const withPin = options.txCode !== false;
    const secret = randomSecret();
    const code = preAuthorizedCodeFor(secret);
    const pin = withPin ? newTxCode() : null;
    const now = this.now();
    const offer: StoredOffer = {
      id: randomUUID(),
      lookupHash: sha256Hex(secret),
      codeHash: sha256Hex(code),
      txCodeHash: pin === null ? null : txCodeHash(code, pin),
      credentialId: credential.id,
      configurationId,
      state: 'pending',
      attempts: 0,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + (ttl as number) * 1000).toISOString(),
      createdBy: actor,
      holderId: null,
      issuedCredentialId: null,
      redeemedAt: null,
    };
    await this.deps.storage.insertOffer(offer, { at: offer.createdAt, actor, action: 'offer.created', target: offer.id, detail: { credentialId: credential.id, txCode: withPin, expiresAt: offer.expiresAt } });
    const offerUrl = this.offerUrlFor(secret);
    return {
      id: offer.id,
      credentialId: credential.id,
      offerUri: credentialOfferUri(offerUrl),
      offerUrl,
      ...(pin !== null ? { txCode: pin } : {}),
      walletPageUrl: this.walletPageUrl(secret),
      expiresAt: offer.expiresAt,
    };
  }

  private async offerBySecret(secret: string): Promise<StoredOffer | null> {
    return SECRET_PATTERN.test(secret) ? this.deps.storage.findOfferByLookupHash(sha256Hex(secret)) : null;
  }

  private statusOf(offer: StoredOffer): OfferView['status'] {
    if (offer.state === 'failed') return 'locked';
    if (offer.state !== 'pending') return 'used';
    return offer.expiresAt <= this.now().toISOString() ? 'expired' : 'usable';
  }

  /** The credential offer document (offer by reference). */
  async offerDocument(secret: string): Promise<Record<string, unknown>> {
    const offer = await this.offerBySecret(secret);
    if (!offer) throw new Oid4vciError(404, 'invalid_request', 'there is no such credential offer');
    const status = this.statusOf(offer);
    if (status !== 'usable') throw new Oid4vciError(410, 'invalid_grant', status === 'expired' ? 'this credential offer has expired; ask the institution for a new one' : 'this credential offer was already used; ask the institution for a new one');
    return credentialOffer({
      credentialIssuer: this.credentialIssuer,
      configurationId: offer.configurationId,
      preAuthorizedCode: preAuthorizedCodeFor(secret),
      txCode: offer.txCodeHash === null ? null : { length: TX_CODE_LENGTH, description: TX_CODE_DESCRIPTION },
    });
  }

  /** What the learner's wallet page shows; null for an unknown secret. */
  async offerView(secret: string): Promise<OfferView | null> {
    const offer = await this.offerBySecret(secret);
    if (!offer) return null;
    const credential = await this.deps.issuing.get(offer.credentialId);
    const status = this.statusOf(offer);
    return { offer, credential, offerUri: credentialOfferUri(this.offerUrlFor(secret)), usable: status === 'usable', status };
  }

  // --- token endpoint ------------------------------------------------------------------------

  async token(params: Record<string, unknown>): Promise<Record<string, unknown>> {
    const request = parseTokenRequest(params);
    if (request.resource !== null && request.resource.replace(/\/+$/, '') !== this.credentialIssuer) {
      throw new Oid4vciError(400, 'invalid_target', `the resource must be the credential issuer ${this.credentialIssuer}`);
    }
    const now = this.now();
    const accessToken = randomSecret();
    const result = await this.deps.storage.exchangeOfferCode({
      codeHash: sha256Hex(request.preAuthorizedCode),
      txCodeHash: request.txCode === null ? null : txCodeHash(request.preAuthorizedCode, request.txCode),
      now: now.toISOString(),
      maxAttempts: this.limits.maxTxCodeAttempts,
      token: { hash: sha256Hex(accessToken), createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + this.limits.accessTokenTtlSec * 1000).toISOString() },
    });
    switch (result.kind) {
      case 'ok':
        break;
      case 'unknown':
        throw new Oid4vciError(400, 'invalid_grant', 'the pre-authorized code is not valid');
      case 'expired':
        throw new Oid4vciError(400, 'invalid_grant', 'the pre-authorized code has expired');
      case 'used':
        throw new Oid4vciError(400, 'invalid_grant', 'the pre-authorized code was already used');
      case 'locked':
        throw new Oid4vciError(400, 'invalid_grant', 'too many wrong transaction codes: this offer can no longer be used');
      case 'tx-code-missing':
        throw new Oid4vciError(400, 'invalid_request', 'this offer needs its transaction code (tx_code)');
      case 'tx-code-unexpected':
        throw new Oid4vciError(400, 'invalid_request', 'this offer has no transaction code; send none');
      case 'tx-code-wrong':
        throw new Oid4vciError(400, 'invalid_grant', result.attemptsLeft > 0 ? `the transaction code is wrong (${result.attemptsLeft} attempt(s) left)` : 'the transaction code is wrong, and that was the last attempt: this offer can no longer be used');
    }
    // Drafts up to 14 carry a c_nonce in the token response; 1.0 wallets use the nonce endpoint.
    const nonce = await this.newNonce(now);
    return { access_token: accessToken, token_type: 'Bearer', expires_in: this.limits.accessTokenTtlSec, ...nonce };
  }

  // --- nonce endpoint ------------------------------------------------------------------------

  private async newNonce(now: Date): Promise<{ c_nonce: string; c_nonce_expires_in: number }> {
    const nonce = randomSecret();
    await this.deps.storage.insertNonce(sha256Hex(nonce), now.toISOString(), new Date(now.getTime() + this.limits.nonceTtlSec * 1000).toISOString());
    return { c_nonce: nonce, c_nonce_expires_in: this.limits.nonceTtlSec };
  }

  async nonce(): Promise<{ c_nonce: string; c_nonce_expires_in: number }> {
    const now = this.now();
    // Expired nonces and tokens are swept now and then (at most once a minute per process).
    if (now.getTime() - this.lastPurge > 60_000) {
      this.lastPurge = now.getTime();
      await this.deps.storage.purgeExpiredOid4vci(now.toISOString());
    }
    return this.newNonce(now);
  }

  // --- credential endpoint -------------------------------------------------------------------

  /** A fresh c_nonce attached to proof errors, so a wallet can retry at once. */
  private async proofError(error: 'invalid_proof' | 'invalid_nonce', description: string): Promise<Oid4vciError> {
    return new Oid4vciError(400, error, description, await this.newNonce(this.now()));
  }

  async credential(authorization: string | undefined, body: unknown): Promise<Record<string, unknown>> {
    const now = this.now();
    const m = /^(\S+)\s+(\S+)$/.exec(authorization ?? '');
    if (!m) throw new Oid4vciError(401, 'invalid_token', 'the credential endpoint needs the access token from the token endpoint (Authorization: Bearer …)');
    if (m[1]!.toLowerCase() !== 'bearer') throw new Oid4vciError(401, 'invalid_token', `the ${m[1]} authorization scheme is not supported; use Bearer`);
    const token = await this.deps.storage.findAccessToken(sha256Hex(m[2]!));
    if (!token) throw new Oid4vciError(401, 'invalid_token', 'the access token is not valid');
    if (token.expiresAt <= now.toISOString()) throw new Oid4vciError(401, 'invalid_token', 'the access token has expired');
    const offer = await this.deps.storage.getOffer(token.offerId);
    if (!offer || offer.state !== 'token-issued') throw new Oid4vciError(401, 'invalid_token', 'the access token was already used');

    const request = parseCredentialRequest(body);
    if (request.configurationId !== offer.configurationId) throw new Oid4vciError(400, 'invalid_credential_request', `this access token is for ${offer.configurationId}`);
    if (request.proofJwt === null) throw await this.proofError('invalid_proof', 'a jwt key proof is required (proofs.jwt): the credential is bound to the wallet key');
    let proof;
    try {
      proof = verifyProofJwt(request.proofJwt, { audience: this.credentialIssuer, now, maxSkewSec: this.limits.proofSkewSec });
    } catch (e) {
      if (e instanceof Oid4vciError) throw await this.proofError('invalid_proof', e.description);
      throw e;
    }
    if (proof.nonce === undefined) throw await this.proofError('invalid_nonce', 'the key proof needs a nonce: get a c_nonce from the nonce endpoint');
    if (!(await this.deps.storage.consumeNonce(sha256Hex(proof.nonce), now.toISOString()))) {
      throw await this.proofError('invalid_nonce', 'the key proof nonce is not a valid c_nonce (unknown, expired or already used): use this fresh c_nonce');
    }

    const claimed = await this.deps.storage.claimOffer(offer.id, now.toISOString());
    if (!claimed) throw new Oid4vciError(401, 'invalid_token', 'the access token was already used');
    const ldp = claimed.configurationId === LDP_CONFIGURATION_ID;
    let issuedJwt: string;
    let issuedJson: Record<string, unknown>;
    let issuedId: string;
    try {
      const source = await this.deps.issuing.get(claimed.credentialId);
      if (source.state !== 'active') throw new Oid4vciError(400, 'credential_request_denied', `the credential was ${source.state} by the issuer`);
      // ldp_vc: issued as "both" (the Data Integrity proof embedded, then a VC-JWT around it), so the
      // stored record keeps its JWT; the wallet gets the JSON with its proof.
      const result = await this.deps.issuing.issue(reissueBody(source, proof.holderDid), `oid4vci:offer:${claimed.id}`, null, ldp ? 'both' : 'jwt', { learnerKeysFrom: source.id });
      issuedJwt = result.record.jwt;
      issuedJson = result.record.credential;
      issuedId = result.record.id;
    } catch (e) {
      await this.deps.storage.finishOffer(claimed.id, null);
      if (e instanceof Oid4vciError) throw e;
      if (e instanceof ServiceError) throw new Oid4vciError(400, 'credential_request_denied', `the credential cannot be issued again: ${e.message}`);
      throw e;
    }
    await this.deps.storage.finishOffer(claimed.id, {
      holderId: proof.holderDid,
      issuedCredentialId: issuedId,
      audit: { at: now.toISOString(), actor: `oid4vci:offer:${claimed.id}`, action: 'offer.redeemed', target: claimed.id, detail: { credentialId: claimed.credentialId, issuedCredentialId: issuedId, holder: proof.holderDid } },
    });
    const delivered = ldp ? issuedJson : issuedJwt;
    if (request.shape === 'v1') return { credentials: [{ credential: delivered }] };
    return { credential: delivered, format: ldp ? 'ldp_vc' : 'jwt_vc_json', ...(await this.newNonce(now)) };
  }
}

const STANDARD_CONTEXTS = new Set([VC_V2_CONTEXT, OB3_CONTEXT, OB3_EXTENSIONS_CONTEXT]);

/**
 * The issuance request (as the issuing API takes it) that re-issues a stored credential to a
 * holder DID: the same achievement version, subject data (identifiers keep their salted hashes),
 * evidence, validity end and extensions; `awardedDate` keeps the original award date.
 */
export function reissueBody(source: StoredCredential, holderDid: string): Record<string, unknown> {
  const c = source.credential;
  const { id: _id, type: _type, achievement: _achievement, ...subject } = (c.credentialSubject ?? {}) as Record<string, unknown>;
  const contexts = (Array.isArray(c['@context']) ? (c['@context'] as unknown[]) : []).filter((x): x is string => typeof x === 'string' && !STANDARD_CONTEXTS.has(x));
  const schemas = (Array.isArray(c.credentialSchema) ? (c.credentialSchema as Array<{ id?: unknown }>) : []).filter((s) => s && s.id !== OB3_SCHEMA_URL);
  const body: Record<string, unknown> = {
    achievementId: source.achievementId,
    achievementVersion: source.achievementVersion,
    credentialSubject: { ...subject, id: holderDid },
    awardedDate: c.awardedDate ?? c.validFrom,
  };
  for (const k of ['name', 'description', 'image', 'evidence', 'validUntil'] as const) if (c[k] !== undefined) body[k] = c[k];
  if (contexts.length) body['@context'] = contexts;
  if (schemas.length) body.credentialSchema = schemas;
  return body;
}
