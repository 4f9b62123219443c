import { createHash, randomInt, randomUUID } from 'node:crypto';
import { MicrocredError } from '../errors.js';
import { issueCredential } from '../issuer/issue.js';
import { lintRequest } from '../issuer/lint.js';
import type { IssuanceRequest } from '../issuer/request.js';
import { signStatusListCredential, signStatusListCredentialDataIntegrity, statusEntries, type StatusPurpose } from '../issuer/status-list.js';
import type { RuleOutcome } from '../benchmark/types.js';
import { StorageConflictError, type CredentialFilter, type CredentialState, type LearnerFields, type Storage, type StoredAchievement, type StoredCredential } from '../storage/types.js';
import { withoutJwtClaims } from '../storage/common.js';
import type { ServiceConfig } from '../config/config.js';
import type { Keyring } from './keyring.js';
import { verificationPath } from '../web/links.js';
import { learnerRecord, learnerToken } from './learner.js';

import { ServiceError } from './errors.js';
export { ServiceError };

export interface IssueResult {
  record: StoredCredential;
  warnings: RuleOutcome[];
  /** false when an idempotent retry returned the credential issued earlier. */
  created: boolean;
}

const ACHIEVEMENT_SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Everything the service does with credentials, independent of HTTP. */
export class IssuingService {
  private listCache = new Map<string, { etag: string; body: string; form: 'jwt' | 'di' }>();

  constructor(
    private readonly storage: Storage,
    private readonly keyring: Keyring,
    private readonly config: ServiceConfig,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  issuerProfile(): Record<string, unknown> {
    return { ...this.config.issuerProfile, id: this.config.issuerId, type: ['Profile'], name: this.config.issuerProfile.name ?? this.config.issuerName };
  }

  achievementUrl(id: string, version: number): string {
    return `${this.config.baseUrl}/achievements/${id}/v${version}`;
  }

  credentialUrl(credentialId: string): string {
    return `${this.config.baseUrl}/credentials/${credentialId.replace(/^urn:uuid:/, '')}`;
  }

  /** A credential as the API lists it (and the CLI prints it): the issuer's record, with its verification link. */
  summary(c: StoredCredential) {
    return { id: c.id, achievementId: c.achievementId, achievementVersion: c.achievementVersion, learner: c.learner, state: c.state, stateReason: c.stateReason, issuedAt: c.issuedAt, verificationUrl: this.verificationUrl(c) };
  }

  /** The short public link employers open (and the QR code encodes), bound to the exact JWT. */
  verificationUrl(c: Pick<StoredCredential, 'id' | 'jwt'>): string {
    return `${this.config.baseUrl}${verificationPath(c.id, c.jwt)}`;
  }

  // --- achievements -------------------------------------------------------------------------

  private publishedBody(id: string, version: number, body: Record<string, unknown>): Record<string, unknown> {
    // The versioned URL is the achievement's id: credentials keep pointing at the version they were issued under.
    return { ...body, id: this.achievementUrl(id, version) };
  }

  async createAchievement(body: Record<string, unknown>, actor: string, slug?: string): Promise<StoredAchievement> {
    const id = slug ?? randomUUID();
    if (!ACHIEVEMENT_SLUG.test(id) && !/^[0-9a-f-]{36}$/.test(id)) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'achievement id must be lowercase letters, digits and dashes (at most 63)');
    if (await this.storage.getAchievement(id)) throw new ServiceError(409, 'MC_ACHIEVEMENT_EXISTS', `achievement ${id} already exists; change it with PUT /api/v1/achievements/${id} or: microcred achievements update ${id} FILE`);
    const now = this.clock().toISOString();
    const a: StoredAchievement = { id, version: 1, body: this.publishedBody(id, 1, body), createdAt: now };
    await this.checkAchievement(a.body);
    await this.storage.insertAchievementVersion(a);
    await this.storage.appendAudit({ at: now, actor, action: 'achievement.created', target: id, detail: { version: 1 } });
    return a;
  }

