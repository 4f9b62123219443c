/**
 * The storage contract of the issuer service. Implementations: SQLite (embedded default) and
 * PostgreSQL (several stateless servers, one database). Both pass test/storage.contract.test.ts.
 * Payloads (achievement bodies, batch rows) are opaque JSON to the store. A credential is
 * stored once, as its JWT; its JSON is derived from the JWT payload when read.
 */
import type { CredentialPart } from './packed-jwt.js';

export type { CredentialPart };

export type KeyState = 'active' | 'retired' | 'compromised';

export interface StoredKey {
  /** Key id: the RFC 7638 thumbprint of the public key; also its `kid` fragment. */
  id: string;
  alg: 'ES256' | 'RS256' | 'EdDSA';
  publicJwk: Record<string, unknown>;
  /** The private JWK, encrypted with the service's key-encryption key (AES-256-GCM, base64url). Never logged or served. */
  encryptedPrivateJwk: string;
  state: KeyState;
  createdAt: string;
  /** When the key stopped being active (rotation) or was marked compromised. */
  stateChangedAt: string | null;
}

export interface StoredToken {
  id: string;
  /** SHA-256 of the token secret, hex. The secret itself is shown once and never stored. */
  hash: string;
  scopes: Array<'issue' | 'revoke' | 'admin'>;
  label: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface StoredAchievement {
  /** Stable public id (slug or uuid) across versions. */
  id: string;
  version: number;
  /** The OB 3.0 Achievement as published for this version (its `id` is the versioned URL). */
  body: Record<string, unknown>;
  createdAt: string;
}

export type CredentialState = 'active' | 'revoked' | 'suspended';

export interface StoredCredential {
  /** The credential id (`urn:uuid:…`). */
  id: string;
  achievementId: string;
  achievementVersion: number;
  /** The compact JWS as issued: the one stored form of the credential. */
  jwt: string;
  /**
   * The credential JSON: the JWT payload without its registered claims (iss, sub, nbf, jti,
   * exp…). Not stored separately: the stores derive it from `jwt` on every read.
   */
  credential: Record<string, unknown>;
  statusListId: string;
  statusIndex: number;
  state: CredentialState;
  stateReason: string | null;
  issuedAt: string;
  /** Retry-safety: the same key returns the same credential. Unique when present. */
  idempotencyKey: string | null;
  /** A hash of the request body, to refuse the same idempotency key with another request. */
  requestHash: string | null;
  /**
   * The learner's name as the credential shows it in the clear (src/service/learner.ts), for
   * registrars; null when it shows none.
   */
  learner: string | null;
}

/** Who a credential is for, as written with it (src/service/learner.ts); the keys are read back only for a re-issue (Storage.credentialLearnerKeys). */
export interface LearnerFields {
  learner?: string | null;
  /** Space-separated keyed-hash search tokens of the learner's identifiers. */
  learnerKeys?: string | null;
}

/**
 * A credential as written: everything but its JSON, which is the JWT payload (see
 * StoredCredential.credential), with the learner fields optional. A StoredCredential is accepted
 * too; its `credential` is ignored.
 */
export type NewCredential = Omit<StoredCredential, 'credential' | 'learner'> & LearnerFields;

export interface StatusList {
  id: string;
  /** Number of entries (bits). At least 131072 (W3C Bitstring Status List minimum for herd privacy). */
  size: number;
  createdAt: string;
}

export interface AuditEvent {
  /** Monotonic sequence number assigned by the store. */
  seq?: number;
  at: string;
  /** Who: a token id, `cli`, or `system`. */
  actor: string;
  action: 'credential.issued' | 'credential.revoked' | 'credential.suspended' | 'credential.unsuspended' | 'key.created' | 'key.rotated' | 'key.compromised' | 'token.created' | 'token.revoked' | 'achievement.created' | 'achievement.versioned' | 'offer.created' | 'offer.redeemed' | 'batch.created';
  target: string;
  detail?: Record<string, unknown>;
}

export type BatchState = 'validated' | 'running' | 'done' | 'failed';
export type BatchRowState = 'pending' | 'invalid' | 'issued';

export interface StoredBatch {
  id: string;
  achievementId: string;
  achievementVersion: number;
  state: BatchState;
  /** File name or "api" upload label, for people. */
  source: string;
  /** Who started it: a token id or `cli`. */
  createdBy: string;
  createdAt: string;
  /** Row counts by state (computed by the store). */
  counts: Record<BatchRowState, number>;
}

export interface StoredBatchRow {
  batchId: string;
  line: number;
  learner: string;
  /** The per-learner issuance body (credentialSubject, evidence…), as validated. */
  body: Record<string, unknown>;
  /** Learner + achievement version: the same learner is never issued twice. */
  idempotencyKey: string;
  state: BatchRowState;
  credentialId: string | null;
  /** Why an invalid row was refused. */
  problems: Array<{ path: string; message: string; code?: string }> | null;
}

/** A pending row as the issuing step needs it (see `pendingBatchRows`). */
export interface PendingBatchRow {
  line: number;
  idempotencyKey: string;
  /** The per-learner issuance body as stored JSON text: parsed by the worker that signs the row. */
  bodyJson: string;
}

/** One signed row of a batch chunk (see `commitBatchCredentials`), with its learner fields. */
export interface BatchCredential extends LearnerFields {
  line: number;
  /** The credential id (`urn:uuid:…`). */
  id: string;
  /** The compact JWS, or its packed form (src/storage/packed-jwt.ts) whose part is in the chunk's `parts`. */
  jwt: string;
  statusIndex: number;
  /** The row's idempotency key (learner + achievement version). */
  idempotencyKey: string;
}

/**
 * A chunk of a batch to store: what every credential of the chunk shares, once, and the rows.
 * Credentials are stored active, with no request hash, issued at `issuedAt`.
 */
export interface BatchChunk {
  achievementId: string;
  achievementVersion: number;
  statusListId: string;
  issuedAt: string;
  credentials: BatchCredential[];
  /** Shared parts the packed credentials need; stored once (a part already stored is kept). */
  parts?: CredentialPart[];
}

/** Outcome of one row of `commitBatchCredentials`. */
export interface BatchCommit {
  line: number;
  /** issued: stored now; existing: the learner already had it (the row points at that credential); retry: status index taken, draw another. */
  outcome: 'issued' | 'existing' | 'retry';
  credentialId: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
}

export interface CredentialFilter {
  achievementId?: string;
  state?: CredentialState;
  /** ISO date-time: issued at or after. */
  since?: string;
  /**
   * Who it is for: a name containing `text` (case-insensitively; ASCII letters only in SQLite),
   * or an identifier whose search token (src/service/learner.ts) is `key`.
   */
  learner?: { text: string; key: string };
  limit: number;
  offset: number;
}

// --- OpenID4VCI (issue #6) -------------------------------------------------------------------

/**
 * pending: offered, the pre-authorized code not used yet; token-issued: the code was exchanged
 * for an access token; redeemed: a credential was issued with that token; failed: too many
 * wrong transaction codes. Only pending → token-issued → redeemed moves forward.
 */
export type OfferState = 'pending' | 'token-issued' | 'redeemed' | 'failed';

/**
 * A single-use OpenID4VCI credential offer (pre-authorized code flow) for a stored credential.
 * No secret is stored in the clear: the offer's URL secret, its pre-authorized code and its
 * transaction code are kept only as hashes.
 */
export interface StoredOffer {
  /** Public id (uuid) for the institution and the audit log. */
  id: string;
  /** SHA-256 (hex) of the secret in the offer's URLs (offer by reference, wallet page). Unique. */
  lookupHash: string;
  /** SHA-256 (hex) of the pre-authorized code. Unique. */
  codeHash: string;
  /** Keyed hash of the transaction code (PIN), or null when the offer needs none. */
  txCodeHash: string | null;
  /** The stored credential the offer re-issues, bound to the wallet's key. */
  credentialId: string;
  /** The credential configuration offered (issuer metadata key). */
  configurationId: string;
  state: OfferState;
  /** Wrong transaction codes so far. */
  attempts: number;
  createdAt: string;
  expiresAt: string;
  /** Who created it (a token id, `cli`…). */
  createdBy: string;
  /** Set on redemption: the holder DID the new credential was bound to, and that credential. */
  holderId: string | null;
  issuedCredentialId: string | null;
  redeemedAt: string | null;
}

/** An OpenID4VCI access token (for the credential endpoint), stored as a hash. */
export interface StoredAccessToken {
  /** SHA-256 (hex) of the token. */
  hash: string;
  offerId: string;
  createdAt: string;
  expiresAt: string;
}

/** The outcome of exchanging a pre-authorized code (see Storage.exchangeOfferCode). */
export type OfferExchange =
  | { kind: 'ok'; offer: StoredOffer }
  | { kind: 'unknown' }
  | { kind: 'expired' }
  | { kind: 'used' }
  | { kind: 'locked' }
  | { kind: 'tx-code-missing' }
  | { kind: 'tx-code-unexpected' }
  | { kind: 'tx-code-wrong'; attemptsLeft: number };

/** Thrown by stores for conflicts the caller must handle (e.g. idempotency key reuse). */
export class StorageConflictError extends Error {
  constructor(
    readonly kind: 'idempotency' | 'status-index' | 'duplicate',
    message: string,
  ) {
    super(message);
    this.name = 'StorageConflictError';
  }
}

export interface Storage {
  readonly kind: 'sqlite' | 'postgres';
  /** Run pending migrations (idempotent, safe with several processes starting at once). */
  migrate(): Promise<void>;
  close(): Promise<void>;
  /** Cheap liveness query for /ready. */
  ping(): Promise<void>;

