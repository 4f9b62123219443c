/**
 * 0002: OpenID4VCI (issue #6): credential offers (pre-authorized code flow), access tokens and
 * c_nonces. Released: never edit, add a new migration instead.
 *
 * Secrets are stored only as hashes (the offer's URL secret, the pre-authorized code, the
 * transaction code, access tokens, nonces). Same conventions as 0001: JSON-free; timestamps TEXT
 * in canonical ISO form in SQLite and TIMESTAMPTZ in PostgreSQL; named unique constraints.
 */
import type { Migration } from './index.js';

const sqlite = /* sql */ `
CREATE TABLE oid4vci_offers (
  id                   TEXT PRIMARY KEY,
  lookup_hash          TEXT NOT NULL,
  code_hash            TEXT NOT NULL,
  tx_code_hash         TEXT,
  credential_id        TEXT NOT NULL REFERENCES credentials (id),
  configuration_id     TEXT NOT NULL,
  state                TEXT NOT NULL CHECK (state IN ('pending', 'token-issued', 'redeemed', 'failed')),
  attempts             INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at           TEXT NOT NULL,
  expires_at           TEXT NOT NULL,
  created_by           TEXT NOT NULL,
  holder_id            TEXT,
  issued_credential_id TEXT REFERENCES credentials (id),
  redeemed_at          TEXT,
  CONSTRAINT oid4vci_offers_lookup_key UNIQUE (lookup_hash),
  CONSTRAINT oid4vci_offers_code_key UNIQUE (code_hash)
);
CREATE INDEX oid4vci_offers_credential_idx ON oid4vci_offers (credential_id);

CREATE TABLE oid4vci_access_tokens (
  hash       TEXT PRIMARY KEY,
  offer_id   TEXT NOT NULL REFERENCES oid4vci_offers (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX oid4vci_access_tokens_expires_idx ON oid4vci_access_tokens (expires_at);

CREATE TABLE oid4vci_nonces (
  hash       TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  used_at    TEXT
);
CREATE INDEX oid4vci_nonces_expires_idx ON oid4vci_nonces (expires_at);
`;

const postgres = /* sql */ `
CREATE TABLE oid4vci_offers (
  id                   TEXT PRIMARY KEY,
  lookup_hash          TEXT NOT NULL,
  code_hash            TEXT NOT NULL,
  tx_code_hash         TEXT,
  credential_id        TEXT NOT NULL,
  configuration_id     TEXT NOT NULL,
  state                TEXT NOT NULL CHECK (state IN ('pending', 'token-issued', 'redeemed', 'failed')),
  attempts             INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  created_at           TIMESTAMPTZ NOT NULL,
  expires_at           TIMESTAMPTZ NOT NULL,
  created_by           TEXT NOT NULL,
  holder_id            TEXT,
  issued_credential_id TEXT,
  redeemed_at          TIMESTAMPTZ,
  CONSTRAINT oid4vci_offers_lookup_key UNIQUE (lookup_hash),
  CONSTRAINT oid4vci_offers_code_key UNIQUE (code_hash),
  CONSTRAINT oid4vci_offers_credential_fkey FOREIGN KEY (credential_id) REFERENCES credentials (id),
  CONSTRAINT oid4vci_offers_issued_credential_fkey FOREIGN KEY (issued_credential_id) REFERENCES credentials (id)
);
CREATE INDEX oid4vci_offers_credential_idx ON oid4vci_offers (credential_id);

CREATE TABLE oid4vci_access_tokens (
  hash       TEXT PRIMARY KEY,
  offer_id   TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  CONSTRAINT oid4vci_access_tokens_offer_fkey FOREIGN KEY (offer_id) REFERENCES oid4vci_offers (id) ON DELETE CASCADE
);
CREATE INDEX oid4vci_access_tokens_expires_idx ON oid4vci_access_tokens (expires_at);

CREATE TABLE oid4vci_nonces (
  hash       TEXT PRIMARY KEY,
  created_at TIMESTAMPTZ NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  used_at    TIMESTAMPTZ
);
CREATE INDEX oid4vci_nonces_expires_idx ON oid4vci_nonces (expires_at);
`;

export const oid4vci: Migration = { version: 2, name: 'oid4vci', sqlite, postgres };
