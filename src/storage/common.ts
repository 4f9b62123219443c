/**
 * Helpers shared by the SQLite and PostgreSQL stores: timestamp normalisation, argument checks,
 * the status-list fill rule, the credential JSON of a stored JWT and the mapping of
 * unique-constraint names to conflict kinds.
 */
import { LRUCache } from 'lru-cache';
import { StorageConflictError } from './types.js';
import { isPackedJwt, packedPartHash, partHash, unpackJwt } from './packed-jwt.js';

/**
 * A status list takes new credentials while fewer than this share of its entries are used.
 * Issuers pick indexes at random, so the list must keep plenty of free room: at 50 % a random
 * pick still succeeds with probability 1/2 per attempt.
 */
export const STATUS_LIST_FILL_LIMIT = 0.5;

/** Whether a list with `used` taken entries out of `size` still takes new credentials. */
export function statusListHasRoom(used: number, size: number): boolean {
  return used < size * STATUS_LIST_FILL_LIMIT;
}

// A date, or a date-time with seconds optional and a mandatory offset (no local-time ambiguity).
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|[+-](\d{2}):?(\d{2})))?$/;

/** Calendar and clock fields in range (Date.parse rolls 2025-02-30 over to March 2). */
function fieldsInRange(m: RegExpExecArray): boolean {
  const [year, month, day, hour = 0, minute = 0, second = 0, offH = 0, offM = 0] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v)));
  if (year === undefined || month === undefined || day === undefined) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offH <= 23 && offM <= 59;
}

/**
 * The canonical form of a timestamp as stored: UTC, millisecond precision
 * (`2025-01-31T12:00:00.000Z`). In SQLite timestamps are TEXT in this form, so they sort and
 * compare correctly as strings; in PostgreSQL they are TIMESTAMPTZ and read back in this form.
 * Both stores therefore return the same string for the same instant. A date-time without an
 * offset is refused (it would be read in the server's local time zone).
 */
export function toIsoTimestamp(value: string, field: string): string {
  const m = typeof value === 'string' ? ISO_TIMESTAMP.exec(value) : null;
  const ms = m && fieldsInRange(m) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new RangeError(`${field}: expected an ISO 8601 date-time with an offset, got ${JSON.stringify(value)}`);
  }
  return new Date(ms).toISOString();
}

export function toIsoTimestampOrNull(value: string | null | undefined, field: string): string | null {
  return value === null || value === undefined ? null : toIsoTimestamp(value, field);
}

/**
 * The credential JSON of a stored VC-JWT: its payload without the RFC 7519 registered claims
 * that the VC-JWT adds around the credential. The stores keep only the JWT (the signed
 * artefact; the JSON next to it added half as many bytes again) and call this on every read.
 */
export function credentialFromJwt(jwt: string): Record<string, unknown> {
  const first = jwt.indexOf('.');
  const second = first < 0 ? -1 : jwt.indexOf('.', first + 1);
  if (second < 0) throw new Error('a stored credential is not a compact JWS');
  return credentialFromPayload(Buffer.from(jwt.slice(first + 1, second), 'base64url').toString('utf8'));
}

function credentialFromPayload(text: string): Record<string, unknown> {
  const payload: unknown = JSON.parse(text);
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) throw new Error('a stored credential JWT has no JSON object payload');
  return withoutJwtClaims(payload as Record<string, unknown>);
}

/**
 * The JWT and credential JSON of a stored `jwt` column: a compact JWS, or the packed form of a
 * batch credential (src/storage/packed-jwt.ts), whose shared part `partText` looks up.
 */
export function storedJwt(stored: string, partText: (hash: string) => string): { jwt: string; credential: Record<string, unknown> } {
  if (!isPackedJwt(stored)) return { jwt: stored, credential: credentialFromJwt(stored) };
  const { jwt, payloadText } = unpackJwt(stored, partText(packedPartHash(stored)));
  return { jwt, credential: credentialFromPayload(payloadText) };
}

/**
 * A chunk's packed credentials must bring their part (the stores never write a credential they
 * could not read back). Checked before anything is written.
 */
export function checkChunkParts(credentials: ReadonlyArray<{ jwt: string }>, parts: ReadonlyArray<{ hash: string; text: string }> | undefined): void {
  const given = new Set<string>();
  for (const p of parts ?? []) {
    if (partHash(p.text) !== p.hash) throw new RangeError(`credential part ${p.hash} does not match its hash`);
    given.add(p.hash);
  }
  for (const c of credentials) {
    if (isPackedJwt(c.jwt) && !given.has(packedPartHash(c.jwt))) throw new RangeError('a packed credential names a part the chunk does not carry');
  }
}

/**
 * Shared parts by hash, as a store reads them: a part never changes once stored (its key is its
 * hash), so a bounded cache in front of the table is always current.
 */
export class PartCache {
  readonly #parts = new LRUCache<string, string>({ max: 64 });

  /** The part, read with `load` (and checked) when it is not cached. */
  resolve(hash: string, load: (hash: string) => string | undefined): string {
    const cached = this.#parts.get(hash);
    if (cached !== undefined) return cached;
    const text = load(hash);
    if (text === undefined) throw new Error(`stored credential part ${hash} is missing`);
    this.add(hash, text);
    return text;
  }