  // Keys
  insertKey(key: StoredKey): Promise<void>;
  listKeys(): Promise<StoredKey[]>;
  /** Atomically: the current active key becomes retired and `next` becomes the active key. */
  rotateKey(next: StoredKey, at: string): Promise<void>;
  setKeyState(id: string, state: KeyState, at: string): Promise<void>;

  // API tokens
  insertToken(token: StoredToken): Promise<void>;
  findTokenByHash(hash: string): Promise<StoredToken | null>;
  revokeToken(id: string, at: string): Promise<void>;
  countTokens(): Promise<number>;

  // Achievements (versions are immutable once inserted)
  insertAchievementVersion(a: StoredAchievement): Promise<void>;
  getAchievement(id: string, version?: number): Promise<StoredAchievement | null>;
  listAchievements(limit: number, offset: number): Promise<Page<StoredAchievement>>;
  /** Has any credential been issued under this version? */
  achievementVersionUsed(id: string, version: number): Promise<boolean>;
  /** Replace the body of an unused version in place (editing before first use). */
  updateAchievementVersion(a: StoredAchievement): Promise<void>;

  // Status lists
  /** The list new credentials go into; created (with `size`) when none has room. */
  currentStatusList(size: number, at: string): Promise<StatusList>;
  getStatusList(id: string): Promise<StatusList | null>;
  /** Indexes on the list whose credential is in `state` (for building the bitstring). */
  statusIndexes(listId: string, state: Exclude<CredentialState, 'active'>): Promise<number[]>;
  /** Number of indexes used on the list (to open a new list before one fills up). */
  statusListUsage(listId: string): Promise<number>;

