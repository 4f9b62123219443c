/**
 * The embedded store: one SQLite file through better-sqlite3 (synchronous; every method is
 * wrapped in an async one to satisfy the Storage contract). WAL journal, `synchronous=NORMAL`,
 * `busy_timeout` 5 s, foreign keys on. Writes run in `BEGIN IMMEDIATE` transactions, which take
 * the database write lock up front, so several processes on one file serialise instead of
 * failing with SQLITE_BUSY on a lock upgrade.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import {
  checkPaging,
  checkStatusIndex,
  mapSqliteError,
  statusListHasRoom,
  toIsoTimestamp,
  toIsoTimestampOrNull,
} from '../common.js';
import { pendingMigrations, type AppliedMigration } from '../migrations/index.js';
import {
  StorageConflictError,
  type AuditEvent,
  type CredentialFilter,
  type CredentialState,
  type KeyState,
  type Page,
  type StatusList,
  type Storage,
  type StoredAchievement,
  type StoredCredential,
  type StoredKey,
  type StoredToken,
} from '../types.js';

type Db = Database.Database;

interface KeyRow {
  id: string;
  alg: StoredKey['alg'];
  public_jwk: string;
  encrypted_private_jwk: string;
  state: KeyState;
  created_at: string;
  state_changed_at: string | null;
}
interface TokenRow {
  id: string;
  hash: string;
  scopes: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
}
interface AchievementRow {
  id: string;
  version: number;
  body: string;
  created_at: string;
}
interface StatusListRow {
  id: string;
  size: number;
  created_at: string;
}
interface CredentialRow {
  id: string;
  achievement_id: string;
  achievement_version: number;
  jwt: string;
  credential: string;
  status_list_id: string;
  status_index: number;
  state: CredentialState;
  state_reason: string | null;
  issued_at: string;
  idempotency_key: string | null;
  request_hash: string | null;
}
interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: AuditEvent['action'];
  target: string;
  detail: string | null;
}

const toKey = (r: KeyRow): StoredKey => ({
  id: r.id,
  alg: r.alg,
  publicJwk: JSON.parse(r.public_jwk) as Record<string, unknown>,
  encryptedPrivateJwk: r.encrypted_private_jwk,
  state: r.state,
  createdAt: r.created_at,
  stateChangedAt: r.state_changed_at,
});
const toToken = (r: TokenRow): StoredToken => ({
  id: r.id,
  hash: r.hash,
  scopes: JSON.parse(r.scopes) as StoredToken['scopes'],
  label: r.label,
  createdAt: r.created_at,
  revokedAt: r.revoked_at,
});
const toAchievement = (r: AchievementRow): StoredAchievement => ({
  id: r.id,
  version: r.version,
  body: JSON.parse(r.body) as Record<string, unknown>,
  createdAt: r.created_at,
});
const toStatusList = (r: StatusListRow): StatusList => ({ id: r.id, size: r.size, createdAt: r.created_at });
const toCredential = (r: CredentialRow): StoredCredential => ({
  id: r.id,
  achievementId: r.achievement_id,
  achievementVersion: r.achievement_version,
  jwt: r.jwt,
  credential: JSON.parse(r.credential) as Record<string, unknown>,
  statusListId: r.status_list_id,
  statusIndex: r.status_index,
  state: r.state,
  stateReason: r.state_reason,
  issuedAt: r.issued_at,
  idempotencyKey: r.idempotency_key,
  requestHash: r.request_hash,
});
const toAudit = (r: AuditRow): AuditEvent => ({
  seq: r.seq,
  at: r.at,
  actor: r.actor,
  action: r.action,
  target: r.target,
  ...(r.detail === null ? {} : { detail: JSON.parse(r.detail) as Record<string, unknown> }),
});

const CREDENTIAL_COLUMNS =
  'id, achievement_id, achievement_version, jwt, credential, status_list_id, status_index, state, state_reason, issued_at, idempotency_key, request_hash';

/** The file path of a `sqlite:` URL or plain path; `:memory:` passes through. */
function prepareFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
}

/**
 * Opens (creating if needed) the SQLite database at `file`, creating its parent directory.
 * `:memory:` gives a private in-memory database (tests). Call `migrate()` before use.
 */
