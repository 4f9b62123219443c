/**
 * Versioned schema migrations, in the style of Veramo's data-store: one ordered, append-only
 * array; each migration has a SQLite body and a PostgreSQL body. The stores record applied
 * versions in `schema_migrations (version, name, applied_at)` and run pending ones at startup
 * (`Storage.migrate()`) under a lock: SQLite `BEGIN IMMEDIATE` (the database write lock),
 * PostgreSQL `pg_advisory_lock`. A migration is recorded in the same transaction that applies it
 * (SQLite: all pending migrations in one transaction; PostgreSQL: one transaction each).
 *
 * Rules:
 * - Never edit or reorder a released migration; add a new file (`0002_….ts`) and append it.
 *   The stores refuse to start when the recorded name of a version differs from the code's.
 * - Versions are 1, 2, 3, … without gaps.
 * - A database with a version this build does not know (a newer build migrated it) is refused.
 * - SQLite runs with `foreign_keys = ON`, which cannot be switched inside a transaction: a
 *   migration that rebuilds a referenced table must copy into a new table and rename, keeping
 *   references valid at commit.
 */
import { initial } from './0001_initial.js';
import { oid4vci } from './0002_oid4vci.js';
import { batches } from './0003_batches.js';
import { credentialJwtOnly } from './0004_credential_jwt_only.js';
import { credentialParts } from './0005_credential_parts.js';
import { credentialLearner } from './0006_credential_learner.js';

export interface Migration {
  /** 1, 2, 3, …: the order of application. */
  version: number;
  /** Short snake_case description, recorded with the version. */
  name: string;
  /** SQL run with `db.exec` (several statements allowed). */
  sqlite: string;
  /** SQL run as one simple-protocol query (several statements allowed, no parameters). */
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [initial, oid4vci, batches, credentialJwtOnly, credentialParts, credentialLearner];

/** The newest schema version this build knows. */
export const LATEST_SCHEMA_VERSION: number = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

export interface AppliedMigration {
  version: number;
  name: string;
}

/**
 * Checks the recorded migrations against MIGRATIONS and returns the pending ones, in order.
 * Throws when the database is ahead of this build or its history differs from the code's.
 */
export function pendingMigrations(applied: readonly AppliedMigration[]): Migration[] {
  const known = new Map(MIGRATIONS.map((m) => [m.version, m]));
  for (const row of applied) {
    const m = known.get(row.version);
    if (!m) {
      throw new Error(
        `database schema version ${row.version} ("${row.name}") is unknown to this build (latest known: ${LATEST_SCHEMA_VERSION}); ` +
          'a newer version of microcred migrated this database',
      );
    }
    if (m.name !== row.name) {
      throw new Error(`schema migration ${row.version} is recorded as "${row.name}" but this build calls it "${m.name}"; migrations must never be edited`);
    }
  }
  const done = new Set(applied.map((r) => r.version));
  return MIGRATIONS.filter((m) => !done.has(m.version));
}