  // Credentials
  /**
   * Insert an issued credential. Fails with StorageConflictError('status-index') when the
   * (statusListId, statusIndex) pair is taken, so the caller retries with another random index,
   * and with 'idempotency' when the idempotency key exists. Atomic: a credential and its status
   * index exist together or not at all.
   */
  insertCredential(c: NewCredential, audit: AuditEvent): Promise<void>;
  getCredential(id: string): Promise<StoredCredential | null>;
  /** A credential's learner search tokens (LearnerFields.learnerKeys), for a re-issue to the same learner; null when none or no such credential. */
  credentialLearnerKeys(id: string): Promise<string | null>;
  findCredentialByIdempotencyKey(key: string): Promise<StoredCredential | null>;
  listCredentials(filter: CredentialFilter): Promise<Page<StoredCredential>>;
  countCredentials(): Promise<number>;
  /** Change revocation state; returns the updated row, or null if there is no such credential. */
  setCredentialState(id: string, state: CredentialState, reason: string | null, audit: AuditEvent): Promise<StoredCredential | null>;

  // Audit log (append-only)
  appendAudit(event: AuditEvent): Promise<void>;
  listAudit(limit: number, offset: number): Promise<Page<AuditEvent>>;

  // OpenID4VCI offers, access tokens and nonces (issue #6). Single use holds across several
  // servers on one database: every state change is one atomic, conditional write.
  /** Insert an offer (and its audit event). Fails with StorageConflictError('duplicate') on a taken id or hash. */
  insertOffer(offer: StoredOffer, audit: AuditEvent): Promise<void>;
  getOffer(id: string): Promise<StoredOffer | null>;
  findOfferByLookupHash(lookupHash: string): Promise<StoredOffer | null>;
  /**
   * The token step, atomically: find the pending offer whose code hash is `codeHash`; check its
   * expiry and transaction code (`txCodeHash`, null when the wallet sent none); a wrong code
   * counts an attempt, and the `maxAttempts`-th wrong one fails the offer for good; on success
   * the offer becomes token-issued and `token` is stored with it. Of several concurrent calls
   * with one code, at most one gets 'ok'.
   */
  exchangeOfferCode(input: { codeHash: string; txCodeHash: string | null; now: string; maxAttempts: number; token: Omit<StoredAccessToken, 'offerId'> }): Promise<OfferExchange>;
  findAccessToken(hash: string): Promise<StoredAccessToken | null>;
  /** token-issued → redeemed (once: concurrent calls, at most one gets the offer; null otherwise). */
  claimOffer(id: string, at: string): Promise<StoredOffer | null>;
  /**
   * After a claim: record the holder and the credential issued (and the audit event), or with
   * `result` null give the offer back (redeemed → token-issued) because issuing failed.
   */
  finishOffer(id: string, result: { holderId: string; issuedCredentialId: string; audit: AuditEvent } | null): Promise<void>;
  /** Store a c_nonce (by hash), usable once until `expiresAt`. */
  insertNonce(hash: string, createdAt: string, expiresAt: string): Promise<void>;
  /** Use a c_nonce: true once for an unexpired nonce, false for an unknown, used or expired one. */
  consumeNonce(hash: string, now: string): Promise<boolean>;
  /** Delete nonces and access tokens that expired before `now`; returns how many rows went. */
  purgeExpiredOid4vci(now: string): Promise<number>;

