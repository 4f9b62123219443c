/**
 * The shared store for several stateless servers: PostgreSQL through a `pg.Pool`.
 *
 * - Optional schema: created when missing and set as the only `search_path` entry of every
 *   pooled connection (startup option `-c search_path=…`), so tests and tenants can isolate.
 * - Migrations run under a session advisory lock keyed by the schema, so servers starting at
 *   once apply each migration exactly once.
 * - Transactions are `BEGIN … COMMIT` on one pooled client; errors roll back and are mapped to
 *   StorageConflictError by constraint name (SQLSTATE 23505).
 * - JSON payloads are JSONB (read back parsed, key order not preserved); timestamps are
 *   TIMESTAMPTZ, read back as `toISOString()` strings.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import {
  checkPaging,
  checkStatusIndex,
  likeContains,
  PartCache,
  checkChunkParts,
  storedJwt,
  int32Hash,
  mapPostgresError,
  statusListHasRoom,
  toIsoTimestamp,
  toIsoTimestampOrNull,
} from '../common.js';
import { pendingMigrations } from '../migrations/index.js';
import {
  StorageConflictError,
  type AuditEvent,
  type BatchChunk,
  type BatchCommit,
  type BatchRowState,
  type BatchState,
  type StoredBatch,
  type StoredBatchRow,
  type CredentialFilter,
  type CredentialState,
  type KeyState,
  type NewCredential,
  type OfferExchange,
  type OfferState,
  type Page,
  type PendingBatchRow,
  type StatusList,
  type Storage,
  type StoredAccessToken,
  type StoredAchievement,
  type StoredCredential,
  type StoredKey,
  type StoredOffer,
  type StoredToken,
} from '../types.js';

export interface PostgresStorageOptions {
  /** Schema for all tables (lowercase identifier); created when missing. Default: the server's search_path. */
  schema?: string;
  /** Pool size (default 10). */
  max?: number;
}

type Queryable = Pick<pg.PoolClient, 'query'>;
type Timestamp = Date | string;

interface KeyRow {
  id: string;
  alg: StoredKey['alg'];
  public_jwk: Record<string, unknown>;
  encrypted_private_jwk: string;
  state: KeyState;
  created_at: Timestamp;
  state_changed_at: Timestamp | null;
}
interface TokenRow {
  id: string;
  hash: string;
  scopes: StoredToken['scopes'];
  label: string;
  created_at: Timestamp;
  revoked_at: Timestamp | null;
}
interface AchievementRow {
  id: string;
  version: number;
  body: Record<string, unknown>;
  created_at: Timestamp;
}
interface StatusListRow {
  id: string;
  size: number;
  created_at: Timestamp;
}
interface CredentialRow {
  id: string;
  achievement_id: string;
  achievement_version: number;
  jwt: string;
  status_list_id: string;
  status_index: number;
  state: CredentialState;
  state_reason: string | null;
  issued_at: Timestamp;
  idempotency_key: string | null;
  request_hash: string | null;
  learner: string | null;
}
interface AuditRow {
  seq: string;
  at: Timestamp;
  actor: string;
  action: AuditEvent['action'];
  target: string;
  detail: Record<string, unknown> | null;
}

const iso = (t: Timestamp): string => (t instanceof Date ? t : new Date(t)).toISOString();
const isoOrNull = (t: Timestamp | null): string | null => (t === null ? null : iso(t));

const toKey = (r: KeyRow): StoredKey => ({
  id: r.id,
  alg: r.alg,
  publicJwk: r.public_jwk,
  encryptedPrivateJwk: r.encrypted_private_jwk,
  state: r.state,
  createdAt: iso(r.created_at),
  stateChangedAt: isoOrNull(r.state_changed_at),
});
const toToken = (r: TokenRow): StoredToken => ({
  id: r.id,
  hash: r.hash,
  scopes: r.scopes,
  label: r.label,
  createdAt: iso(r.created_at),
  revokedAt: isoOrNull(r.revoked_at),
});
const toAchievement = (r: AchievementRow): StoredAchievement => ({ id: r.id, version: r.version, body: r.body, createdAt: iso(r.created_at) });
const toStatusList = (r: StatusListRow): StatusList => ({ id: r.id, size: r.size, createdAt: iso(r.created_at) });
const toCredential = (r: CredentialRow, partText: (hash: string) => string): StoredCredential => ({
  id: r.id,
  achievementId: r.achievement_id,
  achievementVersion: r.achievement_version,
  ...storedJwt(r.jwt, partText),
  statusListId: r.status_list_id,
  statusIndex: r.status_index,
  state: r.state,
  stateReason: r.state_reason,
  issuedAt: iso(r.issued_at),
  idempotencyKey: r.idempotency_key,
  requestHash: r.request_hash,
  learner: r.learner,
});
const toAudit = (r: AuditRow): AuditEvent => ({
  seq: Number(r.seq),
  at: iso(r.at),
  actor: r.actor,
  action: r.action,
  target: r.target,
  ...(r.detail === null ? {} : { detail: r.detail }),
});

