/**
 * The storage contract of the issuer service. Implementations: SQLite (embedded default) and
 * PostgreSQL (several stateless servers, one database). Both pass test/storage.contract.test.ts.
 * Payloads (credential JSON, achievement bodies) are opaque JSON to the store.
 */

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
  /** The compact JWS as issued. */
  jwt: string;
  /** The credential JSON (the JWT payload without registered claims). */
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
}

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
  action: 'credential.issued' | 'credential.revoked' | 'credential.suspended' | 'credential.unsuspended' | 'key.created' | 'key.rotated' | 'key.compromised' | 'token.created' | 'token.revoked' | 'achievement.created' | 'achievement.versioned';
  target: string;
  detail?: Record<string, unknown>;
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
  limit: number;
  offset: number;
}

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
  insertCredential(c: StoredCredential, audit: AuditEvent): Promise<void>;
  getCredential(id: string): Promise<StoredCredential | null>;
  findCredentialByIdempotencyKey(key: string): Promise<StoredCredential | null>;
  listCredentials(filter: CredentialFilter): Promise<Page<StoredCredential>>;
  countCredentials(): Promise<number>;
  /** Change revocation state; returns the updated row, or null if there is no such credential. */
  setCredentialState(id: string, state: CredentialState, reason: string | null, audit: AuditEvent): Promise<StoredCredential | null>;

  // Audit log (append-only)
  appendAudit(event: AuditEvent): Promise<void>;
  listAudit(limit: number, offset: number): Promise<Page<AuditEvent>>;
}