  // Cohort batch jobs (issue #8)
  /** Insert a batch with all its rows (valid ones pending, invalid ones with their problems) in one transaction. */
  insertBatch(batch: Omit<StoredBatch, 'counts'>, rows: StoredBatchRow[], audit: AuditEvent): Promise<void>;
  getBatch(id: string): Promise<StoredBatch | null>;
  listBatches(limit: number, offset: number): Promise<Page<StoredBatch>>;
  setBatchState(id: string, state: BatchState): Promise<void>;
  listBatchRows(id: string, filter: { state?: BatchRowState; limit: number; offset: number }): Promise<Page<StoredBatchRow>>;
  /** The next pending rows after line `afterLine` (default 0), in line order. */
  pendingBatchRows(id: string, limit: number, afterLine?: number): Promise<PendingBatchRow[]>;
  /** Every status index already used on a list (to draw new ones in bulk without collisions). */
  usedStatusIndexes(listId: string): Promise<number[]>;
  /**
   * Store a chunk of a batch in ONE transaction: each credential is inserted unless its status
   * index is taken (retry) or its idempotency key exists (existing: the row points at the
   * credential already issued); issued and existing rows are marked so, with one audit event per
   * new credential. A crash before commit leaves every row of the chunk pending. Outcomes are in
   * the order of `chunk.credentials`. Throws RangeError for a status index outside the list.
   */
  commitBatchCredentials(batchId: string, chunk: BatchChunk, actor: string): Promise<BatchCommit[]>;
}