// OpenID4VCI (issue #6)
interface OfferRow {
  id: string;
  lookup_hash: string;
  code_hash: string;
  tx_code_hash: string | null;
  credential_id: string;
  configuration_id: string;
  state: OfferState;
  attempts: number;
  created_at: Timestamp;
  expires_at: Timestamp;
  created_by: string;
  holder_id: string | null;
  issued_credential_id: string | null;
  redeemed_at: Timestamp | null;
}
interface AccessTokenRow {
  hash: string;
  offer_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
}
const toOffer = (r: OfferRow): StoredOffer => ({
  id: r.id,
  lookupHash: r.lookup_hash,
  codeHash: r.code_hash,
  txCodeHash: r.tx_code_hash,
  credentialId: r.credential_id,
  configurationId: r.configuration_id,
  state: r.state,
  attempts: r.attempts,
  createdAt: iso(r.created_at),
  expiresAt: iso(r.expires_at),
  createdBy: r.created_by,
  holderId: r.holder_id,
  issuedCredentialId: r.issued_credential_id,
  redeemedAt: isoOrNull(r.redeemed_at),
});
const toAccessToken = (r: AccessTokenRow): StoredAccessToken => ({ hash: r.hash, offerId: r.offer_id, createdAt: iso(r.created_at), expiresAt: iso(r.expires_at) });

// The credential JSON is not a column: it is the JWT payload (see credentialFromJwt).
const CREDENTIAL_COLUMNS =
  'id, achievement_id, achievement_version, jwt, status_list_id, status_index, state, state_reason, issued_at, idempotency_key, request_hash, learner';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** First int4 of every advisory lock key of this service ("mcrd"). */
const LOCK_NAMESPACE = 0x6d637264;

/** Rows per INSERT of a new batch's rows. */
const BATCH_INSERT_ROWS = 5000;

/** JSON parameters are always sent as text: pg would turn a JS array into a PostgreSQL array. */
const json = (value: unknown): string => JSON.stringify(value);
const count = (rows: Array<{ n: string | number }>): number => Number(rows[0]?.n ?? 0);

/**
 * Connects to PostgreSQL at `url` (and creates `options.schema` when missing). Call `migrate()`
 * before use.
 */