  /** Remember a part read from the table, after checking it is the text its hash names. */
  add(hash: string, text: string): void {
    if (partHash(text) !== hash) throw new Error(`stored credential part ${hash} does not match its hash`);
    this.#parts.set(hash, text);
  }

  /** The hashes among `stored` columns whose part is not cached. */
  missing(stored: readonly string[]): string[] {
    const out = new Set<string>();
    for (const s of stored) if (isPackedJwt(s)) {
      const h = packedPartHash(s);
      if (!this.#parts.has(h)) out.add(h);
    }
    return [...out];
  }

  lookup = (hash: string): string => {
    const text = this.#parts.get(hash);
    if (text === undefined) throw new Error(`stored credential part ${hash} is missing`);
    return text;
  };
}

/** A JWT payload without its registered claims. (A rest copy: a `__proto__` key stays a plain property.) */
export function withoutJwtClaims(payload: Record<string, unknown>): Record<string, unknown> {
  const { iss: _iss, sub: _sub, aud: _aud, exp: _exp, nbf: _nbf, iat: _iat, jti: _jti, ...credential } = payload;
  return credential;
}

/** A LIKE pattern (escape character `\`) for values that contain `text`, its own `%` and `_` taken literally. */
export function likeContains(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Paging arguments: non-negative integers. */
export function checkPaging(limit: number, offset: number): void {
  if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`limit must be a non-negative integer, got ${limit}`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`offset must be a non-negative integer, got ${offset}`);
}

export function checkStatusIndex(index: number, size: number, listId: string): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= size) {
    throw new RangeError(`status index ${index} is outside status list ${listId} (size ${size})`);
  }
}

/**
 * Unique constraints and what a violation means to the caller. The PostgreSQL schema names every
 * constraint (error field `constraint`); SQLite reports the columns instead
 * (`UNIQUE constraint failed: credentials.status_list_id, credentials.status_index`).
 */
interface UniqueConstraint {
  pgName: string;
  sqliteColumns: string;
  kind: StorageConflictError['kind'];
  message: string;
}

const UNIQUE_CONSTRAINTS: readonly UniqueConstraint[] = [
  {
    pgName: 'credentials_status_slot_key',
    sqliteColumns: 'credentials.status_list_id, credentials.status_index',
    kind: 'status-index',
    message: 'the status list index is already taken',
  },
  {
    pgName: 'credentials_idempotency_key_key',
    sqliteColumns: 'credentials.idempotency_key',
    kind: 'idempotency',
    message: 'the idempotency key has already been used',
  },
  { pgName: 'credentials_pkey', sqliteColumns: 'credentials.id', kind: 'duplicate', message: 'a credential with this id exists' },
  { pgName: 'keys_pkey', sqliteColumns: 'keys.id', kind: 'duplicate', message: 'a key with this id exists' },
  { pgName: 'keys_single_active', sqliteColumns: 'keys.state', kind: 'duplicate', message: 'another key is already active (use rotateKey)' },
  { pgName: 'tokens_pkey', sqliteColumns: 'tokens.id', kind: 'duplicate', message: 'a token with this id exists' },
  { pgName: 'tokens_hash_key', sqliteColumns: 'tokens.hash', kind: 'duplicate', message: 'a token with this hash exists' },
  {
    pgName: 'achievements_pkey',
    sqliteColumns: 'achievements.id, achievements.version',
    kind: 'duplicate',
    message: 'this achievement version exists (versions are immutable)',
  },
  { pgName: 'status_lists_pkey', sqliteColumns: 'status_lists.id', kind: 'duplicate', message: 'a status list with this id exists' },
];

function conflict(c: UniqueConstraint, cause: unknown): StorageConflictError {
  const error = new StorageConflictError(c.kind, c.message);
  (error as Error & { cause?: unknown }).cause = cause;
  return error;
}

/** A PostgreSQL unique violation (SQLSTATE 23505) as a StorageConflictError; other errors unchanged. */
export function mapPostgresError(error: unknown): unknown {
  const e = error as { code?: unknown; constraint?: unknown } | null;
  if (e && e.code === '23505') {
    const c = UNIQUE_CONSTRAINTS.find((u) => u.pgName === e.constraint);
    return conflict(c ?? { pgName: '', sqliteColumns: '', kind: 'duplicate', message: `unique constraint ${String(e.constraint)} violated` }, error);
  }
  if (e && e.code === '23503') {
    return withCause(new Error(`the row references a missing row (constraint ${String(e.constraint)})`), error);
  }
  return error;
}

/** A SQLite unique violation as a StorageConflictError; other errors unchanged. */
export function mapSqliteError(error: unknown): unknown {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (e && (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') && typeof e.message === 'string') {
    const columns = e.message.replace(/^UNIQUE constraint failed:\s*/, '').trim();
    const c = UNIQUE_CONSTRAINTS.find((u) => u.sqliteColumns === columns);
    return conflict(c ?? { pgName: '', sqliteColumns: '', kind: 'duplicate', message: e.message }, error);
  }
  if (e && e.code === 'SQLITE_CONSTRAINT_FOREIGNKEY') {
    return withCause(new Error('the row references a missing row (foreign key constraint failed)'), error);
  }
  return error;
}

function withCause(error: Error, cause: unknown): Error {
  (error as Error & { cause?: unknown }).cause = cause;
  return error;
}

/** 32-bit FNV-1a hash as a signed int4, for PostgreSQL advisory lock keys. */
export function int32Hash(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