  /** Edit an achievement: in place while unused, as a new version once a credential was issued under it. */
  async updateAchievement(id: string, body: Record<string, unknown>, actor: string): Promise<StoredAchievement> {
    const current = await this.storage.getAchievement(id);
    if (!current) throw new ServiceError(404, 'MC_NOT_FOUND', `no achievement ${id}`);
    const now = this.clock().toISOString();
    if (await this.storage.achievementVersionUsed(id, current.version)) {
      const next: StoredAchievement = { id, version: current.version + 1, body: this.publishedBody(id, current.version + 1, body), createdAt: now };
      await this.checkAchievement(next.body);
      await this.storage.insertAchievementVersion(next);
      await this.storage.appendAudit({ at: now, actor, action: 'achievement.versioned', target: id, detail: { version: next.version } });
      return next;
    }
    const edited: StoredAchievement = { ...current, body: this.publishedBody(id, current.version, body) };
    await this.checkAchievement(edited.body);
    await this.storage.updateAchievementVersion(edited);
    return edited;
  }

  /** An achievement must at least make a valid credential: lint a request around it. */
  private async checkAchievement(body: Record<string, unknown>): Promise<void> {
    const lint = await lintRequest({ issuer: this.issuerProfile(), achievement: body, credentialSubject: { id: 'did:example:achievement-check' } }, { issuerId: this.config.issuerId, now: this.clock() });
    const problems = lint.problems.filter((p) => p.path.startsWith('/credentialSubject/achievement') || p.code === 'MC_PROFILE_UNKNOWN' || p.code === 'MC_JSONLD_UNDEFINED_TERM');
    if (problems.length) throw new ServiceError(422, 'MC_ACHIEVEMENT_INVALID', `the achievement has ${problems.length} problem(s)`, problems);
  }

  // --- credentials --------------------------------------------------------------------------

