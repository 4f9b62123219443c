/**
 * The storage contract (src/storage/types.ts), as ONE shared suite run against every
 * implementation:
 *
 * - SQLite on real files in a temporary directory;
 * - PostgreSQL at TEST_DATABASE_URL or MICROCRED_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test),
 *   each test in its own random schema (`mc_test_<run>_<n>`), all dropped in afterAll. In CI
 *   (`CI=true`) PostgreSQL is required: an unreachable server fails this file. Elsewhere the
 *   PostgreSQL suite is skipped with a warning.
 *
 * Every test gets an empty, migrated database, so tests never see each other's rows.
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { PG_URL, requirePostgres } from './helpers/net.js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  MIGRATIONS,
  STATUS_LIST_FILL_LIMIT,
  StorageConflictError,
  openPostgresStorage,
  openSqliteStorage,
  openStorage,
  parseDatabaseUrl,
  type AuditEvent,
  type BatchCredential,
  type StatusList,
  type Storage,
  type StoredAchievement,
  type StoredBatchRow,
  type StoredCredential,
  type StoredKey,
  type StoredOffer,
  type StoredToken,
} from '../src/storage/index.js';
import { packJwt, partHash } from '../src/storage/packed-jwt.js';

const RUN_ID = randomBytes(4).toString('hex');
const LIST_SIZE = 131072;

// ---------------------------------------------------------------------------------------------
// Backends

/** A database of its own (a SQLite file, a PostgreSQL schema) that storages can be opened on. */
interface TestDatabase {
  /** Opens a storage on this database, as another process or server would (not migrated). */
  open(): Promise<Storage>;
  /** The rows of schema_migrations, read behind the store's back. */
  migrationRows(): Promise<Array<{ version: number; name: string }>>;
  /** Runs one SQL statement behind the store's back. */
  exec(sql: string): Promise<void>;
}

interface Backend {
  kind: Storage['kind'];
  createDatabase(): Promise<TestDatabase>;
  dispose(): Promise<void>;
}