export async function openSqliteStorage(file: string): Promise<Storage> {
  prepareFile(file);
  const db = new Database(file, { timeout: 5000 });
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteStorage(db);
}

class SqliteStorage implements Storage {
  readonly kind = 'sqlite' as const;
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Runs `fn` in a write transaction (BEGIN IMMEDIATE); maps constraint errors. */
  #write<T>(fn: () => T): T {
    try {
      return this.#db.transaction(fn).immediate();
    } catch (error) {
      throw mapSqliteError(error);
    }
  }

  /** Runs `fn` in a read transaction, so several queries see one snapshot. */
  #read<T>(fn: () => T): T {
    return this.#db.transaction(fn).deferred();
  }

  #appendAudit(event: AuditEvent): void {
    this.#db
      .prepare('INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)')
      .run(toIsoTimestamp(event.at, 'audit.at'), event.actor, event.action, event.target, event.detail == null ? null : JSON.stringify(event.detail));
  }

  async migrate(): Promise<void> {
    const db = this.#db;
    // BEGIN IMMEDIATE holds the database write lock: other processes wait (busy_timeout) and
    // then see the recorded versions.
    db.transaction(() => {
      db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    INTEGER PRIMARY KEY,
        name       TEXT NOT NULL,
        applied_at TEXT NOT NULL
      )`);
      const applied = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as AppliedMigration[];
      // All pending migrations in this one transaction: a failure leaves the schema as it was.
      for (const m of pendingMigrations(applied)) {
        db.exec(m.sqlite);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, new Date().toISOString());
      }
    }).immediate();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  // Keys

  async insertKey(key: StoredKey): Promise<void> {
    this.#write(() => {
      this.#db
        .prepare(
          'INSERT INTO keys (id, alg, public_jwk, encrypted_private_jwk, state, created_at, state_changed_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          key.id,
          key.alg,
          JSON.stringify(key.publicJwk),
          key.encryptedPrivateJwk,
          key.state,
          toIsoTimestamp(key.createdAt, 'key.createdAt'),
          toIsoTimestampOrNull(key.stateChangedAt, 'key.stateChangedAt'),
        );
    });
  }

  async listKeys(): Promise<StoredKey[]> {
    return (this.#db.prepare('SELECT * FROM keys ORDER BY created_at, id').all() as KeyRow[]).map(toKey);
  }

  async rotateKey(next: StoredKey, at: string): Promise<void> {
    const when = toIsoTimestamp(at, 'at');
    this.#write(() => {
      this.#db.prepare("UPDATE keys SET state = 'retired', state_changed_at = ? WHERE state = 'active'").run(when);
      this.#db
        .prepare(
          "INSERT INTO keys (id, alg, public_jwk, encrypted_private_jwk, state, created_at, state_changed_at) VALUES (?, ?, ?, ?, 'active', ?, NULL)",
        )
        .run(next.id, next.alg, JSON.stringify(next.publicJwk), next.encryptedPrivateJwk, toIsoTimestamp(next.createdAt, 'next.createdAt'));
    });
  }

  async setKeyState(id: string, state: KeyState, at: string): Promise<void> {
    const when = toIsoTimestamp(at, 'at');
    this.#write(() => {
      this.#db.prepare('UPDATE keys SET state = ?, state_changed_at = ? WHERE id = ?').run(state, when, id);
    });
  }

  // Tokens

  async insertToken(token: StoredToken): Promise<void> {
    this.#write(() => {
      this.#db
        .prepare('INSERT INTO tokens (id, hash, scopes, label, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(
          token.id,
          token.hash,
          JSON.stringify(token.scopes),
          token.label,
          toIsoTimestamp(token.createdAt, 'token.createdAt'),
          toIsoTimestampOrNull(token.revokedAt, 'token.revokedAt'),
        );
    });
  }

  async findTokenByHash(hash: string): Promise<StoredToken | null> {
    const row = this.#db.prepare('SELECT * FROM tokens WHERE hash = ?').get(hash) as TokenRow | undefined;
    return row ? toToken(row) : null;
  }

  async revokeToken(id: string, at: string): Promise<void> {
    const when = toIsoTimestamp(at, 'at');
    this.#write(() => {
      // The first revocation time stays.
      this.#db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(when, id);
    });
  }

  async countTokens(): Promise<number> {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM tokens').get() as { n: number }).n;
  }

  // Achievements

  async insertAchievementVersion(a: StoredAchievement): Promise<void> {
    this.#write(() => {
      this.#db
        .prepare('INSERT INTO achievements (id, version, body, created_at) VALUES (?, ?, ?, ?)')
        .run(a.id, a.version, JSON.stringify(a.body), toIsoTimestamp(a.createdAt, 'achievement.createdAt'));
    });
  }

  async getAchievement(id: string, version?: number): Promise<StoredAchievement | null> {
    const row = (
      version === undefined
        ? this.#db.prepare('SELECT * FROM achievements WHERE id = ? ORDER BY version DESC LIMIT 1').get(id)
        : this.#db.prepare('SELECT * FROM achievements WHERE id = ? AND version = ?').get(id, version)
    ) as AchievementRow | undefined;
    return row ? toAchievement(row) : null;
  }

  async listAchievements(limit: number, offset: number): Promise<Page<StoredAchievement>> {
    checkPaging(limit, offset);
    return this.#read(() => {
      const rows = this.#db
        .prepare(
          `SELECT a.* FROM achievements a
           JOIN (SELECT id, MAX(version) AS version FROM achievements GROUP BY id) latest
             ON latest.id = a.id AND latest.version = a.version
           ORDER BY a.created_at DESC, a.id ASC
           LIMIT ? OFFSET ?`,
        )
        .all(limit, offset) as AchievementRow[];
      const total = (this.#db.prepare('SELECT COUNT(DISTINCT id) AS n FROM achievements').get() as { n: number }).n;
      return { items: rows.map(toAchievement), total };
    });
  }

  async achievementVersionUsed(id: string, version: number): Promise<boolean> {
    const row = this.#db.prepare('SELECT 1 FROM credentials WHERE achievement_id = ? AND achievement_version = ? LIMIT 1').get(id, version);
    return row !== undefined;
  }

  async updateAchievementVersion(a: StoredAchievement): Promise<void> {
    this.#write(() => {
      const exists = this.#db.prepare('SELECT 1 FROM achievements WHERE id = ? AND version = ?').get(a.id, a.version);
      if (exists === undefined) throw new Error(`achievement ${a.id} version ${a.version} does not exist`);
      const used = this.#db.prepare('SELECT 1 FROM credentials WHERE achievement_id = ? AND achievement_version = ? LIMIT 1').get(a.id, a.version);
      if (used !== undefined) {
        throw new StorageConflictError('duplicate', `achievement ${a.id} version ${a.version} has been used to issue credentials; create a new version`);
      }
      this.#db.prepare('UPDATE achievements SET body = ? WHERE id = ? AND version = ?').run(JSON.stringify(a.body), a.id, a.version);
    });
  }

  // Status lists

  async currentStatusList(size: number, at: string): Promise<StatusList> {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`status list size must be a positive integer, got ${size}`);
    const when = toIsoTimestamp(at, 'at');
    return this.#write(() => {
      const newest = this.#db.prepare('SELECT id, size, created_at FROM status_lists ORDER BY seq DESC LIMIT 1').get() as StatusListRow | undefined;
      if (newest) {
        const used = (this.#db.prepare('SELECT COUNT(*) AS n FROM credentials WHERE status_list_id = ?').get(newest.id) as { n: number }).n;
        if (statusListHasRoom(used, newest.size)) return toStatusList(newest);
      }
      const id = randomUUID();
      this.#db
        .prepare('INSERT INTO status_lists (id, seq, size, created_at) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM status_lists), ?, ?)')
        .run(id, size, when);
      return { id, size, createdAt: when };
    });
  }

  async getStatusList(id: string): Promise<StatusList | null> {
    const row = this.#db.prepare('SELECT id, size, created_at FROM status_lists WHERE id = ?').get(id) as StatusListRow | undefined;
    return row ? toStatusList(row) : null;
  }

  async statusIndexes(listId: string, state: Exclude<CredentialState, 'active'>): Promise<number[]> {
    return this.#db
      .prepare('SELECT status_index FROM credentials WHERE status_list_id = ? AND state = ? ORDER BY status_index')
      .pluck()
      .all(listId, state) as number[];
  }

  async statusListUsage(listId: string): Promise<number> {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM credentials WHERE status_list_id = ?').get(listId) as { n: number }).n;
  }

  // Credentials

  async insertCredential(c: StoredCredential, audit: AuditEvent): Promise<void> {
    const issuedAt = toIsoTimestamp(c.issuedAt, 'credential.issuedAt');
    this.#write(() => {
      const list = this.#db.prepare('SELECT size FROM status_lists WHERE id = ?').get(c.statusListId) as { size: number } | undefined;
      if (!list) throw new Error(`status list ${c.statusListId} does not exist`);
      checkStatusIndex(c.statusIndex, list.size, c.statusListId);
      if (c.idempotencyKey !== null && this.#db.prepare('SELECT 1 FROM credentials WHERE idempotency_key = ?').get(c.idempotencyKey) !== undefined) {
        throw new StorageConflictError('idempotency', 'the idempotency key has already been used');
      }
      this.#db
        .prepare(`INSERT INTO credentials (${CREDENTIAL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(
          c.id,
          c.achievementId,
          c.achievementVersion,
          c.jwt,
          JSON.stringify(c.credential),
          c.statusListId,
          c.statusIndex,
          c.state,
          c.stateReason,
          issuedAt,
          c.idempotencyKey,
          c.requestHash,
        );
      this.#appendAudit(audit);
    });
  }

  async getCredential(id: string): Promise<StoredCredential | null> {
    const row = this.#db.prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE id = ?`).get(id) as CredentialRow | undefined;
    return row ? toCredential(row) : null;
  }

  async findCredentialByIdempotencyKey(key: string): Promise<StoredCredential | null> {
    const row = this.#db.prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE idempotency_key = ?`).get(key) as CredentialRow | undefined;
    return row ? toCredential(row) : null;
  }

  async listCredentials(filter: CredentialFilter): Promise<Page<StoredCredential>> {
    checkPaging(filter.limit, filter.offset);
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.achievementId !== undefined) {
      where.push('achievement_id = ?');
      params.push(filter.achievementId);
    }
    if (filter.state !== undefined) {
      where.push('state = ?');
      params.push(filter.state);
    }
    if (filter.since !== undefined) {
      where.push('issued_at >= ?');
      params.push(toIsoTimestamp(filter.since, 'since'));
    }
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    return this.#read(() => {
      const rows = this.#db
        .prepare(`SELECT ${CREDENTIAL_COLUMNS} FROM credentials ${whereSql} ORDER BY issued_at DESC, id DESC LIMIT ? OFFSET ?`)
        .all(...params, filter.limit, filter.offset) as CredentialRow[];
      const total = (this.#db.prepare(`SELECT COUNT(*) AS n FROM credentials ${whereSql}`).get(...params) as { n: number }).n;
      return { items: rows.map(toCredential), total };
    });
  }

  async countCredentials(): Promise<number> {
    return (this.#db.prepare('SELECT COUNT(*) AS n FROM credentials').get() as { n: number }).n;
  }

  async setCredentialState(id: string, state: CredentialState, reason: string | null, audit: AuditEvent): Promise<StoredCredential | null> {
    return this.#write(() => {
      const row = this.#db
        .prepare(`UPDATE credentials SET state = ?, state_reason = ? WHERE id = ? RETURNING ${CREDENTIAL_COLUMNS}`)
        .get(state, reason, id) as CredentialRow | undefined;
      if (!row) return null;
      this.#appendAudit(audit);
      return toCredential(row);
    });
  }

  // Audit log

  async appendAudit(event: AuditEvent): Promise<void> {
    this.#write(() => this.#appendAudit(event));
  }

  async listAudit(limit: number, offset: number): Promise<Page<AuditEvent>> {
    checkPaging(limit, offset);
    return this.#read(() => {
      const rows = this.#db.prepare('SELECT * FROM audit_log ORDER BY seq ASC LIMIT ? OFFSET ?').all(limit, offset) as AuditRow[];
      const total = (this.#db.prepare('SELECT COUNT(*) AS n FROM audit_log').get() as { n: number }).n;
      return { items: rows.map(toAudit), total };
    });
  }
}