  /**
   * Issue one credential. The status index is drawn at random from the current list (herd
   * privacy); the unique (list, index) constraint makes allocation atomic with the insert, and a
   * collision is simply retried with another index.
   */
  async issue(body: Record<string, unknown>, actor: string, idempotencyKey: string | null, format: 'jwt' | 'both' = 'jwt', options: { learnerKeysFrom?: string } = {}): Promise<IssueResult> {
    const requestHash = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    if (idempotencyKey !== null) {
      const earlier = await this.storage.findCredentialByIdempotencyKey(idempotencyKey);
      if (earlier) return this.replay(earlier, requestHash);
    }
    const { achievementId, achievementVersion, achievement, issuer, ...rest } = body as Record<string, unknown> & { achievementId?: unknown; achievementVersion?: unknown };
    if (achievement !== undefined || issuer !== undefined) {
      throw new ServiceError(400, 'MC_REQUEST_INVALID', 'give achievementId (a stored achievement), not an inline achievement; the issuer is the service itself');
    }
    if (typeof achievementId !== 'string') throw new ServiceError(400, 'MC_REQUEST_INVALID', 'achievementId is required', [{ path: '/achievementId', message: 'required' }]);
    if (achievementVersion !== undefined && !(Number.isInteger(achievementVersion) && (achievementVersion as number) > 0)) {
      throw new ServiceError(400, 'MC_REQUEST_INVALID', 'achievementVersion must be a positive whole number');
    }
    const stored = await this.storage.getAchievement(achievementId, achievementVersion as number | undefined);
    if (!stored) throw new ServiceError(404, 'MC_NOT_FOUND', `no achievement ${achievementId}${achievementVersion ? ` version ${String(achievementVersion)}` : ''}`);

    const now = this.clock();
    const { signer, key } = await this.keyring.activeSigner();
    const list = await this.storage.currentStatusList(this.config.statusListSize, now.toISOString());
    const listBase = `${this.config.baseUrl}/status/${list.id}`;
    const id = `urn:uuid:${randomUUID()}`;
    const learner = learnerRecord((rest as { credentialSubject?: unknown }).credentialSubject, this.keyring.learnerSearchKey());
    // A re-issue (a wallet's copy) is found by the identifiers the original was issued to, which it holds only hashed.
    if (options.learnerKeysFrom !== undefined) learner.keys = mergeKeys(learner.keys, await this.storage.credentialLearnerKeys(options.learnerKeysFrom));
    for (let attempt = 0; attempt < 20; attempt++) {
      const index = randomInt(list.size);
      const request: IssuanceRequest = { ...(rest as Partial<IssuanceRequest>), id, issuer: this.issuerProfile(), achievement: stored.body, credentialStatus: statusEntries(listBase, index) } as IssuanceRequest;
      let issued;
      try {
        issued = await issueCredential(request, { signer, issuerId: this.config.issuerId, now, format, ...(format === 'both' ? { verificationMethod: this.keyring.dataIntegrityMethodFor(key.id) } : {}) });
      } catch (e) {
        if (e instanceof MicrocredError) throw new ServiceError(422, e.code, e.message, e.problems);
        throw e;
      }
      const record: StoredCredential & LearnerFields = {
        id,
        achievementId: stored.id,
        achievementVersion: stored.version,
        jwt: issued.jwt,
        // What the store reads back from the JWT later (it keeps only the JWT).
        credential: withoutJwtClaims(issued.credential as Record<string, unknown>),
        statusListId: list.id,
        statusIndex: index,
        state: 'active',
        stateReason: null,
        issuedAt: now.toISOString(),
        idempotencyKey,
        requestHash,
        learner: learner.name,
        learnerKeys: learner.keys,
      };
      try {
        await this.storage.insertCredential(record, { at: now.toISOString(), actor, action: 'credential.issued', target: id, detail: { achievementId: stored.id, version: stored.version } });
        return { record, warnings: issued.warnings, created: true };
      } catch (e) {
        if (e instanceof StorageConflictError && e.kind === 'status-index') continue;
        if (e instanceof StorageConflictError && e.kind === 'idempotency' && idempotencyKey !== null) {
          // A concurrent retry with the same key won the race: answer with its credential.
          const earlier = await this.storage.findCredentialByIdempotencyKey(idempotencyKey);
          if (earlier) return this.replay(earlier, requestHash);
        }
        throw e;
      }
    }
    throw new Error('could not allocate a free status index after 20 attempts');
  }