function sqliteBackend(): Backend {
  const dir = mkdtempSync(path.join(tmpdir(), 'microcred-storage-'));
  let n = 0;
  return {
    kind: 'sqlite',
    async createDatabase() {
      // A parent directory that does not exist yet: the store creates it.
      const file = path.join(dir, `db-${++n}`, 'nested', 'microcred.sqlite');
      const raw = <T>(fn: (db: Database.Database) => T): T => {
        const db = new Database(file, { timeout: 5000 });
        try {
          return fn(db);
        } finally {
          db.close();
        }
      };
      return {
        open: () => openSqliteStorage(file),
        migrationRows: async () =>
          raw((db) => db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as Array<{ version: number; name: string }>),
        exec: async (sql) => {
          raw((db) => db.exec(sql));
        },
      };
    },
    async dispose() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(): Backend {
  const admin = new pg.Pool({ connectionString: PG_URL, max: 2 });
  admin.on('error', () => {});
  const schemas: string[] = [];
  return {
    kind: 'postgres',
    async createDatabase() {
      const schema = `mc_test_${RUN_ID}_${schemas.length + 1}`;
      schemas.push(schema);
      const inSchema = async <T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> => {
        const c = await admin.connect();
        try {
          await c.query(`SET search_path TO ${schema}`);
          return await fn(c);
        } finally {
          await c.query('RESET search_path').catch(() => {});
          c.release();
        }
      };
      return {
        open: () => openPostgresStorage(PG_URL, { schema, max: 10 }),
        migrationRows: () =>
          inSchema(async (c) => (await c.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version')).rows),
        exec: (sql) =>
          inSchema(async (c) => {
            await c.query(sql);
          }),
      };
    },
    async dispose() {
      for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.end();
    },
  };
}

const hasPostgres = await requirePostgres('the storage contract');

// ---------------------------------------------------------------------------------------------
// Test data (plain objects; no crypto needed)

const T0 = Date.parse('2025-03-01T08:00:00.000Z');
/** An ISO timestamp `minutes` after T0. */
const at = (minutes: number): string => new Date(T0 + minutes * 60_000).toISOString();

function makeKey(id: string, state: StoredKey['state'] = 'active', createdAt = at(0)): StoredKey {
  return {
    id,
    alg: 'ES256',
    publicJwk: { kty: 'EC', crv: 'P-256', x: `x-${id}`, y: `y-${id}`, kid: id },
    encryptedPrivateJwk: `enc-${id}`,
    state,
    createdAt,
    stateChangedAt: null,
  };
}

function makeToken(id: string, scopes: StoredToken['scopes'] = ['issue'], createdAt = at(0)): StoredToken {
  return { id, hash: `hash-${id}`, scopes, label: `token ${id}`, createdAt, revokedAt: null };
}

function makeAchievement(id: string, version: number, createdAt = at(0)): StoredAchievement {
  return {
    id,
    version,
    body: { id: `https://example.edu/achievements/${id}/v${version}`, type: ['Achievement'], name: `${id} v${version}`, criteria: { narrative: 'do it' } },
    createdAt,
  };
}

/**
 * A compact JWS whose payload is `credential` with the registered claims a VC-JWT adds (the store
 * keeps only the JWT and reads the JSON back from it). Not signed: the store never verifies.
 */
function fakeJwt(credential: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'ES256', kid: 'did:example:issuer#key-1', typ: 'JWT' })}.${part({ ...credential, iss: 'did:example:issuer', sub: 'did:example:learner', nbf: 1740816000, jti: credential.id })}.c2lnbmF0dXJl`;
}

function makeCredential(list: StatusList, overrides: Partial<StoredCredential> = {}): StoredCredential {
  const id = overrides.id ?? `urn:uuid:${randomUUID()}`;
  const credential = {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
    id,
    type: ['VerifiableCredential', 'OpenBadgeCredential'],
    credentialSubject: { id: 'did:example:learner', type: ['AchievementSubject'], identifier: [{ hashed: true, identity: 'sha256$abc' }], score: 9.5, name: 'Zoë 🎓' },
  };
  return {
    id,
    achievementId: 'course',
    achievementVersion: 1,
    jwt: fakeJwt(credential),
    credential,
    statusListId: list.id,
    statusIndex: randomInt(list.size),
    state: 'active',
    stateReason: null,
    issuedAt: at(0),
    idempotencyKey: null,
    requestHash: null,
    learner: null,
    ...overrides,
  };
}

const issuedEvent = (c: StoredCredential): AuditEvent => ({
  at: c.issuedAt,
  actor: 'tok_1',
  action: 'credential.issued',
  target: c.id,
  detail: { statusListId: c.statusListId, statusIndex: c.statusIndex },
});

/** The rejection of `promise` (fails the test when it resolves). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.unreachable('expected the call to fail'),
    (error: unknown) => error,
  );
}

async function expectConflict(promise: Promise<unknown>, kind: StorageConflictError['kind']): Promise<StorageConflictError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(StorageConflictError);
  expect((error as StorageConflictError).kind).toBe(kind);
  return error as StorageConflictError;
}

/**
 * How an issuer inserts: a random index, and another one when it is taken.
 * Returns the stored credential and the number of status-index conflicts met.
 */
async function issueWithRetry(s: Storage, list: StatusList, overrides: Partial<StoredCredential> = {}): Promise<{ credential: StoredCredential; retries: number }> {
  const base = makeCredential(list, overrides);
  for (let retries = 0; retries < 1000; retries++) {
    const c = { ...base, statusIndex: randomInt(list.size) };
    try {
      await s.insertCredential(c, issuedEvent(c));
      return { credential: c, retries };
    } catch (error) {
      if (error instanceof StorageConflictError && error.kind === 'status-index') continue;
      throw error;
    }
  }
  throw new Error('no free status index after 1000 attempts');
}

// ---------------------------------------------------------------------------------------------
// The shared suite

function storageContract(name: string, makeBackend: () => Backend): void {
  describe(`storage contract: ${name}`, () => {
    let backend: Backend | undefined;
    const opened: Storage[] = [];

    const getBackend = (): Backend => (backend ??= makeBackend());

    /** Opens a storage on `db` and closes it after the test. */
    async function open(db: TestDatabase): Promise<Storage> {
      const s = await db.open();
      opened.push(s);
      return s;
    }

    /** An empty, migrated database of its own. */
    async function fresh(): Promise<{ db: TestDatabase; s: Storage }> {
      const db = await getBackend().createDatabase();
      const s = await open(db);
      await s.migrate();
      return { db, s };
    }

    /** A fresh store with the `course` achievement (v1) and a full-size status list. */
    async function withList(): Promise<{ db: TestDatabase; s: Storage; list: StatusList }> {
      const { db, s } = await fresh();
      await s.insertAchievementVersion(makeAchievement('course', 1));
      const list = await s.currentStatusList(LIST_SIZE, at(0));
      return { db, s, list };
    }

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    afterAll(async () => {
      await backend?.dispose();
    });

    it('reports its kind and answers ping', async () => {
      const { s } = await fresh();
      expect(s.kind).toBe(getBackend().kind);
      await expect(s.ping()).resolves.toBeUndefined();
    });

    describe('migrations', () => {
      const expectedRows = MIGRATIONS.map((m) => ({ version: m.version, name: m.name }));

      it('records every migration exactly once; migrate() again changes nothing', async () => {
        const { db, s } = await fresh();
        expect(await db.migrationRows()).toEqual(expectedRows);
        await s.migrate();
        await s.migrate();
        expect(await db.migrationRows()).toEqual(expectedRows);
        await s.ping();
      });

      it('several storages migrating one database at once apply each migration exactly once', async () => {
        const db = await getBackend().createDatabase();
        const stores = await Promise.all(Array.from({ length: 4 }, () => open(db)));
        await Promise.all(stores.map((s) => s.migrate()));
        expect(await db.migrationRows()).toEqual(expectedRows);
        // All of them work on the migrated schema.
        await stores[0]!.insertToken(makeToken('t1'));
        for (const s of stores) expect(await s.countTokens()).toBe(1);
      });

      it('data survives close and reopen, and migrating the reopened database changes nothing', async () => {
        const db = await getBackend().createDatabase();
        const first = await open(db);
        await first.migrate();
        const key = makeKey('k1');
        const token = makeToken('t1', ['admin']);
        const achievement = makeAchievement('course', 1);
        await first.insertKey(key);
        await first.insertToken(token);
        await first.insertAchievementVersion(achievement);
        const list = await first.currentStatusList(LIST_SIZE, at(0));
        const { credential } = await issueWithRetry(first, list, { idempotencyKey: 'idem-1', requestHash: 'rh' });
        await first.close();

        const second = await open(db);
        await second.migrate();
        expect(await db.migrationRows()).toEqual(expectedRows);
        expect(await second.listKeys()).toEqual([key]);
        expect(await second.findTokenByHash(token.hash)).toEqual(token);
        expect(await second.getAchievement('course')).toEqual(achievement);
        expect(await second.getStatusList(list.id)).toEqual(list);
        expect(await second.getCredential(credential.id)).toEqual(credential);
        expect(await second.findCredentialByIdempotencyKey('idem-1')).toEqual(credential);
        expect((await second.listAudit(10, 0)).items).toEqual([{ ...issuedEvent(credential), seq: expect.any(Number) }]);
        // The reopened store keeps using the same list.
        expect(await second.currentStatusList(LIST_SIZE, at(5))).toEqual(list);
      });

      it('migration 4 keeps the credentials of a version-3 database: the JSON column goes, the same JSON is read from the JWT', async () => {
        const kind = getBackend().kind;
        const db = await getBackend().createDatabase();
        const s = await open(db); // creates the file or schema; not migrated yet
        // The database as an earlier build left it: migrations 1–3, a credential stored with both
        // its JWT and its JSON, and an offer that references the credential.
        await db.exec(
          kind === 'sqlite'
            ? 'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)'
            : 'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())',
        );
        for (const m of MIGRATIONS.filter((x) => x.version <= 3)) {
          await db.exec(kind === 'sqlite' ? m.sqlite : m.postgres);
          await db.exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (${m.version}, '${m.name}', '${at(0)}')`);
        }
        const list: StatusList = { id: 'list-v3', size: LIST_SIZE, createdAt: at(0) };
        const c = makeCredential(list, { statusIndex: 7, idempotencyKey: 'idem-v3', requestHash: 'rh' });
        const sql = (v: string) => `'${v.replace(/'/g, "''")}'`;
        await db.exec(`INSERT INTO achievements (id, version, body, created_at) VALUES ('course', 1, '{"name":"course"}', '${at(0)}')`);
        await db.exec(
          kind === 'sqlite'
            ? `INSERT INTO status_lists (id, seq, size, created_at) VALUES ('list-v3', 1, ${LIST_SIZE}, '${at(0)}')`
            : `INSERT INTO status_lists (id, size, created_at) VALUES ('list-v3', ${LIST_SIZE}, '${at(0)}')`,
        );
        await db.exec(
          `INSERT INTO credentials (id, achievement_id, achievement_version, jwt, credential, status_list_id, status_index, state, state_reason, issued_at, idempotency_key, request_hash)
           VALUES (${sql(c.id)}, 'course', 1, ${sql(c.jwt)}, ${sql(JSON.stringify(c.credential))}, 'list-v3', 7, 'active', NULL, '${c.issuedAt}', 'idem-v3', 'rh')`,
        );
        await db.exec(
          `INSERT INTO oid4vci_offers (id, lookup_hash, code_hash, tx_code_hash, credential_id, configuration_id, state, attempts, created_at, expires_at, created_by)
           VALUES ('offer-v3', 'lookup-v3', 'code-v3', NULL, ${sql(c.id)}, 'OpenBadgeCredential_jwt', 'pending', 0, '${at(0)}', '${at(60)}', 'cli')`,
        );
        // Two credentials issued by a batch: migration 6 gives them the names their rows show in the
        // clear (not a hashed one, not the email); a row whose identifier is no list gives none.
        const fromBatch = makeCredential(list, { statusIndex: 8 });
        const oddRow = makeCredential(list, { statusIndex: 9 });
        await db.exec(
          `INSERT INTO credentials (id, achievement_id, achievement_version, jwt, credential, status_list_id, status_index, state, state_reason, issued_at, idempotency_key, request_hash)
           VALUES (${sql(fromBatch.id)}, 'course', 1, ${sql(fromBatch.jwt)}, ${sql(JSON.stringify(fromBatch.credential))}, 'list-v3', 8, 'active', NULL, '${fromBatch.issuedAt}', NULL, NULL)`,
        );
        await db.exec(
          `INSERT INTO credentials (id, achievement_id, achievement_version, jwt, credential, status_list_id, status_index, state, state_reason, issued_at, idempotency_key, request_hash)
           VALUES (${sql(oddRow.id)}, 'course', 1, ${sql(oddRow.jwt)}, ${sql(JSON.stringify(oddRow.credential))}, 'list-v3', 9, 'active', NULL, '${oddRow.issuedAt}', NULL, NULL)`,
        );
        await db.exec(`INSERT INTO batches (id, achievement_id, achievement_version, state, source, created_by, created_at) VALUES ('batch-v3', 'course', 1, 'done', 'cohort.csv', 'cli', '${at(0)}')`);
        const body = { credentialSubject: { identifier: [{ identityType: 'name', identifier: 'Asha Rao', hashed: false }, { identityType: 'emailAddress', identifier: 'asha@example.edu' }, { identityType: 'name', identifier: 'Secret Name' }, 'odd'] } };
        await db.exec(
          `INSERT INTO batch_rows (batch_id, line, learner, body, idempotency_key, state, credential_id, problems)
           VALUES ('batch-v3', 2, 'Asha Rao', ${sql(JSON.stringify(body))}, 'batch:asha', 'issued', ${sql(fromBatch.id)}, NULL),
                  ('batch-v3', 3, 'line 3', ${sql(JSON.stringify({ credentialSubject: { identifier: { identityType: 'name', identifier: 'Not A List', hashed: false } } }))}, 'batch:odd', 'issued', ${sql(oddRow.id)}, NULL)`,
        );

        await s.migrate();
        expect(await db.migrationRows()).toEqual(expectedRows);
        expect(await s.getCredential(c.id)).toEqual(c);
        expect(await s.getCredential(fromBatch.id)).toEqual({ ...fromBatch, learner: 'Asha Rao' });
        expect(await s.getCredential(oddRow.id)).toEqual(oddRow);
        expect(await s.findCredentialByIdempotencyKey('idem-v3')).toEqual(c);
        expect((await s.getOffer('offer-v3'))?.credentialId).toBe(c.id);
        await expect(db.exec('SELECT credential FROM credentials')).rejects.toThrow(/credential/);
        // New credentials go in without the column, next to the migrated one.
        const { credential: next } = await issueWithRetry(s, list);
        expect(await s.listCredentials({ limit: 10, offset: 0 })).toEqual({ items: expect.arrayContaining([c, next, oddRow, { ...fromBatch, learner: 'Asha Rao' }]), total: 4 });
      });

      it('refuses a database migrated by a newer build', async () => {
        const { db, s } = await fresh();
        await db.exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', '2030-01-01T00:00:00.000Z')");
        await expect(s.migrate()).rejects.toThrow(/9999.*unknown to this build/);
      });

      it('refuses a database whose recorded migration history differs from the code', async () => {
        const { db, s } = await fresh();
        await db.exec("UPDATE schema_migrations SET name = 'edited' WHERE version = 1");
        await expect(s.migrate()).rejects.toThrow(/must never be edited/);
      });
    });

    describe('keys', () => {
      it('stores keys and lists them with the public JWK parsed', async () => {
        const { s } = await fresh();
        const a = makeKey('k-a', 'active', at(0));
        const b = { ...makeKey('k-b', 'retired', at(-10)), stateChangedAt: at(-1) };
        await s.insertKey(a);
        await s.insertKey(b);
        expect(await s.listKeys()).toEqual([b, a]); // by creation time
      });

      it('rotateKey retires the active key and activates the next one atomically', async () => {
        const { s } = await fresh();
        await s.insertKey(makeKey('k1', 'active', at(0)));
        await s.rotateKey(makeKey('k2', 'retired' /* ignored: the next key is active */, at(10)), at(11));
        let keys = await s.listKeys();
        expect(keys.filter((k) => k.state === 'active').map((k) => k.id)).toEqual(['k2']);
        expect(keys.find((k) => k.id === 'k1')).toMatchObject({ state: 'retired', stateChangedAt: at(11) });
        expect(keys.find((k) => k.id === 'k2')).toMatchObject({ state: 'active', stateChangedAt: null });

        await s.rotateKey(makeKey('k3', 'active', at(20)), at(21));
        keys = await s.listKeys();
        expect(keys.map((k) => [k.id, k.state])).toEqual([
          ['k1', 'retired'],
          ['k2', 'retired'],
          ['k3', 'active'],
        ]);
        expect(keys.find((k) => k.id === 'k1')!.stateChangedAt).toBe(at(11)); // untouched by the second rotation
      });

      it('rotateKey works with no active key yet', async () => {
        const { s } = await fresh();
        await s.rotateKey(makeKey('k1', 'active', at(0)), at(0));
        expect((await s.listKeys()).map((k) => k.state)).toEqual(['active']);
      });

      it('a failed rotation changes nothing', async () => {
        const { s } = await fresh();
        await s.insertKey(makeKey('k1', 'active', at(0)));
        await s.insertKey(makeKey('k0', 'retired', at(-5)));
        await expectConflict(s.rotateKey(makeKey('k0', 'active', at(10)), at(11)), 'duplicate');
        const keys = await s.listKeys();
        expect(keys.find((k) => k.id === 'k1')).toMatchObject({ state: 'active', stateChangedAt: null });
        expect(keys).toHaveLength(2);
      });

      it('concurrent rotations leave exactly one active key', async () => {
        const { s } = await fresh();
        await s.insertKey(makeKey('k0', 'active', at(0)));
        await Promise.all(Array.from({ length: 6 }, (_, i) => s.rotateKey(makeKey(`k${i + 1}`, 'active', at(i + 1)), at(i + 1))));
        const keys = await s.listKeys();
        expect(keys).toHaveLength(7);
        expect(keys.filter((k) => k.state === 'active')).toHaveLength(1);
        expect(keys.filter((k) => k.state === 'retired')).toHaveLength(6);
      });

      it('never holds two active keys, and refuses duplicate ids', async () => {
        const { s } = await fresh();
        await s.insertKey(makeKey('k1', 'active'));
        await expectConflict(s.insertKey(makeKey('k2', 'active')), 'duplicate');
        await expectConflict(s.insertKey(makeKey('k1', 'retired')), 'duplicate');
        expect((await s.listKeys()).map((k) => k.id)).toEqual(['k1']);
      });

      it('setKeyState to compromised keeps the key (it stays published) and records when', async () => {
        const { s } = await fresh();
        await s.insertKey(makeKey('k1', 'active', at(0)));
        await s.rotateKey(makeKey('k2', 'active', at(1)), at(2));
        await s.setKeyState('k1', 'compromised', at(30));
        await s.setKeyState('no-such-key', 'compromised', at(30)); // no-op
        const keys = await s.listKeys();
        expect(keys).toHaveLength(2);
        expect(keys.find((k) => k.id === 'k1')).toEqual({ ...makeKey('k1', 'active', at(0)), state: 'compromised', stateChangedAt: at(30) });
        expect(keys.find((k) => k.id === 'k2')!.state).toBe('active');
        // Compromising the active key leaves none active (the service must rotate).
        await s.setKeyState('k2', 'compromised', at(31));
        expect((await s.listKeys()).filter((k) => k.state === 'active')).toEqual([]);
      });
    });

    describe('tokens', () => {
      it('stores, finds by hash, counts and revokes tokens', async () => {
        const { s } = await fresh();
        const admin = makeToken('t1', ['admin', 'issue', 'revoke'], at(0));
        const issuer = makeToken('t2', ['issue'], at(1));
        expect(await s.countTokens()).toBe(0);
        await s.insertToken(admin);
        await s.insertToken(issuer);
        expect(await s.countTokens()).toBe(2);
        expect(await s.findTokenByHash(admin.hash)).toEqual(admin);
        expect(await s.findTokenByHash('unknown')).toBeNull();

        await s.revokeToken('t2', at(5));
        await s.revokeToken('t2', at(9)); // the first revocation time stays
        await s.revokeToken('no-such-token', at(9)); // no-op
        expect(await s.findTokenByHash(issuer.hash)).toEqual({ ...issuer, revokedAt: at(5) });
        expect(await s.findTokenByHash(admin.hash)).toEqual(admin);
        expect(await s.countTokens()).toBe(2); // revoked tokens are kept (and counted)
      });

      it('refuses a duplicate id or hash', async () => {
        const { s } = await fresh();
        await s.insertToken(makeToken('t1'));
        await expectConflict(s.insertToken({ ...makeToken('t1'), hash: 'other' }), 'duplicate');
        await expectConflict(s.insertToken({ ...makeToken('t2'), hash: 'hash-t1' }), 'duplicate');
        expect(await s.countTokens()).toBe(1);
      });
    });

    describe('achievements', () => {
      it('gets the latest or a given version', async () => {
        const { s } = await fresh();
        const v1 = makeAchievement('course', 1, at(0));
        const v2 = makeAchievement('course', 2, at(10));
        await s.insertAchievementVersion(v2);
        await s.insertAchievementVersion(v1);
        expect(await s.getAchievement('course')).toEqual(v2);
        expect(await s.getAchievement('course', 1)).toEqual(v1);
        expect(await s.getAchievement('course', 3)).toBeNull();
        expect(await s.getAchievement('unknown')).toBeNull();
      });

      it('versions are immutable: inserting an existing version is a conflict', async () => {
        const { s } = await fresh();
        const v1 = makeAchievement('course', 1);
        await s.insertAchievementVersion(v1);
        await expectConflict(s.insertAchievementVersion({ ...v1, body: { changed: true } }), 'duplicate');
        expect(await s.getAchievement('course', 1)).toEqual(v1);
      });

      it('listAchievements gives the latest version of each, newest first, with the total', async () => {
        const { s } = await fresh();
        await s.insertAchievementVersion(makeAchievement('a', 1, at(0)));
        await s.insertAchievementVersion(makeAchievement('b', 1, at(1)));
        await s.insertAchievementVersion(makeAchievement('c', 1, at(2)));
        await s.insertAchievementVersion(makeAchievement('a', 2, at(3)));
        await s.insertAchievementVersion(makeAchievement('a', 3, at(4)));
        const all = await s.listAchievements(10, 0);
        expect(all.total).toBe(3);
        expect(all.items).toEqual([makeAchievement('a', 3, at(4)), makeAchievement('c', 1, at(2)), makeAchievement('b', 1, at(1))]);
        expect(await s.listAchievements(1, 1)).toEqual({ items: [makeAchievement('c', 1, at(2))], total: 3 });
        expect(await s.listAchievements(5, 3)).toEqual({ items: [], total: 3 });
        expect(await s.listAchievements(0, 0)).toEqual({ items: [], total: 3 });
      });

      it('achievementVersionUsed is true once a credential references that version', async () => {
        const { s } = await fresh();
        await s.insertAchievementVersion(makeAchievement('course', 1));
        await s.insertAchievementVersion(makeAchievement('course', 2));
        const list = await s.currentStatusList(LIST_SIZE, at(0));
        expect(await s.achievementVersionUsed('course', 1)).toBe(false);
        await issueWithRetry(s, list, { achievementId: 'course', achievementVersion: 1 });
        expect(await s.achievementVersionUsed('course', 1)).toBe(true);
        expect(await s.achievementVersionUsed('course', 2)).toBe(false);
        expect(await s.achievementVersionUsed('other', 1)).toBe(false);
      });

      it('updateAchievementVersion edits an unused version in place and refuses a used one', async () => {
        const { s } = await fresh();
        const v1 = makeAchievement('course', 1, at(0));
        await s.insertAchievementVersion(v1);
        const edited = { ...v1, body: { ...v1.body, name: 'edited' } };
        await s.updateAchievementVersion(edited);
        expect(await s.getAchievement('course', 1)).toEqual(edited);

        const list = await s.currentStatusList(LIST_SIZE, at(0));
        await issueWithRetry(s, list);
        await expectConflict(s.updateAchievementVersion({ ...v1, body: { name: 'too late' } }), 'duplicate');
        expect(await s.getAchievement('course', 1)).toEqual(edited);
        await expect(s.updateAchievementVersion(makeAchievement('course', 9))).rejects.toThrow(/does not exist/);
      });

      it('a credential must reference an existing achievement version', async () => {
        const { s, list } = await withList();
        await expect(s.insertCredential(makeCredential(list, { achievementVersion: 7 }), issuedEvent(makeCredential(list)))).rejects.toThrow();
        expect(await s.countCredentials()).toBe(0);
        expect((await s.listAudit(10, 0)).total).toBe(0);
      });
    });

    describe('status lists', () => {
      it('creates a list on first use and keeps returning it while it has room', async () => {
        const { s } = await fresh();
        const list = await s.currentStatusList(LIST_SIZE, at(0));
        expect(list).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), size: LIST_SIZE, createdAt: at(0) });
        expect(await s.getStatusList(list.id)).toEqual(list);
        expect(await s.getStatusList('no-such-list')).toBeNull();
        expect(await s.currentStatusList(LIST_SIZE, at(1))).toEqual(list);
        expect(await s.statusListUsage(list.id)).toBe(0);
      });

      it(`opens a new list once ${STATUS_LIST_FILL_LIMIT * 100} % of the current one is used`, async () => {
        const { s } = await fresh();
        await s.insertAchievementVersion(makeAchievement('course', 1));
        const first = await s.currentStatusList(8, at(0));
        for (let i = 0; i < 3; i++) await issueWithRetry(s, first);
        expect(await s.statusListUsage(first.id)).toBe(3);
        expect(await s.currentStatusList(8, at(1))).toEqual(first); // 3/8 used: still room

        await issueWithRetry(s, first);
        expect(await s.statusListUsage(first.id)).toBe(4);
        const second = await s.currentStatusList(16, at(2)); // 4/8 used: full
        expect(second.id).not.toBe(first.id);
        expect(second).toMatchObject({ size: 16, createdAt: at(2) });
        expect(await s.currentStatusList(16, at(3))).toEqual(second);
        expect(await s.statusListUsage(second.id)).toBe(0);
        // The old list stays readable.
        expect(await s.getStatusList(first.id)).toEqual(first);
      });

      it('the newest list is the last one opened, whatever the clocks said', async () => {
        const { s } = await fresh();
        await s.insertAchievementVersion(makeAchievement('course', 1));
        const first = await s.currentStatusList(2, at(10));
        await issueWithRetry(s, first);
        const second = await s.currentStatusList(2, at(5)); // a server with a slow clock
        expect(second.id).not.toBe(first.id);
        expect(await s.currentStatusList(2, at(6))).toEqual(second);
      });

      it('concurrent calls on a full list open exactly one new list', async () => {
        const { s } = await fresh();
        await s.insertAchievementVersion(makeAchievement('course', 1));
        const full = await s.currentStatusList(4, at(0));
        await issueWithRetry(s, full);
        await issueWithRetry(s, full);
        const lists = await Promise.all(Array.from({ length: 12 }, (_, i) => s.currentStatusList(LIST_SIZE, at(1 + i))));
        const ids = new Set(lists.map((l) => l.id));
        expect(ids.size).toBe(1);
        expect(ids.has(full.id)).toBe(false);
      });

      it('statusIndexes lists the indexes in a state, per list', async () => {
        const { s } = await fresh();
        await s.insertAchievementVersion(makeAchievement('course', 1));
        const list = await s.currentStatusList(LIST_SIZE, at(0));
        const put = async (index: number) => {
          const c = makeCredential(list, { statusIndex: index });
          await s.insertCredential(c, issuedEvent(c));
          return c;
        };
        const [c5, , c99, c131071] = [await put(5), await put(17), await put(99), await put(LIST_SIZE - 1), await put(0)];
        const audit = (c: StoredCredential, action: AuditEvent['action']): AuditEvent => ({ at: at(1), actor: 'tok_1', action, target: c.id });
        await s.setCredentialState(c99.id, 'revoked', 'fraud', audit(c99, 'credential.revoked'));
        await s.setCredentialState(c5.id, 'revoked', null, audit(c5, 'credential.revoked'));
        await s.setCredentialState(c131071.id, 'suspended', 'review', audit(c131071, 'credential.suspended'));
        expect(await s.statusIndexes(list.id, 'revoked')).toEqual([5, 99]);
        expect(await s.statusIndexes(list.id, 'suspended')).toEqual([LIST_SIZE - 1]);
        expect(await s.statusIndexes('no-such-list', 'revoked')).toEqual([]);
        expect(await s.statusListUsage(list.id)).toBe(5);
      });

      it('refuses a status index outside the list or an unknown list, storing nothing', async () => {
        const { s, list } = await withList();
        for (const bad of [
          makeCredential(list, { statusIndex: LIST_SIZE }),
          makeCredential(list, { statusIndex: -1 }),
          makeCredential(list, { statusIndex: 1.5 }),
          makeCredential({ ...list, id: 'no-such-list' }, { statusIndex: 1 }),
        ]) {
          await expect(s.insertCredential(bad, issuedEvent(bad))).rejects.toThrow();
        }
        expect(await s.countCredentials()).toBe(0);
        expect((await s.listAudit(10, 0)).total).toBe(0);
      });
    });

    describe('credentials', () => {
      it('keeps a credential once, as its JWT: the JSON read back is the JWT payload without its registered claims, in issued key order', async () => {
        const { s, list } = await withList();
        const c = makeCredential(list);
        // The JSON passed along is not stored: what is read back comes from the JWT.
        await s.insertCredential({ ...c, credential: { not: 'stored' } } as StoredCredential, issuedEvent(c));
        const read = await s.getCredential(c.id);
        expect(read).toEqual(c);
        expect(Object.keys(read!.credential)).toEqual(Object.keys(c.credential));
        expect(Object.keys(read!.credential.credentialSubject as object)).toEqual(Object.keys(c.credential.credentialSubject as object));
        expect((await s.listCredentials({ limit: 10, offset: 0 })).items).toEqual([c]);
      });

      it('stores a credential with its audit event, and reads it back by id and idempotency key', async () => {
        const { s, list } = await withList();
        const c = makeCredential(list, { idempotencyKey: 'idem-1', requestHash: 'sha256-of-request' });
        await s.insertCredential(c, issuedEvent(c));
        expect(await s.getCredential(c.id)).toEqual(c);
        expect(await s.findCredentialByIdempotencyKey('idem-1')).toEqual(c);
        expect(await s.findCredentialByIdempotencyKey('idem-2')).toBeNull();
        expect(await s.getCredential('urn:uuid:unknown')).toBeNull();
        expect(await s.countCredentials()).toBe(1);
        expect(await s.statusListUsage(list.id)).toBe(1);
        expect(await s.listAudit(10, 0)).toEqual({ items: [{ ...issuedEvent(c), seq: expect.any(Number) }], total: 1 });
      });

      it('many credentials may have no idempotency key', async () => {
        const { s, list } = await withList();
        for (let i = 0; i < 3; i++) await issueWithRetry(s, list, { idempotencyKey: null });
        expect(await s.countCredentials()).toBe(3);
      });

      it("a taken status index is a 'status-index' conflict and inserts nothing", async () => {
        const { s, list } = await withList();
        const first = makeCredential(list, { statusIndex: 42 });
        await s.insertCredential(first, issuedEvent(first));
        const second = makeCredential(list, { statusIndex: 42, idempotencyKey: 'idem-2' });
        await expectConflict(s.insertCredential(second, issuedEvent(second)), 'status-index');
        expect(await s.getCredential(second.id)).toBeNull();
        expect(await s.findCredentialByIdempotencyKey('idem-2')).toBeNull();
        expect(await s.countCredentials()).toBe(1);
        expect((await s.listAudit(10, 0)).items.map((e) => e.target)).toEqual([first.id]);
      });

      it("a reused idempotency key is an 'idempotency' conflict and leaves no trace", async () => {
        const { s, list } = await withList();
        const first = makeCredential(list, { statusIndex: 1, idempotencyKey: 'idem-1', requestHash: 'h1' });
        await s.insertCredential(first, issuedEvent(first));
        const auditBefore = await s.listAudit(100, 0);

        const again = makeCredential(list, { statusIndex: 2, idempotencyKey: 'idem-1', requestHash: 'h2' });
        await expectConflict(s.insertCredential(again, issuedEvent(again)), 'idempotency');
        // Also when the status index collides as well: idempotency wins, so the caller replays.
        const both = makeCredential(list, { statusIndex: 1, idempotencyKey: 'idem-1' });
        await expectConflict(s.insertCredential(both, issuedEvent(both)), 'idempotency');

        expect(await s.getCredential(again.id)).toBeNull();
        expect(await s.findCredentialByIdempotencyKey('idem-1')).toEqual(first);
        expect(await s.countCredentials()).toBe(1);
        expect(await s.statusListUsage(list.id)).toBe(1);
        expect(await s.statusIndexes(list.id, 'revoked')).toEqual([]);
        expect(await s.listAudit(100, 0)).toEqual(auditBefore);
        expect(await s.listCredentials({ limit: 10, offset: 0 })).toEqual({ items: [first], total: 1 });
      });

      it('concurrent inserts with one idempotency key: exactly one wins', async () => {
        const { s, list } = await withList();
        const attempts = Array.from({ length: 5 }, (_, i) => makeCredential(list, { statusIndex: 100 + i, idempotencyKey: 'idem-race' }));
        const results = await Promise.allSettled(attempts.map((c) => s.insertCredential(c, issuedEvent(c))));
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') {
            expect(r.reason).toBeInstanceOf(StorageConflictError);
            expect((r.reason as StorageConflictError).kind).toBe('idempotency');
          }
        }
        expect(await s.countCredentials()).toBe(1);
        expect((await s.listAudit(10, 0)).total).toBe(1);
      });

      it("a duplicate credential id is a 'duplicate' conflict", async () => {
        const { s, list } = await withList();
        const c = makeCredential(list, { statusIndex: 1 });
        await s.insertCredential(c, issuedEvent(c));
        const copy = { ...c, statusIndex: 2 };
        await expectConflict(s.insertCredential(copy, issuedEvent(copy)), 'duplicate');
        expect(await s.getCredential(c.id)).toEqual(c);
        expect((await s.listAudit(10, 0)).total).toBe(1);
      });

      it('200 concurrent issuers with random indexes and retries: all stored, indexes distinct', async () => {
        const { s, list } = await withList();
        const results = await Promise.all(Array.from({ length: 200 }, () => issueWithRetry(s, list)));
        const indexes = new Set(results.map((r) => r.credential.statusIndex));
        expect(indexes.size).toBe(200);
        expect(await s.countCredentials()).toBe(200);
        expect(await s.statusListUsage(list.id)).toBe(200);
        const stored = await s.listCredentials({ limit: 500, offset: 0 });
        expect(stored.total).toBe(200);
        expect(new Set(stored.items.map((c) => c.statusIndex))).toEqual(indexes);
        // One audit event per stored credential: failed attempts left none.
        const audit = await s.listAudit(1000, 0);
        expect(audit.total).toBe(200);
        expect(new Set(audit.items.map((e) => e.target))).toEqual(new Set(results.map((r) => r.credential.id)));
      });

      it('concurrent issuers on a crowded list retry until each finds a free index', async () => {
        const { s } = await fresh();
        await s.insertAchievementVersion(makeAchievement('course', 1));
        const small = await s.currentStatusList(64, at(0));
        const results = await Promise.all(Array.from({ length: 48 }, () => issueWithRetry(s, small)));
        expect(new Set(results.map((r) => r.credential.statusIndex)).size).toBe(48);
        expect(results.reduce((n, r) => n + r.retries, 0)).toBeGreaterThan(0);
        expect(await s.statusListUsage(small.id)).toBe(48);
        expect((await s.listAudit(1000, 0)).total).toBe(48);
      });

      it('a deliberate collision: of two concurrent inserts on one index exactly one succeeds', async () => {
        const { s, list } = await withList();
        const a = makeCredential(list, { statusIndex: 777 });
        const b = makeCredential(list, { statusIndex: 777 });
        const results = await Promise.allSettled([s.insertCredential(a, issuedEvent(a)), s.insertCredential(b, issuedEvent(b))]);
        const ok = results.filter((r) => r.status === 'fulfilled');
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(ok).toHaveLength(1);
        expect(failed).toHaveLength(1);
        expect(failed[0]!.reason).toBeInstanceOf(StorageConflictError);
        expect((failed[0]!.reason as StorageConflictError).kind).toBe('status-index');
        expect(await s.countCredentials()).toBe(1);
        const winner = results[0]!.status === 'fulfilled' ? a : b;
        const loser = winner === a ? b : a;
        expect(await s.getCredential(winner.id)).toEqual(winner);
        expect(await s.getCredential(loser.id)).toBeNull();
        expect((await s.listAudit(10, 0)).items.map((e) => e.target)).toEqual([winner.id]);
      });

      it('setCredentialState changes state and reason, appends the audit event, and returns the row', async () => {
        const { s, list } = await withList();
        const { credential: c } = await issueWithRetry(s, list);
        const revoke: AuditEvent = { at: at(60), actor: 'tok_admin', action: 'credential.revoked', target: c.id, detail: { reason: 'fraud' } };
        const revoked = await s.setCredentialState(c.id, 'revoked', 'fraud', revoke);
        expect(revoked).toEqual({ ...c, state: 'revoked', stateReason: 'fraud' });
        expect(await s.getCredential(c.id)).toEqual(revoked);
        expect(await s.statusIndexes(list.id, 'revoked')).toEqual([c.statusIndex]);

        const { credential: d } = await issueWithRetry(s, list);
        await s.setCredentialState(d.id, 'suspended', 'under review', { at: at(61), actor: 'tok_admin', action: 'credential.suspended', target: d.id });
        expect(await s.statusIndexes(list.id, 'suspended')).toEqual([d.statusIndex]);
        const back = await s.setCredentialState(d.id, 'active', null, { at: at(62), actor: 'tok_admin', action: 'credential.unsuspended', target: d.id });
        expect(back).toEqual(d);
        expect(await s.statusIndexes(list.id, 'suspended')).toEqual([]);

        const audit = await s.listAudit(100, 0);
        expect(audit.items.map((e) => [e.action, e.target])).toEqual([
          ['credential.issued', c.id],
          ['credential.revoked', c.id],
          ['credential.issued', d.id],
          ['credential.suspended', d.id],
          ['credential.unsuspended', d.id],
        ]);
        expect(audit.items[1]).toEqual({ ...revoke, seq: expect.any(Number) });
      });

      it('setCredentialState on an unknown credential returns null and appends nothing', async () => {
        const { s } = await withList();
        const result = await s.setCredentialState('urn:uuid:unknown', 'revoked', 'x', { at: at(1), actor: 'cli', action: 'credential.revoked', target: 'urn:uuid:unknown' });
        expect(result).toBeNull();
        expect((await s.listAudit(10, 0)).total).toBe(0);
      });

      it('listCredentials filters by achievement, state and since, newest first, with paging and totals', async () => {
        const { s } = await fresh();
        await s.insertAchievementVersion(makeAchievement('a', 1));
        await s.insertAchievementVersion(makeAchievement('a', 2));
        await s.insertAchievementVersion(makeAchievement('b', 1));
        const list = await s.currentStatusList(LIST_SIZE, at(0));
        // 10 credentials, issued one minute apart: a (v1, v2) and b alternately.
        const made: StoredCredential[] = [];
        for (let i = 0; i < 10; i++) {
          const achievementId = i % 2 === 0 ? 'a' : 'b';
          const achievementVersion = achievementId === 'a' && i >= 6 ? 2 : 1;
          const c = makeCredential(list, { statusIndex: i, achievementId, achievementVersion, issuedAt: at(i) });
          await s.insertCredential(c, issuedEvent(c));
          made.push(c);
        }
        const revokeEvent = (c: StoredCredential): AuditEvent => ({ at: at(30), actor: 'cli', action: 'credential.revoked', target: c.id });
        made[1] = (await s.setCredentialState(made[1]!.id, 'revoked', 'r', revokeEvent(made[1]!)))!;
        made[4] = (await s.setCredentialState(made[4]!.id, 'revoked', 'r', revokeEvent(made[4]!)))!;
        made[7] = (await s.setCredentialState(made[7]!.id, 'suspended', 's', revokeEvent(made[7]!)))!;
        const newestFirst = [...made].reverse();
        const page = (items: StoredCredential[], total: number) => ({ items, total });

        expect(await s.listCredentials({ limit: 100, offset: 0 })).toEqual(page(newestFirst, 10));
        expect(await s.listCredentials({ limit: 3, offset: 0 })).toEqual(page(newestFirst.slice(0, 3), 10));
        expect(await s.listCredentials({ limit: 3, offset: 3 })).toEqual(page(newestFirst.slice(3, 6), 10));
        expect(await s.listCredentials({ limit: 3, offset: 9 })).toEqual(page(newestFirst.slice(9), 10));
        expect(await s.listCredentials({ limit: 3, offset: 10 })).toEqual(page([], 10));
        expect(await s.listCredentials({ limit: 0, offset: 0 })).toEqual(page([], 10));

        const ofA = newestFirst.filter((c) => c.achievementId === 'a');
        expect(await s.listCredentials({ achievementId: 'a', limit: 2, offset: 1 })).toEqual(page(ofA.slice(1, 3), 5));
        expect(await s.listCredentials({ achievementId: 'none', limit: 10, offset: 0 })).toEqual(page([], 0));

        expect(await s.listCredentials({ state: 'revoked', limit: 10, offset: 0 })).toEqual(page([made[4]!, made[1]!], 2));
        expect(await s.listCredentials({ state: 'suspended', limit: 10, offset: 0 })).toEqual(page([made[7]!], 1));
        expect((await s.listCredentials({ state: 'active', limit: 10, offset: 0 })).total).toBe(7);

        // since is inclusive, and accepts any offset.
        expect(await s.listCredentials({ since: at(7), limit: 10, offset: 0 })).toEqual(page(newestFirst.slice(0, 3), 3));
        expect((await s.listCredentials({ since: '2025-03-01T08:07:00+00:00', limit: 10, offset: 0 })).total).toBe(3);
        expect((await s.listCredentials({ since: '2025-03-01T10:04:30+02:00', limit: 10, offset: 0 })).total).toBe(5); // 08:04:30Z

        expect(await s.listCredentials({ achievementId: 'b', state: 'revoked', since: at(2), limit: 10, offset: 0 })).toEqual(page([], 0));
        expect(await s.listCredentials({ achievementId: 'b', state: 'revoked', limit: 10, offset: 0 })).toEqual(page([made[1]!], 1));
        expect(await s.listCredentials({ achievementId: 'a', state: 'active', since: at(3), limit: 1, offset: 1 })).toEqual(
          page([made[6]!], 2), // a and active since 3: #8, #6
        );

        await expect(s.listCredentials({ limit: -1, offset: 0 })).rejects.toThrow(RangeError);
        await expect(s.listCredentials({ since: 'yesterday', limit: 1, offset: 0 })).rejects.toThrow(RangeError);
      });

      it('listCredentials finds credentials by learner: any part of the name in any case, or an exact search token; % and _ are plain characters; the tokens are never read back', async () => {
        const { s, list } = await withList();
        const learners: Array<[string | null, string | null]> = [
          ['Asha Rao', 'tokAsha tokAshaEmail'],
          ['Ben Okafor', 'tokBen'],
          ['100% Attendance_Award', ''],
          ['Zoë Ñúñez', null],
          [null, 'tok_x-1'],
        ];
        const made: StoredCredential[] = [];
        for (const [i, [learner, learnerKeys]] of learners.entries()) {
          const c = makeCredential(list, { statusIndex: i, issuedAt: at(i), learner });
          await s.insertCredential({ ...c, learnerKeys }, issuedEvent(c));
          made.push(c);
        }
        const found = async (text: string, key = 'no-such-token') => (await s.listCredentials({ learner: { text, key }, limit: 10, offset: 0 })).items.map((c) => made.findIndex((m) => m.id === c.id));
        for (const m of made) expect(await s.getCredential(m.id)).toEqual(m);
        expect(await found('asha')).toEqual([0]);
        expect(await found('RAO')).toEqual([0]);
        expect(await found('Rao Asha')).toEqual([]);
        expect(await found('o')).toEqual([3, 1, 0]);
        expect(await found('%')).toEqual([2]);
        expect(await found('_')).toEqual([2]);
        expect(await found('0%_A')).toEqual([]);
        expect(await found('0% a')).toEqual([2]);
        expect(await found('Ñúñez')).toEqual([3]);
        expect(await found('\\')).toEqual([]);
        // A token finds its credential, named or not; its own _ and - are plain characters.
        expect(await found('nobody', 'tokAshaEmail')).toEqual([0]);
        expect(await found('nobody', 'tok_x-1')).toEqual([4]);
        expect(await found('nobody', 'tokax-1')).toEqual([]);
        expect(await found('Ben', 'tokAsha')).toEqual([1, 0]);
        expect(await s.listCredentials({ learner: { text: 'a', key: 'tok_x-1' }, limit: 2, offset: 1 })).toEqual({ items: [made[2], made[1]], total: 4 });
        expect((await s.listCredentials({ learner: { text: 'a', key: 'x' }, achievementId: 'none', limit: 10, offset: 0 })).total).toBe(0);
        // Read back only for a re-issue to the same learner.
        expect(await s.credentialLearnerKeys(made[0]!.id)).toBe('tokAsha tokAshaEmail');
        expect(await s.credentialLearnerKeys(made[2]!.id)).toBeNull();
        expect(await s.credentialLearnerKeys(made[3]!.id)).toBeNull();
        expect(await s.credentialLearnerKeys('urn:uuid:no-such-credential')).toBeNull();
      });
    });

    describe('batch jobs', () => {
      const batchRow = (line: number, state: StoredBatchRow['state'] = 'pending'): StoredBatchRow => ({
        batchId: '',
        line,
        learner: `Learner ${line}`,
        body: { credentialSubject: { identifier: [{ identityType: 'emailAddress', identifier: `l${line}@example.edu` }] } },
        idempotencyKey: `batch:learner-${line}`,
        state,
        credentialId: null,
        problems: state === 'invalid' ? [{ path: 'grade', message: 'not a grade' }] : null,
      });

      /** A store with the `course` achievement, a list, and a batch of `lines` (line 3 invalid). */
      async function withBatch(lines = [2, 3, 4, 5, 6]): Promise<{ db: TestDatabase; s: Storage; list: StatusList; batchId: string; rows: StoredBatchRow[] }> {
        const { db, s, list } = await withList();
        const batchId = randomUUID();
        const rows = lines.map((l) => ({ ...batchRow(l, l === 3 ? 'invalid' : 'pending'), batchId }));
        await s.insertBatch({ id: batchId, achievementId: 'course', achievementVersion: 1, state: 'validated', source: 'cohort.csv', createdBy: 'cli', createdAt: at(0) }, rows, { at: at(0), actor: 'cli', action: 'batch.created', target: batchId });
        return { db, s, list, batchId, rows };
      }

      const signed = (row: Pick<StoredBatchRow, 'line' | 'idempotencyKey'>, statusIndex: number): { credential: StoredCredential; item: BatchCredential } => {
        const credential = makeCredential({ id: 'unused', size: LIST_SIZE, createdAt: at(0) }, { statusIndex, idempotencyKey: row.idempotencyKey, issuedAt: at(5), learner: `Learner ${row.line}` });
        return { credential, item: { line: row.line, id: credential.id, jwt: credential.jwt, statusIndex, idempotencyKey: row.idempotencyKey, learner: `Learner ${row.line}`, learnerKeys: `token-${row.line}` } };
      };

      it('stores a batch with its rows; pending rows page by line; counts are by state', async () => {
        const { s, batchId, rows } = await withBatch();
        const batch = await s.getBatch(batchId);
        expect(batch).toMatchObject({ id: batchId, state: 'validated', counts: { pending: 4, invalid: 1, issued: 0 } });
        // Pending rows carry what signing needs: the body as JSON text (parsed by the worker).
        const pending = await s.pendingBatchRows(batchId, 2);
        expect(pending.map((r) => ({ line: r.line, idempotencyKey: r.idempotencyKey, body: JSON.parse(r.bodyJson) as unknown }))).toEqual([rows[0], rows[2]].map((r) => ({ line: r!.line, idempotencyKey: r!.idempotencyKey, body: r!.body })));
        expect((await s.pendingBatchRows(batchId, 10, 4)).map((r) => r.line)).toEqual([5, 6]);
        expect(await s.listBatchRows(batchId, { state: 'invalid', limit: 10, offset: 0 })).toEqual({ items: [rows[1]], total: 1 });
        expect((await s.listBatches(10, 0)).items.map((b) => b.id)).toEqual([batchId]);
      });

      it('commitBatchCredentials stores a chunk: the credentials (JSON read from the JWT) with their rows\' learners, the rows marked issued, one audit event each', async () => {
        const { s, list, batchId, rows } = await withBatch();
        const pending = await s.pendingBatchRows(batchId, 10);
        const made = pending.map((r, i) => signed(r, 100 + i));
        const outcomes = await s.commitBatchCredentials(batchId, { achievementId: 'course', achievementVersion: 1, statusListId: list.id, issuedAt: at(5), credentials: made.map((m) => m.item) }, 'cli');
        expect(outcomes).toEqual(made.map((m) => ({ line: m.item.line, outcome: 'issued', credentialId: m.item.id })));
        for (const m of made) expect(await s.getCredential(m.item.id)).toEqual({ ...m.credential, statusListId: list.id });
        expect(await s.statusListUsage(list.id)).toBe(4);
        expect((await s.getBatch(batchId))!.counts).toEqual({ pending: 0, invalid: 1, issued: 4 });
        expect((await s.listBatchRows(batchId, { state: 'issued', limit: 10, offset: 0 })).items).toEqual(rows.filter((r) => r.state === 'pending').map((r, i) => ({ ...r, state: 'issued', credentialId: made[i]!.item.id })));
        expect((await s.listBatchRows(batchId, { state: 'invalid', limit: 10, offset: 0 })).items).toEqual([rows[1]]);
        const audit = (await s.listAudit(100, 0)).items.filter((e) => e.action === 'credential.issued');
        expect(audit).toEqual(made.map((m) => ({ seq: expect.any(Number), at: at(5), actor: 'cli', action: 'credential.issued', target: m.item.id, detail: { achievementId: 'course', version: 1, batchId, line: m.item.line } })));
        expect(await s.pendingBatchRows(batchId, 10)).toEqual([]);
        // Each credential is found by its learner's name or search token.
        expect((await s.listCredentials({ learner: { text: 'learner 4', key: 'none' }, limit: 10, offset: 0 })).items).toEqual([{ ...made[1]!.credential, statusListId: list.id }]);
        expect((await s.listCredentials({ learner: { text: 'nobody', key: 'token-6' }, limit: 10, offset: 0 })).items.map((c) => c.id)).toEqual([made[3]!.item.id]);
      });

      it('a taken status index is a retry (the row stays pending); a learner issued before is existing (the row points at that credential)', async () => {
        const { s, list, batchId } = await withBatch();
        const [a, b, c] = await s.pendingBatchRows(batchId, 3);
        // Another writer took index 42; learner c got a credential elsewhere (same idempotency key).
        const other = makeCredential(list, { statusIndex: 42 });
        await s.insertCredential(other, issuedEvent(other));
        const earlier = makeCredential(list, { statusIndex: 43, idempotencyKey: c!.idempotencyKey });
        await s.insertCredential(earlier, issuedEvent(earlier));
        const items = [signed(a!, 42).item, signed(b!, 44).item, signed(c!, 45).item];
        const outcomes = await s.commitBatchCredentials(batchId, { achievementId: 'course', achievementVersion: 1, statusListId: list.id, issuedAt: at(5), credentials: items }, 'cli');
        expect(outcomes).toEqual([
          { line: a!.line, outcome: 'retry', credentialId: null },
          { line: b!.line, outcome: 'issued', credentialId: items[1]!.id },
          { line: c!.line, outcome: 'existing', credentialId: earlier.id },
        ]);
        expect(await s.getCredential(items[0]!.id)).toBeNull();
        expect(await s.getCredential(items[2]!.id)).toBeNull();
        expect(await s.countCredentials()).toBe(3);
        expect((await s.pendingBatchRows(batchId, 10)).map((r) => r.line)).toEqual([a!.line, 6]);
        const issued = await s.listBatchRows(batchId, { state: 'issued', limit: 10, offset: 0 });
        expect(issued.items.map((r) => [r.line, r.credentialId])).toEqual([
          [b!.line, items[1]!.id],
          [c!.line, earlier.id],
        ]);
        // Audit: the two direct inserts and the one new batch credential; nothing for retry or existing.
        expect((await s.listAudit(100, 0)).items.filter((e) => e.action === 'credential.issued').map((e) => e.target)).toEqual([other.id, earlier.id, items[1]!.id]);
      });

      it('packed batch credentials: the shared part is stored once, and every credential reads back as the JWT that was signed', async () => {
        const { db, s, list, batchId } = await withBatch();
        const pending = await s.pendingBatchRows(batchId, 10);
        // One achievement text, with non-ASCII (offsets are in string units, lengths in bytes).
        const text = JSON.stringify({ id: 'urn:course', type: ['Achievement'], name: 'Éthique des données — 数据伦理', criteria: { narrative: 'a ~tilde~ and "quotes"' } });
        const part = { hash: partHash(text), text };
        const made = pending.map((r, i) => {
          const c = makeCredential(list, { statusIndex: 200 + i, idempotencyKey: r.idempotencyKey, issuedAt: at(5) });
          const payload = JSON.stringify({ ...c.credential, credentialSubject: { ...(c.credential.credentialSubject as object), achievement: 'X' } });
          const [before, after] = payload.split('"X"') as [string, string];
          const jwt = `eyJhbGciOiJFUzI1NiJ9.${Buffer.from(before + text + after).toString('base64url')}.c2ln${i}`;
          return { r, jwt, credential: JSON.parse(before + text + after) as Record<string, unknown>, packed: packJwt(jwt, part, before, after) };
        });
        expect(made[0]!.packed.length).toBeLessThan(made[0]!.jwt.length);
        const chunk = (xs: typeof made) => ({ achievementId: 'course', achievementVersion: 1, statusListId: list.id, issuedAt: at(5), credentials: xs.map((m) => ({ line: m.r.line, id: m.credential.id as string, jwt: m.packed, statusIndex: 200 + made.indexOf(m), idempotencyKey: m.r.idempotencyKey })), parts: [part] });
        // Without its part, a packed credential is refused before anything is written.
        await expect(s.commitBatchCredentials(batchId, { ...chunk(made.slice(0, 2)), parts: [] }, 'cli')).rejects.toThrow(RangeError);
        await expect(s.commitBatchCredentials(batchId, { ...chunk(made.slice(0, 2)), parts: [{ hash: part.hash, text: `${text} ` }] }, 'cli')).rejects.toThrow(RangeError);
        expect(await s.countCredentials()).toBe(0);
        // Two chunks name the same part: it is kept once.
        await s.commitBatchCredentials(batchId, chunk(made.slice(0, 2)), 'cli');
        await s.commitBatchCredentials(batchId, chunk(made.slice(2)), 'cli');
        for (const m of made) {
          const stored = await s.getCredential(m.credential.id as string);
          expect(stored?.jwt).toBe(m.jwt);
          expect(stored?.credential).toEqual(m.credential);
        }
        const page = await s.listCredentials({ limit: 10, offset: 0 });
        expect(page.items.map((c) => c.jwt).sort()).toEqual(made.map((m) => m.jwt).sort());
        expect((await s.setCredentialState(made[0]!.credential.id as string, 'revoked', 'test', issuedEvent(page.items[0]!)))?.jwt).toBe(made[0]!.jwt);
        // Another connection (no cached part) reads them the same way.
        const again = await open(db);
        expect((await again.getCredential(made[1]!.credential.id as string))?.jwt).toBe(made[1]!.jwt);
      });

      it('refuses a status index outside the list or an unknown list, storing nothing of the chunk', async () => {
        const { s, list, batchId } = await withBatch();
        const [a, b] = await s.pendingBatchRows(batchId, 2);
        const chunk = (statusListId: string, index: number) => ({ achievementId: 'course', achievementVersion: 1, statusListId, issuedAt: at(5), credentials: [signed(a!, 1).item, signed(b!, index).item] });
        await expect(s.commitBatchCredentials(batchId, chunk(list.id, LIST_SIZE), 'cli')).rejects.toThrow(RangeError);
        await expect(s.commitBatchCredentials(batchId, chunk(list.id, -1), 'cli')).rejects.toThrow(RangeError);
        await expect(s.commitBatchCredentials(batchId, chunk('no-such-list', 2), 'cli')).rejects.toThrow();
        expect(await s.countCredentials()).toBe(0);
        expect((await s.getBatch(batchId))!.counts).toEqual({ pending: 4, invalid: 1, issued: 0 });
        expect((await s.listAudit(100, 0)).items.map((e) => e.action)).toEqual(['batch.created']);
        expect(await s.commitBatchCredentials(batchId, { ...chunk(list.id, 2), credentials: [] }, 'cli')).toEqual([]);
      });
    });

    describe('audit log', () => {
      it('is ordered by seq, pages, and keeps every event of issuing and revoking', async () => {
        const { s, list } = await withList();
        await s.appendAudit({ at: at(0), actor: 'cli', action: 'key.created', target: 'k1', detail: { alg: 'ES256', nested: { a: [1, 'two', null] } } });
        await s.appendAudit({ at: at(0), actor: 'system', action: 'token.created', target: 't1' });
        const issued: StoredCredential[] = [];
        for (let i = 0; i < 3; i++) issued.push((await issueWithRetry(s, list, { issuedAt: at(1 + i) })).credential);
        await s.setCredentialState(issued[1]!.id, 'revoked', 'mistake', { at: at(10), actor: 'tok_admin', action: 'credential.revoked', target: issued[1]!.id });

        const all = await s.listAudit(100, 0);
        expect(all.total).toBe(6);
        expect(all.items.map((e) => [e.action, e.target])).toEqual([
          ['key.created', 'k1'],
          ['token.created', 't1'],
          ['credential.issued', issued[0]!.id],
          ['credential.issued', issued[1]!.id],
          ['credential.issued', issued[2]!.id],
          ['credential.revoked', issued[1]!.id],
        ]);
        const seqs = all.items.map((e) => e.seq!);
        expect(seqs.every((n) => Number.isSafeInteger(n))).toBe(true);
        expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
        expect(new Set(seqs).size).toBe(seqs.length);
        expect(all.items[0]).toEqual({ seq: seqs[0], at: at(0), actor: 'cli', action: 'key.created', target: 'k1', detail: { alg: 'ES256', nested: { a: [1, 'two', null] } } });
        expect(all.items[1]).not.toHaveProperty('detail');
        expect(all.items[2]).toEqual({ ...issuedEvent(issued[0]!), seq: seqs[2] });

        expect(await s.listAudit(2, 2)).toEqual({ items: all.items.slice(2, 4), total: 6 });
        expect(await s.listAudit(2, 6)).toEqual({ items: [], total: 6 });
      });

      it('is append-only: the store has no way to change it, and the database refuses UPDATE and DELETE', async () => {
        const { db, s } = await fresh();
        await s.appendAudit({ at: at(0), actor: 'cli', action: 'key.created', target: 'k1' });
        const methods = new Set<string>();
        for (let o: object | null = s; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
          for (const name of Object.getOwnPropertyNames(o)) methods.add(name);
        }
        expect([...methods].filter((m) => /audit/i.test(m)).sort()).toEqual(['appendAudit', 'listAudit']);
        await expect(db.exec("UPDATE audit_log SET actor = 'someone else'")).rejects.toThrow(/append-only/);
        await expect(db.exec('DELETE FROM audit_log')).rejects.toThrow(/append-only/);
        expect((await s.listAudit(10, 0)).items).toEqual([{ seq: expect.any(Number), at: at(0), actor: 'cli', action: 'key.created', target: 'k1' }]);
      });
    });

    describe('OpenID4VCI offers, access tokens and nonces', () => {
      const makeOffer = (credentialId: string, overrides: Partial<StoredOffer> = {}): StoredOffer => {
        const id = overrides.id ?? randomUUID();
        return {
          id,
          lookupHash: `lookup-${id}`,
          codeHash: `code-${id}`,
          txCodeHash: `pin-${id}`,
          credentialId,
          configurationId: 'OpenBadgeCredential_jwt',
          state: 'pending',
          attempts: 0,
          createdAt: at(0),
          expiresAt: at(60),
          createdBy: 'token:t1',
          holderId: null,
          issuedCredentialId: null,
          redeemedAt: null,
          ...overrides,
        };
      };
      const created = (o: StoredOffer): AuditEvent => ({ at: o.createdAt, actor: o.createdBy, action: 'offer.created', target: o.id, detail: { credentialId: o.credentialId } });
      const exchange = (s: Storage, o: StoredOffer, txCodeHash: string | null, minutes = 1, maxAttempts = 3) =>
        s.exchangeOfferCode({ codeHash: o.codeHash, txCodeHash, now: at(minutes), maxAttempts, token: { hash: `at-${randomUUID()}`, createdAt: at(minutes), expiresAt: at(minutes + 10) } });

      /** A store with one issued credential to make offers for. */
      async function withCredential(): Promise<{ db: TestDatabase; s: Storage; credential: StoredCredential }> {
        const { db, s, list } = await withList();
        const { credential } = await issueWithRetry(s, list);
        return { db, s, credential };
      }

      it('stores offers, finds them by id and by lookup hash, and refuses a taken hash', async () => {
        const { s, credential } = await withCredential();
        const offer = makeOffer(credential.id, { createdAt: '2025-03-01T10:00:00+02:00', expiresAt: '2025-03-08T08:00:00Z' });
        await s.insertOffer(offer, created(offer));
        const normalised = { ...offer, createdAt: '2025-03-01T08:00:00.000Z', expiresAt: '2025-03-08T08:00:00.000Z' };
        expect(await s.getOffer(offer.id)).toEqual(normalised);
        expect(await s.findOfferByLookupHash(offer.lookupHash)).toEqual(normalised);
        expect(await s.getOffer(randomUUID())).toBeNull();
        expect(await s.findOfferByLookupHash('nope')).toBeNull();
        await expectConflict(s.insertOffer(makeOffer(credential.id, { lookupHash: offer.lookupHash }), created(offer)), 'duplicate');
        await expectConflict(s.insertOffer(makeOffer(credential.id, { codeHash: offer.codeHash }), created(offer)), 'duplicate');
        // An offer needs a credential that exists.
        await expect(s.insertOffer(makeOffer(`urn:uuid:${randomUUID()}`), created(offer))).rejects.toThrow();
        expect((await s.listAudit(10, 0)).items.filter((e) => e.action === 'offer.created').map((e) => e.target)).toEqual([offer.id]);
      });

      it('exchanges a code once: unknown, expired, transaction code missing, unexpected and wrong (counted, then locked)', async () => {
        const { s, credential } = await withCredential();
        const pin = makeOffer(credential.id);
        const noPin = makeOffer(credential.id, { txCodeHash: null });
        const expired = makeOffer(credential.id, { expiresAt: at(1) });
        const locked = makeOffer(credential.id);
        for (const o of [pin, noPin, expired, locked]) await s.insertOffer(o, created(o));

        expect(await s.exchangeOfferCode({ codeHash: 'nope', txCodeHash: null, now: at(1), maxAttempts: 3, token: { hash: 'x', createdAt: at(1), expiresAt: at(2) } })).toEqual({ kind: 'unknown' });
        expect(await exchange(s, expired, expired.txCodeHash)).toEqual({ kind: 'expired' });
        expect(await exchange(s, pin, null)).toEqual({ kind: 'tx-code-missing' });
        expect(await exchange(s, noPin, 'pin-anything')).toEqual({ kind: 'tx-code-unexpected' });
        expect(await exchange(s, pin, 'wrong')).toEqual({ kind: 'tx-code-wrong', attemptsLeft: 2 });
        expect(await s.getOffer(pin.id)).toMatchObject({ state: 'pending', attempts: 1 });

        const token = { hash: 'access-token-hash', createdAt: at(2), expiresAt: at(12) };
        const ok = await s.exchangeOfferCode({ codeHash: pin.codeHash, txCodeHash: pin.txCodeHash, now: at(2), maxAttempts: 3, token });
        expect(ok).toEqual({ kind: 'ok', offer: { ...pin, state: 'token-issued', attempts: 1 } });
        expect(await s.findAccessToken(token.hash)).toEqual({ ...token, offerId: pin.id });
        expect(await s.findAccessToken('other')).toBeNull();
        expect(await exchange(s, pin, pin.txCodeHash, 3)).toEqual({ kind: 'used' });
        expect((await exchange(s, noPin, null)).kind).toBe('ok');

        expect(await exchange(s, locked, 'wrong-1')).toEqual({ kind: 'tx-code-wrong', attemptsLeft: 2 });
        expect(await exchange(s, locked, 'wrong-2')).toEqual({ kind: 'tx-code-wrong', attemptsLeft: 1 });
        expect(await exchange(s, locked, 'wrong-3')).toEqual({ kind: 'tx-code-wrong', attemptsLeft: 0 });
        expect(await s.getOffer(locked.id)).toMatchObject({ state: 'failed', attempts: 3 });
        expect(await exchange(s, locked, locked.txCodeHash)).toEqual({ kind: 'locked' });
      });

      it('several stores exchanging one code at once (several servers): exactly one gets the token', async () => {
        const { db, s, credential } = await withCredential();
        const offer = makeOffer(credential.id);
        await s.insertOffer(offer, created(offer));
        const stores = [s, ...(await Promise.all(Array.from({ length: 3 }, () => open(db))))];
        const results = await Promise.all(stores.flatMap((store) => [exchange(store, offer, offer.txCodeHash), exchange(store, offer, offer.txCodeHash)]));
        expect(results.filter((r) => r.kind === 'ok')).toHaveLength(1);
        expect(results.filter((r) => r.kind === 'used')).toHaveLength(results.length - 1);
        // Concurrent wrong codes are all counted.
        const other = makeOffer(credential.id);
        await s.insertOffer(other, created(other));
        await Promise.all(stores.map((store) => exchange(store, other, 'wrong', 1, 10)));
        expect((await s.getOffer(other.id))!.attempts).toBe(stores.length);
      });

      it('claims a token-issued offer once, gives it back when issuing fails, and records the holder', async () => {
        const { db, s, list } = await withList();
        const { credential } = await issueWithRetry(s, list);
        const offer = makeOffer(credential.id);
        await s.insertOffer(offer, created(offer));
        expect(await s.claimOffer(offer.id, at(2))).toBeNull(); // still pending
        expect((await exchange(s, offer, offer.txCodeHash)).kind).toBe('ok');

        const stores = [s, await open(db), await open(db)];
        const claims = await Promise.all(stores.map((store) => store.claimOffer(offer.id, at(3))));
        expect(claims.filter((c) => c !== null)).toEqual([{ ...offer, state: 'redeemed', redeemedAt: at(3) }]);
        await s.finishOffer(offer.id, null);
        expect(await s.getOffer(offer.id)).toMatchObject({ state: 'token-issued', redeemedAt: null });

        expect(await s.claimOffer(offer.id, at(4))).toMatchObject({ state: 'redeemed' });
        const { credential: issued } = await issueWithRetry(s, list);
        await s.finishOffer(offer.id, { holderId: 'did:key:z6Mkholder', issuedCredentialId: issued.id, audit: { at: at(4), actor: `oid4vci:offer:${offer.id}`, action: 'offer.redeemed', target: offer.id } });
        expect(await s.getOffer(offer.id)).toEqual({ ...offer, state: 'redeemed', redeemedAt: at(4), holderId: 'did:key:z6Mkholder', issuedCredentialId: issued.id });
        // Finished for good: neither finished again nor given back.
        await expect(s.finishOffer(offer.id, { holderId: 'did:key:other', issuedCredentialId: issued.id, audit: { at: at(5), actor: 'x', action: 'offer.redeemed', target: offer.id } })).rejects.toThrow();
        await s.finishOffer(offer.id, null);
        expect(await s.getOffer(offer.id)).toMatchObject({ state: 'redeemed', holderId: 'did:key:z6Mkholder' });
        expect((await s.listAudit(100, 0)).items.filter((e) => e.action === 'offer.redeemed')).toHaveLength(1);
      });

      it('nonces are single use and expire; concurrent uses of one nonce: exactly one succeeds', async () => {
        const { db, s } = await fresh();
        await s.insertNonce('n1', at(0), at(5));
        await s.insertNonce('n2', at(0), at(5));
        expect(await s.consumeNonce('n1', at(1))).toBe(true);
        expect(await s.consumeNonce('n1', at(1))).toBe(false);
        expect(await s.consumeNonce('unknown', at(1))).toBe(false);
        expect(await s.consumeNonce('n2', at(5))).toBe(false); // expired at 5
        await s.insertNonce('n3', at(0), at(5));
        const stores = [s, await open(db), await open(db)];
        const uses = await Promise.all(stores.flatMap((store) => [store.consumeNonce('n3', at(1)), store.consumeNonce('n3', at(1))]));
        expect(uses.filter(Boolean)).toHaveLength(1);
        await expectConflict(s.insertNonce('n1', at(0), at(5)), 'duplicate');
      });

      it('purges expired nonces and access tokens, keeping live ones and every offer', async () => {
        const { s, credential } = await withCredential();
        const offer = makeOffer(credential.id, { txCodeHash: null });
        await s.insertOffer(offer, created(offer));
        await s.exchangeOfferCode({ codeHash: offer.codeHash, txCodeHash: null, now: at(1), maxAttempts: 3, token: { hash: 'old-token', createdAt: at(1), expiresAt: at(2) } });
        await s.insertNonce('old', at(0), at(2));
        await s.insertNonce('live', at(0), at(30));
        expect(await s.purgeExpiredOid4vci(at(10))).toBe(2);
        expect(await s.findAccessToken('old-token')).toBeNull();
        expect(await s.consumeNonce('live', at(10))).toBe(true);
        expect(await s.getOffer(offer.id)).not.toBeNull();
        expect(await s.purgeExpiredOid4vci(at(10))).toBe(0);
      });
    });

    describe('timestamps', () => {
      it('are ISO strings in and out, normalised to UTC with milliseconds', async () => {
        const { s } = await fresh();
        await s.insertToken({ ...makeToken('t1'), createdAt: '2025-03-01T10:00:00+02:00', revokedAt: '2025-03-02T08:00:00.5Z' });
        expect(await s.findTokenByHash('hash-t1')).toMatchObject({ createdAt: '2025-03-01T08:00:00.000Z', revokedAt: '2025-03-02T08:00:00.500Z' });
        const now = new Date().toISOString();
        await s.appendAudit({ at: now, actor: 'cli', action: 'token.created', target: 't1' });
        expect((await s.listAudit(1, 0)).items[0]!.at).toBe(now);
      });

      it('refuses timestamps without an offset or that are not dates', async () => {
        const { s } = await fresh();
        await expect(s.insertToken({ ...makeToken('t1'), createdAt: '2025-03-01T10:00:00' })).rejects.toThrow(RangeError);
        await expect(s.insertToken({ ...makeToken('t2'), createdAt: 'not a date' })).rejects.toThrow(RangeError);
        await expect(s.insertToken({ ...makeToken('t3'), createdAt: '2025-02-30T10:00:00Z' })).rejects.toThrow(RangeError);
        expect(await s.countTokens()).toBe(0);
      });
    });
  });
}

