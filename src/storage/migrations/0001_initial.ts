/**
 * 0001: the initial schema. Released: never edit, add a new migration instead.
 *
 * Types: JSON payloads are TEXT (checked with json_valid) in SQLite and JSONB in PostgreSQL;
 * timestamps are TEXT in canonical ISO form (`…T…:…:….mmmZ`, sorts as text) in SQLite and
 * TIMESTAMPTZ in PostgreSQL. Unique constraints carry names, because the PostgreSQL store tells
 * conflicts apart by constraint name (see ../common.ts).
 */
import type { Migration } from './index.js';

const sqlite = /* sql */ `
CREATE TABLE keys (
  id                    TEXT PRIMARY KEY,
  alg                   TEXT NOT NULL CHECK (alg IN ('ES256', 'RS256', 'EdDSA')),
  public_jwk            TEXT NOT NULL CHECK (json_valid(public_jwk)),
  encrypted_private_jwk TEXT NOT NULL,
  state                 TEXT NOT NULL CHECK (state IN ('active', 'retired', 'compromised')),
  created_at            TEXT NOT NULL,
  state_changed_at      TEXT
);
-- At most one active key; rotateKey swaps it in one transaction.
CREATE UNIQUE INDEX keys_single_active ON keys (state) WHERE state = 'active';

CREATE TABLE tokens (
  id         TEXT PRIMARY KEY,
  hash       TEXT NOT NULL,
  scopes     TEXT NOT NULL CHECK (json_valid(scopes)),
  label      TEXT NOT NULL,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  CONSTRAINT tokens_hash_key UNIQUE (hash)
);

CREATE TABLE achievements (
  id         TEXT NOT NULL,
  version    INTEGER NOT NULL CHECK (version >= 1),
  body       TEXT NOT NULL CHECK (json_valid(body)),
  created_at TEXT NOT NULL,
  PRIMARY KEY (id, version)
);

CREATE TABLE status_lists (
  id         TEXT PRIMARY KEY,
  -- Creation order: the newest list is the one with the highest seq.
  seq        INTEGER NOT NULL,
  size       INTEGER NOT NULL CHECK (size > 0),
  created_at TEXT NOT NULL,
  CONSTRAINT status_lists_seq_key UNIQUE (seq)
);

CREATE TABLE credentials (
  id                  TEXT PRIMARY KEY,
  achievement_id      TEXT NOT NULL,
  achievement_version INTEGER NOT NULL,
  jwt                 TEXT NOT NULL,
  credential          TEXT NOT NULL CHECK (json_valid(credential)),
  status_list_id      TEXT NOT NULL REFERENCES status_lists (id),
  status_index        INTEGER NOT NULL CHECK (status_index >= 0),
  state               TEXT NOT NULL CHECK (state IN ('active', 'revoked', 'suspended')),
  state_reason        TEXT,
  issued_at           TEXT NOT NULL,
  idempotency_key     TEXT,
  request_hash        TEXT,
  CONSTRAINT credentials_status_slot_key UNIQUE (status_list_id, status_index),
  CONSTRAINT credentials_achievement_fkey FOREIGN KEY (achievement_id, achievement_version)
    REFERENCES achievements (id, version)
);
CREATE UNIQUE INDEX credentials_idempotency_key_key ON credentials (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX credentials_achievement_idx ON credentials (achievement_id, achievement_version);
CREATE INDEX credentials_state_idx ON credentials (state);
CREATE INDEX credentials_issued_at_idx ON credentials (issued_at);

CREATE TABLE audit_log (
  seq    INTEGER PRIMARY KEY AUTOINCREMENT,
  at     TEXT NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail TEXT CHECK (detail IS NULL OR json_valid(detail))
);
-- Append-only, also for anyone with a SQL shell.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
`;

const postgres = /* sql */ `
CREATE TABLE keys (
  id                    TEXT PRIMARY KEY,
  alg                   TEXT NOT NULL CHECK (alg IN ('ES256', 'RS256', 'EdDSA')),
  public_jwk            JSONB NOT NULL,
  encrypted_private_jwk TEXT NOT NULL,
  state                 TEXT NOT NULL CHECK (state IN ('active', 'retired', 'compromised')),
  created_at            TIMESTAMPTZ NOT NULL,
  state_changed_at      TIMESTAMPTZ
);
-- At most one active key; rotateKey swaps it in one transaction.
CREATE UNIQUE INDEX keys_single_active ON keys (state) WHERE state = 'active';

CREATE TABLE tokens (
  id         TEXT PRIMARY KEY,
  hash       TEXT NOT NULL,
  scopes     JSONB NOT NULL,
  label      TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  revoked_at TIMESTAMPTZ,
  CONSTRAINT tokens_hash_key UNIQUE (hash)
);

CREATE TABLE achievements (
  id         TEXT NOT NULL,
  version    INTEGER NOT NULL CHECK (version >= 1),
  body       JSONB NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  CONSTRAINT achievements_pkey PRIMARY KEY (id, version)
);

CREATE TABLE status_lists (
  id         TEXT PRIMARY KEY,
  -- Creation order: the newest list is the one with the highest seq.
  seq        BIGINT GENERATED ALWAYS AS IDENTITY,
  size       INTEGER NOT NULL CHECK (size > 0),
  created_at TIMESTAMPTZ NOT NULL,
  CONSTRAINT status_lists_seq_key UNIQUE (seq)
);

CREATE TABLE credentials (
  id                  TEXT PRIMARY KEY,
  achievement_id      TEXT NOT NULL,
  achievement_version INTEGER NOT NULL,
  jwt                 TEXT NOT NULL,
  credential          JSONB NOT NULL,
  status_list_id      TEXT NOT NULL,
  status_index        INTEGER NOT NULL CHECK (status_index >= 0),
  state               TEXT NOT NULL CHECK (state IN ('active', 'revoked', 'suspended')),
  state_reason        TEXT,
  issued_at           TIMESTAMPTZ NOT NULL,
  idempotency_key     TEXT,
  request_hash        TEXT,
  CONSTRAINT credentials_status_slot_key UNIQUE (status_list_id, status_index),
  CONSTRAINT credentials_status_list_fkey FOREIGN KEY (status_list_id) REFERENCES status_lists (id),
  CONSTRAINT credentials_achievement_fkey FOREIGN KEY (achievement_id, achievement_version)
    REFERENCES achievements (id, version)
);
CREATE UNIQUE INDEX credentials_idempotency_key_key ON credentials (idempotency_key) WHERE idempotency_key IS NOT NULL;
CREATE INDEX credentials_achievement_idx ON credentials (achievement_id, achievement_version);
CREATE INDEX credentials_state_idx ON credentials (state);
CREATE INDEX credentials_issued_at_idx ON credentials (issued_at);

CREATE TABLE audit_log (
  seq    BIGSERIAL PRIMARY KEY,
  at     TIMESTAMPTZ NOT NULL,
  actor  TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  detail JSONB
);
-- Append-only, also for anyone with a SQL shell (the table owner can still drop the triggers).
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only';
END;
$fn$;
CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
`;

export const initial: Migration = { version: 1, name: 'initial', sqlite, postgres };