  /**
   * The storage filter for a learner as a registrar typed them (API `?learner=`, CLI `--learner`):
   * part of a name, or an exact identifier; 1 to 200 characters once trimmed.
   */
  learnerFilter(typed: string): NonNullable<CredentialFilter['learner']> {
    const text = typed.trim();
    if (text === '' || text.length > 200) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'learner must be 1 to 200 characters of a name or identifier');
    return { text, key: learnerToken(text, this.keyring.learnerSearchKey()) };
  }

  private replay(earlier: StoredCredential, requestHash: string): IssueResult {
    if (earlier.requestHash !== requestHash) {
      throw new ServiceError(409, 'MC_IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
    }
    return { record: earlier, warnings: [], created: false };
  }

  async get(uuidOrId: string): Promise<StoredCredential> {
    const id = uuidOrId.startsWith('urn:uuid:') ? uuidOrId : `urn:uuid:${uuidOrId}`;
    const c = /^urn:uuid:[0-9a-f-]{36}$/i.test(id) ? await this.storage.getCredential(id) : null;
    if (!c) throw new ServiceError(404, 'MC_NOT_FOUND', `no credential ${uuidOrId}`);
    return c;
  }

  /** Revoke (final), suspend, or unsuspend, with a reason; the status lists change with it. */
  async changeState(uuidOrId: string, action: 'revoke' | 'suspend' | 'unsuspend', reason: string | null, actor: string): Promise<StoredCredential> {
    const current = await this.get(uuidOrId);
    const next: CredentialState = action === 'revoke' ? 'revoked' : action === 'suspend' ? 'suspended' : 'active';
    if (current.state === 'revoked') throw new ServiceError(409, 'MC_CREDENTIAL_REVOKED', 'the credential is revoked; revocation is final');
    if (action === 'unsuspend' && current.state !== 'suspended') throw new ServiceError(409, 'MC_NOT_SUSPENDED', 'the credential is not suspended');
    if (action === 'suspend' && current.state === 'suspended') throw new ServiceError(409, 'MC_ALREADY_SUSPENDED', 'the credential is already suspended');
    const at = this.clock().toISOString();
    const auditAction = action === 'revoke' ? 'credential.revoked' : action === 'suspend' ? 'credential.suspended' : 'credential.unsuspended';
    const updated = await this.storage.setCredentialState(current.id, next, reason, { at, actor, action: auditAction, target: current.id, detail: reason ? { reason } : {} });
    if (!updated) throw new ServiceError(404, 'MC_NOT_FOUND', `no credential ${uuidOrId}`);
    return updated;
  }

  // --- status lists -------------------------------------------------------------------------

  /**
   * The signed status list for one purpose: as a VC-JWT (`jwt`), or, when `preferJsonLd` and the
   * active key is Ed25519, as JSON with an eddsa-rdfc-2022 proof (`di`) for verifiers that read
   * only JSON-LD lists; `form` says which.
   * The same content and validity window either way; each form is cached on its own. Its ETag
   * depends only on the list's content, the form and the signing key, so every server process
   * behind a load balancer gives the same ETag.
   */
  async statusList(listId: string, purpose: StatusPurpose, preferJsonLd = false): Promise<{ etag: string; body: string; form: 'jwt' | 'di' }> {
    const list = await this.storage.getStatusList(listId);
    if (!list) throw new ServiceError(404, 'MC_NOT_FOUND', `no status list ${listId}`);
    const indexes = (await this.storage.statusIndexes(listId, purpose === 'revocation' ? 'revoked' : 'suspended')).sort((a, b) => a - b);
    const { signer, key } = await this.keyring.activeSigner();
    const form: 'jwt' | 'di' = preferJsonLd && key.publicJwk.kty === 'OKP' ? 'di' : 'jwt';
    // Lists are valid for two days from the start of the current UTC day: every server process
    // signs the same window (so ETags agree), and a replayed old snapshot expires.
    const day = Math.floor(this.clock().getTime() / 86_400_000);
    // Weak: two processes sign the same content with different (randomized) signatures.
    const etag = `W/"${createHash('sha256').update(`${listId}|${purpose}|${form}|${key.id}|${day}|${indexes.join(',')}`).digest('base64url').slice(0, 27)}"`;
    const cacheKey = `${listId}|${purpose}|${form}`;
    const cached = this.listCache.get(cacheKey);
    if (cached?.etag === etag) return cached;
    const url = `${this.config.baseUrl}/status/${listId}/${purpose}`;
    const validFrom = new Date(day * 86_400_000);
    const input = { issuerId: this.config.issuerId, url, purpose, size: list.size, setIndexes: indexes, now: validFrom, validUntil: new Date(validFrom.getTime() + 2 * 86_400_000) };
    // The compact JWS, or the JSON of the credential with its proof.
    const body = form === 'di' ? JSON.stringify(await signStatusListCredentialDataIntegrity(input, signer, this.keyring.dataIntegrityMethodFor(key.id))) : await signStatusListCredential(input, signer);
    const fresh = { etag, body, form };
    this.listCache.set(cacheKey, fresh);
    return fresh;
  }
}

/** Two space-separated token lists as one, each token once. */
function mergeKeys(a: string, b: string | null): string {
  return [...new Set(`${a} ${b ?? ''}`.split(' ').filter(Boolean))].join(' ');
}