storageContract('SQLite (file)', sqliteBackend);

describe.skipIf(!hasPostgres)('PostgreSQL', () => {
  storageContract(`PostgreSQL (${PG_URL}, schema per test)`, postgresBackend);
});

// ---------------------------------------------------------------------------------------------
// Not per backend

describe('migrations list', () => {
  it('is numbered 1, 2, 3, … with unique names, each with a SQLite and a PostgreSQL body', () => {
    expect(MIGRATIONS.length).toBeGreaterThan(0);
    MIGRATIONS.forEach((m, i) => {
      expect(m.version).toBe(i + 1);
      expect(m.name).toMatch(/^[a-z0-9_]+$/);
      expect(m.sqlite.trim()).not.toBe('');
      expect(m.postgres.trim()).not.toBe('');
    });
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
  });
});

describe('openStorage picks the store from the URL', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'microcred-open-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses the accepted forms', () => {
    expect(parseDatabaseUrl('postgres://u@h:5432/db')).toEqual({ kind: 'postgres', url: 'postgres://u@h:5432/db' });
    expect(parseDatabaseUrl('postgresql://u@h/db?sslmode=require')).toEqual({ kind: 'postgres', url: 'postgresql://u@h/db?sslmode=require' });
    expect(parseDatabaseUrl('sqlite:./data/microcred.sqlite')).toEqual({ kind: 'sqlite', path: './data/microcred.sqlite' });
    expect(parseDatabaseUrl('sqlite:///var/lib/microcred.sqlite')).toEqual({ kind: 'sqlite', path: '/var/lib/microcred.sqlite' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', path: ':memory:' });
    expect(parseDatabaseUrl('data/microcred.sqlite')).toEqual({ kind: 'sqlite', path: 'data/microcred.sqlite' });
    expect(() => parseDatabaseUrl('mysql://u@h/db')).toThrow(/unsupported database URL scheme/);
    expect(() => parseDatabaseUrl('  ')).toThrow(/empty/);
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(/no SQLite file/);
  });

  it('opens SQLite for sqlite:PATH and for a plain path, creating the parent directory', async () => {
    for (const [url, file] of [
      [`sqlite:${path.join(dir, 'a', 'b', 'one.sqlite')}`, path.join(dir, 'a', 'b', 'one.sqlite')],
      [path.join(dir, 'c', 'two.sqlite'), path.join(dir, 'c', 'two.sqlite')],
    ] as const) {
      const s = await openStorage(url);
      try {
        expect(s.kind).toBe('sqlite');
        await s.migrate();
        await s.ping();
        expect(existsSync(file)).toBe(true);
      } finally {
        await s.close();
      }
    }
  });

  /** The store migrates, keeps a token and counts it; closed in any case. */
  async function keepsAToken(s: Storage): Promise<void> {
    try {
      await s.migrate();
      await s.insertToken(makeToken('t1'));
      expect(await s.countTokens()).toBe(1);
    } finally {
      await s.close();
    }
  }

  it('opens an in-memory SQLite store', async () => {
    await keepsAToken(await openStorage('sqlite::memory:'));
  });

  it('creates a new SQLite database with 16 KiB pages, and opens an existing 4 KiB one as it is', async () => {
    const pageSize = (file: string) => {
      const db = new Database(file, { readonly: true });
      try {
        return db.pragma('page_size', { simple: true }) as number;
      } finally {
        db.close();
      }
    };
    const fresh = path.join(dir, 'pages', 'new.sqlite');
    const existing = path.join(dir, 'pages', 'old.sqlite');
    mkdirSync(path.dirname(existing), { recursive: true });
    const old = new Database(existing);
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE kept (x TEXT)');
    old.prepare('INSERT INTO kept VALUES (?)').run('before');
    old.close();
    expect(pageSize(existing)).toBe(4096);
    for (const [file, size] of [[fresh, 16384], [existing, 4096]] as const) {
      await keepsAToken(await openSqliteStorage(file));
      expect(pageSize(file)).toBe(size);
    }
    const reopened = new Database(existing, { readonly: true });
    expect(reopened.prepare('SELECT x FROM kept').pluck().all()).toEqual(['before']);
    reopened.close();
  });

  it.skipIf(!hasPostgres)('opens PostgreSQL for postgres:// and postgresql:// URLs', async () => {
    for (const url of [PG_URL, PG_URL.replace(/^postgres:/, 'postgresql:')]) {
      const s = await openStorage(url);
      try {
        expect(s.kind).toBe('postgres');
        await s.ping();
      } finally {
        await s.close();
      }
    }
  });

  it('fails to open PostgreSQL with an invalid schema name', async () => {
    await expect(openPostgresStorage(PG_URL, { schema: 'bad; DROP TABLE x' })).rejects.toThrow(/schema must be/);
  });
});