export async function openPostgresStorage(url: string, options: PostgresStorageOptions = {}): Promise<Storage> {
  const { schema, max } = options;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new RangeError(`schema must be a lowercase SQL identifier ([a-z_][a-z0-9_]*), got ${JSON.stringify(schema)}`);
  }
  const pool = new pg.Pool({
    connectionString: url,
    ...(max === undefined ? {} : { max }),
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client that loses its connection emits 'error' on the pool; without a listener that
  // would crash the process. The pool drops the client and the next query reports the problem.
  pool.on('error', () => {});
  const storage = new PostgresStorage(pool, schema ?? '');
  try {
    await storage.init(schema);
  } catch (error) {
    await pool.end().catch(() => {});
    throw error;
  }
  return storage;
}

class PostgresStorage implements Storage {
  readonly kind = 'postgres' as const;
  readonly #pool: pg.Pool;
  /** Schema name used in advisory lock keys ('' = server default search_path). */
  readonly #lockScope: string;
  #closed = false;

  constructor(pool: pg.Pool, lockScope: string) {
    this.#pool = pool;
    this.#lockScope = lockScope;
  }

  #lockKey(purpose: string): [number, number] {
    return [LOCK_NAMESPACE, int32Hash(`${this.#lockScope}:${purpose}`)];
  }

  /** Checks the connection and creates the schema when missing (under a lock: concurrent CREATE SCHEMA can fail). */
  async init(schema: string | undefined): Promise<void> {
    const client = await this.#pool.connect();
    try {
      if (schema === undefined) {
        await client.query('SELECT 1');
        return;
      }
      const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (exists.rowCount) return;
      await client.query('BEGIN');
      try {
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', this.#lockKey('schema'));
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    } finally {
      client.release();
    }
  }

  /** Runs `fn` in a transaction on one client; rolls back on error and maps constraint errors. */
  async #tx<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error; // do not return a client in an unknown state to the pool
      }
      throw mapPostgresError(error);
    } finally {
      client.release(broken);
    }
  }

  async #query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    try {
      return (await this.#pool.query<R>(sql, params)).rows;
    } catch (error) {
      throw mapPostgresError(error);
    }
  }

  async #appendAudit(client: Queryable, event: AuditEvent): Promise<void> {
    await client.query('INSERT INTO audit_log (at, actor, action, target, detail) VALUES ($1, $2, $3, $4, $5::jsonb)', [
      toIsoTimestamp(event.at, 'audit.at'),
      event.actor,
      event.action,
      event.target,
      event.detail == null ? null : json(event.detail),
    ]);
  }

  async migrate(): Promise<void> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    const key = this.#lockKey('migrate');
    try {
      // Session lock: held across the per-migration transactions below; a second server waits
      // here and then finds nothing pending.
      await client.query('SELECT pg_advisory_lock($1, $2)', key);
      try {
        await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
          version    INTEGER PRIMARY KEY,
          name       TEXT NOT NULL,
          applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )`);
        const applied = await client.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
        for (const m of pendingMigrations(applied.rows)) {
          await client.query('BEGIN');
          try {
            await client.query(m.postgres);
            await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
            await client.query('COMMIT');
          } catch (error) {
            await client.query('ROLLBACK').catch(() => {});
            throw new Error(`schema migration ${m.version} (${m.name}) failed: ${(error as Error).message}`, { cause: error });
          }
        }
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, $2)', key).catch((error: unknown) => {
          broken = error as Error; // closing the connection releases the lock
        });
      }
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }

  async ping(): Promise<void> {
    await this.#query('SELECT 1');
  }

  // Keys

  async insertKey(key: StoredKey): Promise<void> {
    await this.#query(
      'INSERT INTO keys (id, alg, public_jwk, encrypted_private_jwk, state, created_at, state_changed_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)',
      [
        key.id,
        key.alg,
        json(key.publicJwk),
        key.encryptedPrivateJwk,
        key.state,
        toIsoTimestamp(key.createdAt, 'key.createdAt'),
        toIsoTimestampOrNull(key.stateChangedAt, 'key.stateChangedAt'),
      ],
    );
  }

  async listKeys(): Promise<StoredKey[]> {
    return (await this.#query<KeyRow>('SELECT * FROM keys ORDER BY created_at, id')).map(toKey);
  }

  async rotateKey(next: StoredKey, at: string): Promise<void> {
    const when = toIsoTimestamp(at, 'at');
    const createdAt = toIsoTimestamp(next.createdAt, 'next.createdAt');
    await this.#tx(async (c) => {
      // Serialise rotations: a second one waits, then retires the key the first one activated.
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', this.#lockKey('keys'));
      await c.query("UPDATE keys SET state = 'retired', state_changed_at = $1 WHERE state = 'active'", [when]);
      await c.query(
        "INSERT INTO keys (id, alg, public_jwk, encrypted_private_jwk, state, created_at, state_changed_at) VALUES ($1, $2, $3::jsonb, $4, 'active', $5, NULL)",
        [next.id, next.alg, json(next.publicJwk), next.encryptedPrivateJwk, createdAt],
      );
    });
  }

  async setKeyState(id: string, state: KeyState, at: string): Promise<void> {
    await this.#query('UPDATE keys SET state = $1, state_changed_at = $2 WHERE id = $3', [state, toIsoTimestamp(at, 'at'), id]);
  }

  // Tokens

  async insertToken(token: StoredToken): Promise<void> {
    await this.#query('INSERT INTO tokens (id, hash, scopes, label, created_at, revoked_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6)', [
      token.id,
      token.hash,
      json(token.scopes),
      token.label,
      toIsoTimestamp(token.createdAt, 'token.createdAt'),
      toIsoTimestampOrNull(token.revokedAt, 'token.revokedAt'),
    ]);
  }

  async findTokenByHash(hash: string): Promise<StoredToken | null> {
    const [row] = await this.#query<TokenRow>('SELECT * FROM tokens WHERE hash = $1', [hash]);
    return row ? toToken(row) : null;
  }

  async revokeToken(id: string, at: string): Promise<void> {
    // The first revocation time stays.
    await this.#query('UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [toIsoTimestamp(at, 'at'), id]);
  }

  async countTokens(): Promise<number> {
    return count(await this.#query<{ n: string }>('SELECT COUNT(*) AS n FROM tokens'));
  }

  // Achievements

  async insertAchievementVersion(a: StoredAchievement): Promise<void> {
    await this.#query('INSERT INTO achievements (id, version, body, created_at) VALUES ($1, $2, $3::jsonb, $4)', [
      a.id,
      a.version,
      json(a.body),
      toIsoTimestamp(a.createdAt, 'achievement.createdAt'),
    ]);
  }

  async getAchievement(id: string, version?: number): Promise<StoredAchievement | null> {
    const [row] =
      version === undefined
        ? await this.#query<AchievementRow>('SELECT * FROM achievements WHERE id = $1 ORDER BY version DESC LIMIT 1', [id])
        : await this.#query<AchievementRow>('SELECT * FROM achievements WHERE id = $1 AND version = $2', [id, version]);
    return row ? toAchievement(row) : null;
  }

  async listAchievements(limit: number, offset: number): Promise<Page<StoredAchievement>> {
    checkPaging(limit, offset);
    const rows = await this.#query<AchievementRow & { total: string }>(
      `SELECT a.*, COUNT(*) OVER () AS total FROM achievements a
       JOIN (SELECT id, MAX(version) AS version FROM achievements GROUP BY id) latest
         ON latest.id = a.id AND latest.version = a.version
       ORDER BY a.created_at DESC, a.id ASC
       LIMIT $1 OFFSET $2`,
      [limit, offset],
    );
    const total = rows[0] ? Number(rows[0].total) : count(await this.#query<{ n: string }>('SELECT COUNT(DISTINCT id) AS n FROM achievements'));
    return { items: rows.map(toAchievement), total };
  }

  async achievementVersionUsed(id: string, version: number): Promise<boolean> {
    const rows = await this.#query('SELECT 1 FROM credentials WHERE achievement_id = $1 AND achievement_version = $2 LIMIT 1', [id, version]);
    return rows.length > 0;
  }

  async updateAchievementVersion(a: StoredAchievement): Promise<void> {
    await this.#tx(async (c) => {
      // FOR UPDATE conflicts with the FOR KEY SHARE lock a concurrent credential insert takes on
      // this row (foreign key check): either that insert commits first and is seen below, or it
      // waits for this transaction.
      const row = await c.query('SELECT 1 FROM achievements WHERE id = $1 AND version = $2 FOR UPDATE', [a.id, a.version]);
      if (!row.rowCount) throw new Error(`achievement ${a.id} version ${a.version} does not exist`);
      const used = await c.query('SELECT 1 FROM credentials WHERE achievement_id = $1 AND achievement_version = $2 LIMIT 1', [a.id, a.version]);
      if (used.rowCount) {
        throw new StorageConflictError('duplicate', `achievement ${a.id} version ${a.version} has been used to issue credentials; create a new version`);
      }
      await c.query('UPDATE achievements SET body = $1::jsonb WHERE id = $2 AND version = $3', [json(a.body), a.id, a.version]);
    });
  }

  // Status lists

  async #newestListWithRoom(c: Queryable): Promise<StatusList | null> {
    const newest = await c.query<StatusListRow>('SELECT id, size, created_at FROM status_lists ORDER BY seq DESC LIMIT 1');
    const list = newest.rows[0];
    if (!list) return null;
    const used = await c.query<{ n: string }>('SELECT COUNT(*) AS n FROM credentials WHERE status_list_id = $1', [list.id]);
    return statusListHasRoom(count(used.rows), list.size) ? toStatusList(list) : null;
  }

  async currentStatusList(size: number, at: string): Promise<StatusList> {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`status list size must be a positive integer, got ${size}`);
    const when = toIsoTimestamp(at, 'at');
    // Fast path without a lock: the newest list usually has room.
    const current = await this.#newestListWithRoom(this.#pool);
    if (current) return current;
    return this.#tx(async (c) => {
      // Only one server opens a new list; the others wait here and then find it.
      await c.query('SELECT pg_advisory_xact_lock($1, $2)', this.#lockKey('status-list'));
      const again = await this.#newestListWithRoom(c);
      if (again) return again;
      const created = await c.query<StatusListRow>('INSERT INTO status_lists (id, size, created_at) VALUES ($1, $2, $3) RETURNING id, size, created_at', [
        randomUUID(),
        size,
        when,
      ]);
      return toStatusList(created.rows[0] as StatusListRow);
    });
  }

  async getStatusList(id: string): Promise<StatusList | null> {
    const [row] = await this.#query<StatusListRow>('SELECT id, size, created_at FROM status_lists WHERE id = $1', [id]);
    return row ? toStatusList(row) : null;
  }

  async statusIndexes(listId: string, state: Exclude<CredentialState, 'active'>): Promise<number[]> {
    const rows = await this.#query<{ status_index: number }>(
      'SELECT status_index FROM credentials WHERE status_list_id = $1 AND state = $2 ORDER BY status_index',
      [listId, state],
    );
    return rows.map((r) => r.status_index);
  }

  async statusListUsage(listId: string): Promise<number> {
    return count(await this.#query<{ n: string }>('SELECT COUNT(*) AS n FROM credentials WHERE status_list_id = $1', [listId]));
  }

  // Credentials

  async insertCredential(c: NewCredential, audit: AuditEvent): Promise<void> {
    const issuedAt = toIsoTimestamp(c.issuedAt, 'credential.issuedAt');
    toIsoTimestamp(audit.at, 'audit.at');
    await this.#tx(async (client) => {
      const list = await client.query<{ size: number }>('SELECT size FROM status_lists WHERE id = $1', [c.statusListId]);
      const size = list.rows[0]?.size;
      if (size === undefined) throw new Error(`status list ${c.statusListId} does not exist`);
      checkStatusIndex(c.statusIndex, size, c.statusListId);
      if (c.idempotencyKey !== null) {
        // Committed reuse is reported even when the status index collides too; a concurrent
        // reuse is caught by the unique index below.
        const seen = await client.query('SELECT 1 FROM credentials WHERE idempotency_key = $1', [c.idempotencyKey]);
        if (seen.rowCount) throw new StorageConflictError('idempotency', 'the idempotency key has already been used');
      }
      await client.query(
        `INSERT INTO credentials (${CREDENTIAL_COLUMNS}, learner_keys) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
        [
          c.id,
          c.achievementId,
          c.achievementVersion,
          c.jwt,
          c.statusListId,
          c.statusIndex,
          c.state,
          c.stateReason,
          issuedAt,
          c.idempotencyKey,
          c.requestHash,
          c.learner ?? null,
          c.learnerKeys || null,
        ],
      );
      await this.#appendAudit(client, audit);
    });
  }

  async getCredential(id: string): Promise<StoredCredential | null> {
    const [row] = await this.#query<CredentialRow>(`SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE id = $1`, [id]);
    return row ? (await this.#credentials([row]))[0]! : null;
  }

  async credentialLearnerKeys(id: string): Promise<string | null> {
    const [row] = await this.#query<{ learner_keys: string | null }>('SELECT learner_keys FROM credentials WHERE id = $1', [id]);
    return row?.learner_keys ?? null;
  }

  async findCredentialByIdempotencyKey(key: string): Promise<StoredCredential | null> {
    const [row] = await this.#query<CredentialRow>(`SELECT ${CREDENTIAL_COLUMNS} FROM credentials WHERE idempotency_key = $1`, [key]);
    return row ? (await this.#credentials([row]))[0]! : null;
  }

  async listCredentials(filter: CredentialFilter): Promise<Page<StoredCredential>> {
    checkPaging(filter.limit, filter.offset);
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.achievementId !== undefined) {
      params.push(filter.achievementId);
      where.push(`achievement_id = $${params.length}`);
    }
    if (filter.state !== undefined) {
      params.push(filter.state);
      where.push(`state = $${params.length}`);
    }
    if (filter.since !== undefined) {
      params.push(toIsoTimestamp(filter.since, 'since'));
      where.push(`issued_at >= $${params.length}`);
    }
    if (filter.learner !== undefined) {
      // The text's own % and _ match only themselves.
      params.push(likeContains(filter.learner.text), likeContains(filter.learner.key));
      where.push(`(learner ILIKE $${params.length - 1} ESCAPE '\\' OR learner_keys LIKE $${params.length} ESCAPE '\\')`);
    }
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
    const rows = await this.#query<CredentialRow & { total: string }>(
      `SELECT ${CREDENTIAL_COLUMNS}, COUNT(*) OVER () AS total FROM credentials ${whereSql}
       ORDER BY issued_at DESC, id DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, filter.limit, filter.offset],
    );
    // Past the last page there is no row to carry the window count.
    const total = rows[0] ? Number(rows[0].total) : count(await this.#query<{ n: string }>(`SELECT COUNT(*) AS n FROM credentials ${whereSql}`, params));
    return { items: await this.#credentials(rows), total };
  }

  readonly #parts = new PartCache();

  /** Rows to credentials, first reading the shared parts of packed rows that are not cached. */
  async #credentials(rows: CredentialRow[], client?: pg.PoolClient): Promise<StoredCredential[]> {
    const missing = this.#parts.missing(rows.map((r) => r.jwt));
    if (missing.length) {
      const sql = 'SELECT hash, text FROM credential_parts WHERE hash = ANY($1::text[])';
      const found = client ? (await client.query<{ hash: string; text: string }>(sql, [missing])).rows : await this.#query<{ hash: string; text: string }>(sql, [missing]);
      for (const p of found) this.#parts.add(p.hash, p.text);
    }
    return rows.map((r) => toCredential(r, this.#parts.lookup));
  }

  async countCredentials(): Promise<number> {
    return count(await this.#query<{ n: string }>('SELECT COUNT(*) AS n FROM credentials'));
  }

  async setCredentialState(id: string, state: CredentialState, reason: string | null, audit: AuditEvent): Promise<StoredCredential | null> {
    toIsoTimestamp(audit.at, 'audit.at');
    return this.#tx(async (c) => {
      const updated = await c.query<CredentialRow>(
        `UPDATE credentials SET state = $1, state_reason = $2 WHERE id = $3 RETURNING ${CREDENTIAL_COLUMNS}`,
        [state, reason, id],
      );
      const row = updated.rows[0];
      if (!row) return null;
      await this.#appendAudit(c, audit);
      return (await this.#credentials([row], c))[0]!;
    });
  }

  // Audit log

  async appendAudit(event: AuditEvent): Promise<void> {
    try {
      await this.#appendAudit(this.#pool, event);
    } catch (error) {
      throw mapPostgresError(error);
    }
  }

  async listAudit(limit: number, offset: number): Promise<Page<AuditEvent>> {
    checkPaging(limit, offset);
    const rows = await this.#query<AuditRow & { total: string }>(
      'SELECT seq, at, actor, action, target, detail, COUNT(*) OVER () AS total FROM audit_log ORDER BY seq ASC LIMIT $1 OFFSET $2',
      [limit, offset],
    );
    const total = rows[0] ? Number(rows[0].total) : count(await this.#query<{ n: string }>('SELECT COUNT(*) AS n FROM audit_log'));
    return { items: rows.map(toAudit), total };
  }

  // OpenID4VCI (issue #6). Several servers share the database: each state change is one
  // transaction that locks the offer row (SELECT … FOR UPDATE) and moves it with a conditional
  // UPDATE, so a second server waits and then sees the new state.

  async insertOffer(offer: StoredOffer, audit: AuditEvent): Promise<void> {
    const createdAt = toIsoTimestamp(offer.createdAt, 'offer.createdAt');
    const expiresAt = toIsoTimestamp(offer.expiresAt, 'offer.expiresAt');
    const redeemedAt = toIsoTimestampOrNull(offer.redeemedAt, 'offer.redeemedAt');
    toIsoTimestamp(audit.at, 'audit.at');
    await this.#tx(async (c) => {
      await c.query(
        `INSERT INTO oid4vci_offers (id, lookup_hash, code_hash, tx_code_hash, credential_id, configuration_id, state, attempts, created_at, expires_at, created_by, holder_id, issued_credential_id, redeemed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
        [offer.id, offer.lookupHash, offer.codeHash, offer.txCodeHash, offer.credentialId, offer.configurationId, offer.state, offer.attempts, createdAt, expiresAt, offer.createdBy, offer.holderId, offer.issuedCredentialId, redeemedAt],
      );
      await this.#appendAudit(c, audit);
    });
  }

  async getOffer(id: string): Promise<StoredOffer | null> {
    const [row] = await this.#query<OfferRow>('SELECT * FROM oid4vci_offers WHERE id = $1', [id]);
    return row ? toOffer(row) : null;
  }

  async findOfferByLookupHash(lookupHash: string): Promise<StoredOffer | null> {
    const [row] = await this.#query<OfferRow>('SELECT * FROM oid4vci_offers WHERE lookup_hash = $1', [lookupHash]);
    return row ? toOffer(row) : null;
  }

  async exchangeOfferCode(input: { codeHash: string; txCodeHash: string | null; now: string; maxAttempts: number; token: Omit<StoredAccessToken, 'offerId'> }): Promise<OfferExchange> {
    const now = toIsoTimestamp(input.now, 'now');
    const tokenCreated = toIsoTimestamp(input.token.createdAt, 'token.createdAt');
    const tokenExpires = toIsoTimestamp(input.token.expiresAt, 'token.expiresAt');
    return this.#tx(async (c): Promise<OfferExchange> => {
      const found = await c.query<OfferRow>('SELECT * FROM oid4vci_offers WHERE code_hash = $1 FOR UPDATE', [input.codeHash]);
      const row = found.rows[0];
      if (!row) return { kind: 'unknown' };
      if (row.state === 'failed') return { kind: 'locked' };
      if (row.state !== 'pending') return { kind: 'used' };
      if (iso(row.expires_at) <= now) return { kind: 'expired' };
      if (row.tx_code_hash === null && input.txCodeHash !== null) return { kind: 'tx-code-unexpected' };
      if (row.tx_code_hash !== null && input.txCodeHash === null) return { kind: 'tx-code-missing' };
      if (row.tx_code_hash !== null && row.tx_code_hash !== input.txCodeHash) {
        const attempts = row.attempts + 1;
        const state: OfferState = attempts >= input.maxAttempts ? 'failed' : 'pending';
        await c.query('UPDATE oid4vci_offers SET attempts = $1, state = $2 WHERE id = $3', [attempts, state, row.id]);
        return { kind: 'tx-code-wrong', attemptsLeft: Math.max(0, input.maxAttempts - attempts) };
      }
      const updated = await c.query<OfferRow>("UPDATE oid4vci_offers SET state = 'token-issued' WHERE id = $1 AND state = 'pending' RETURNING *", [row.id]);
      const offer = updated.rows[0];
      if (!offer) return { kind: 'used' };
      await c.query('INSERT INTO oid4vci_access_tokens (hash, offer_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [input.token.hash, row.id, tokenCreated, tokenExpires]);
      return { kind: 'ok', offer: toOffer(offer) };
    });
  }

  async findAccessToken(hash: string): Promise<StoredAccessToken | null> {
    const [row] = await this.#query<AccessTokenRow>('SELECT * FROM oid4vci_access_tokens WHERE hash = $1', [hash]);
    return row ? toAccessToken(row) : null;
  }

  async claimOffer(id: string, at: string): Promise<StoredOffer | null> {
    const [row] = await this.#query<OfferRow>("UPDATE oid4vci_offers SET state = 'redeemed', redeemed_at = $1 WHERE id = $2 AND state = 'token-issued' RETURNING *", [toIsoTimestamp(at, 'at'), id]);
    return row ? toOffer(row) : null;
  }

  async finishOffer(id: string, result: { holderId: string; issuedCredentialId: string; audit: AuditEvent } | null): Promise<void> {
    if (result === null) {
      await this.#query("UPDATE oid4vci_offers SET state = 'token-issued', redeemed_at = NULL WHERE id = $1 AND state = 'redeemed' AND issued_credential_id IS NULL", [id]);
      return;
    }
    toIsoTimestamp(result.audit.at, 'audit.at');
    await this.#tx(async (c) => {
      const changed = await c.query(
        "UPDATE oid4vci_offers SET holder_id = $1, issued_credential_id = $2 WHERE id = $3 AND state = 'redeemed' AND issued_credential_id IS NULL",
        [result.holderId, result.issuedCredentialId, id],
      );
      if (changed.rowCount !== 1) throw new Error(`offer ${id} is not claimed, or already finished`);
      await this.#appendAudit(c, result.audit);
    });
  }

  async insertNonce(hash: string, createdAt: string, expiresAt: string): Promise<void> {
    await this.#query('INSERT INTO oid4vci_nonces (hash, created_at, expires_at, used_at) VALUES ($1, $2, $3, NULL)', [hash, toIsoTimestamp(createdAt, 'createdAt'), toIsoTimestamp(expiresAt, 'expiresAt')]);
  }

  async consumeNonce(hash: string, now: string): Promise<boolean> {
    const when = toIsoTimestamp(now, 'now');
    const rows = await this.#query('UPDATE oid4vci_nonces SET used_at = $1 WHERE hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING hash', [when, hash]);
    return rows.length === 1;
  }

  async purgeExpiredOid4vci(now: string): Promise<number> {
    const when = toIsoTimestamp(now, 'now');
    return this.#tx(async (c) => {
      const nonces = await c.query('DELETE FROM oid4vci_nonces WHERE expires_at < $1', [when]);
      const tokens = await c.query('DELETE FROM oid4vci_access_tokens WHERE expires_at < $1', [when]);
      return (nonces.rowCount ?? 0) + (tokens.rowCount ?? 0);
    });
  }

  // Cohort batch jobs: bulk statements (unnest), so a chunk costs a few round trips, not one per row.

  async insertBatch(batch: Omit<StoredBatch, 'counts'>, rows: StoredBatchRow[], audit: AuditEvent): Promise<void> {
    const createdAt = toIsoTimestamp(batch.createdAt, 'batch.createdAt');
    await this.#tx(async (c) => {
      await c.query('INSERT INTO batches (id, achievement_id, achievement_version, state, source, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [batch.id, batch.achievementId, batch.achievementVersion, batch.state, batch.source, batch.createdBy, createdAt]);
      // Each part goes as ONE JSON document that the server takes apart (jsonb_to_recordset):
      // a text[] of JSON bodies would have pg quote and escape every body into an array literal
      // on this thread, and the server unescape it again.
      for (let i = 0; i < rows.length; i += BATCH_INSERT_ROWS) {
        const part = rows.slice(i, i + BATCH_INSERT_ROWS).map((r) => ({ line: r.line, learner: r.learner, body: r.body, key: r.idempotencyKey, state: r.state, cred: r.credentialId, problems: r.problems }));
        await c.query(
          `INSERT INTO batch_rows (batch_id, line, learner, body, idempotency_key, state, credential_id, problems)
           SELECT $1, t.line, t.learner, t.body, t.key, t.state, t.cred, t.problems
           FROM jsonb_to_recordset($2::jsonb) AS t(line int, learner text, body jsonb, key text, state text, cred text, problems jsonb)`,
          [batch.id, json(part)],
        );
      }
      await this.#appendAudit(c, audit);
    });
  }

  async #batchCounts(q: Queryable, id: string): Promise<Record<BatchRowState, number>> {
    const counts: Record<BatchRowState, number> = { pending: 0, invalid: 0, issued: 0 };
    for (const r of (await q.query<{ state: BatchRowState; n: string }>('SELECT state, COUNT(*) AS n FROM batch_rows WHERE batch_id = $1 GROUP BY state', [id])).rows) counts[r.state] = Number(r.n);
    return counts;
  }

  async #toBatch(q: Queryable, r: BatchRecord): Promise<StoredBatch> {
    return { id: r.id, achievementId: r.achievement_id, achievementVersion: r.achievement_version, state: r.state, source: r.source, createdBy: r.created_by, createdAt: iso(r.created_at), counts: await this.#batchCounts(q, r.id) };
  }

  async getBatch(id: string): Promise<StoredBatch | null> {
    const [row] = await this.#query<BatchRecord>('SELECT * FROM batches WHERE id = $1', [id]);
    return row ? this.#toBatch(this.#pool, row) : null;
  }

  async listBatches(limit: number, offset: number): Promise<Page<StoredBatch>> {
    const total = count(await this.#query<{ n: string }>('SELECT COUNT(*) AS n FROM batches'));
    const rows = await this.#query<BatchRecord>('SELECT * FROM batches ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2', [limit, offset]);
    return { items: await Promise.all(rows.map((r) => this.#toBatch(this.#pool, r))), total };
  }

  async setBatchState(id: string, state: BatchState): Promise<void> {
    await this.#query('UPDATE batches SET state = $1 WHERE id = $2', [state, id]);
  }

  async listBatchRows(id: string, filter: { state?: BatchRowState; limit: number; offset: number }): Promise<Page<StoredBatchRow>> {
    const where = filter.state ? 'batch_id = $1 AND state = $2' : 'batch_id = $1';
    const args: unknown[] = filter.state ? [id, filter.state] : [id];
    const total = count(await this.#query<{ n: string }>(`SELECT COUNT(*) AS n FROM batch_rows WHERE ${where}`, args));
    const rows = await this.#query<BatchRowRecord>(`SELECT * FROM batch_rows WHERE ${where} ORDER BY line LIMIT $${args.length + 1} OFFSET $${args.length + 2}`, [...args, filter.limit, filter.offset]);
    return { items: rows.map(toBatchRow), total };
  }

  async pendingBatchRows(id: string, limit: number, afterLine = 0): Promise<PendingBatchRow[]> {
    // The body as text: the worker that signs the row parses it, not this thread.
    return this.#query<PendingBatchRow>(
      `SELECT line, idempotency_key AS "idempotencyKey", body::text AS "bodyJson" FROM batch_rows WHERE batch_id = $1 AND state = 'pending' AND line > $3 ORDER BY line LIMIT $2`,
      [id, limit, afterLine],
    );
  }

  async usedStatusIndexes(listId: string): Promise<number[]> {
    return (await this.#query<{ i: number }>('SELECT status_index AS i FROM credentials WHERE status_list_id = $1', [listId])).map((r) => r.i);
  }

  async commitBatchCredentials(batchId: string, chunk: BatchChunk, actor: string): Promise<BatchCommit[]> {
    const rows = chunk.credentials;
    if (rows.length === 0) return [];
    const issuedAt = toIsoTimestamp(chunk.issuedAt, 'chunk.issuedAt');
    const ids = rows.map((r) => r.id);
    const keys = rows.map((r) => r.idempotencyKey);
    const indexes = rows.map((r) => r.statusIndex);
    checkChunkParts(rows, chunk.parts);
    return this.#tx(async (c) => {
      const list = await c.query<{ size: number }>('SELECT size FROM status_lists WHERE id = $1', [chunk.statusListId]);
      const size = list.rows[0]?.size;
      if (size === undefined) throw new Error(`status list ${chunk.statusListId} does not exist`);
      for (const i of indexes) checkStatusIndex(i, size, chunk.statusListId);
      if (chunk.parts?.length) {
        await c.query('INSERT INTO credential_parts (hash, text) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING', [chunk.parts.map((p) => p.hash), chunk.parts.map((p) => p.text)]);
      }
      // What the rows share is sent once. The JWTs (the bulk of the bytes) go as ONE text
      // parameter, split by the server: as elements of a text[] parameter, pg would quote and
      // escape each into an array literal, and as one parameter each it grows its message buffer
      // step by step, copying it again at every step. A compact JWS has no line break, nor has
      // the packed form (JSON.stringify escapes every line break in a string).
      const jwts = rows.map((r) => r.jwt);
      if (jwts.some((j) => j.includes('\n'))) throw new RangeError('a batch credential JWT contains a line break: neither a compact JWS nor its packed form');
      const inserted = (
        await c.query<{ id: string }>(
          `INSERT INTO credentials (${CREDENTIAL_COLUMNS}, learner_keys)
           SELECT t.id, $1::text, $2::int, t.jwt, $3::text, t.idx, 'active', NULL, $4::timestamptz, t.key, NULL, t.learner, t.learner_keys
           FROM unnest($5::text[], $6::int[], $7::text[], string_to_array($8::text, E'\\n'), $9::text[], $10::text[]) AS t(id, idx, key, jwt, learner, learner_keys)
           ON CONFLICT DO NOTHING RETURNING id`,
          [chunk.achievementId, chunk.achievementVersion, chunk.statusListId, issuedAt, ids, indexes, keys, jwts.join('\n'), rows.map((r) => r.learner ?? null), rows.map((r) => r.learnerKeys || null)],
        )
      ).rows.map((r) => r.id);
      const done = new Set(inserted);
      // Rows not inserted: their learner already has a credential (existing), or the status slot was taken (retry).
      const missed = done.size === rows.length ? [] : keys.filter((_, i) => !done.has(ids[i]!));
      const prior = new Map(
        missed.length ? (await c.query<{ k: string; id: string }>('SELECT idempotency_key AS k, id FROM credentials WHERE idempotency_key = ANY($1::text[])', [missed])).rows.map((r) => [r.k, r.id]) : [],
      );
      const out: BatchCommit[] = rows.map((r) =>
        done.has(r.id) ? { line: r.line, outcome: 'issued', credentialId: r.id } : prior.has(r.idempotencyKey) ? { line: r.line, outcome: 'existing', credentialId: prior.get(r.idempotencyKey)! } : { line: r.line, outcome: 'retry', credentialId: null },
      );
      const marked = out.filter((o) => o.outcome !== 'retry');
      if (marked.length) {
        await c.query("UPDATE batch_rows AS r SET state = 'issued', credential_id = t.cred FROM unnest($2::int[], $3::text[]) AS t(line, cred) WHERE r.batch_id = $1 AND r.line = t.line", [
          batchId,
          marked.map((o) => o.line),
          marked.map((o) => o.credentialId),
        ]);
      }
      const fresh = done.size === rows.length ? rows : rows.filter((r) => done.has(r.id));
      if (fresh.length) {
        // The detail JSON is built by the server: only the line differs from row to row.
        await c.query(
          `INSERT INTO audit_log (at, actor, action, target, detail)
           SELECT $1, $2, 'credential.issued', t.target, jsonb_build_object('achievementId', $3::text, 'version', $4::int, 'batchId', $5::text, 'line', t.line)
           FROM unnest($6::text[], $7::int[]) AS t(target, line)`,
          [issuedAt, actor, chunk.achievementId, chunk.achievementVersion, batchId, fresh.map((r) => r.id), fresh.map((r) => r.line)],
        );
      }
      return out;
    });
  }
}

interface BatchRecord {
  id: string;
  achievement_id: string;
  achievement_version: number;
  state: BatchState;
  source: string;
  created_by: string;
  created_at: Timestamp;
}

interface BatchRowRecord {
  batch_id: string;
  line: number;
  learner: string;
  body: Record<string, unknown>;
  idempotency_key: string;
  state: BatchRowState;
  credential_id: string | null;
  problems: StoredBatchRow['problems'];
}

function toBatchRow(r: BatchRowRecord): StoredBatchRow {
  return { batchId: r.batch_id, line: r.line, learner: r.learner, body: r.body, idempotencyKey: r.idempotency_key, state: r.state, credentialId: r.credential_id, problems: r.problems };
}
