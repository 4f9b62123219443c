/**
 * 0005: the parts cohort credentials share, stored once (issue #8). A batch stores each
 * credential's JWT in packed form, without the achievement text every credential of the batch
 * repeats; that text is stored here, once, under its SHA-256 (src/storage/packed-jwt.ts). Plain
 * JWTs already stored stay as they are. Released: never edit, add a new migration instead.
 */
import type { Migration } from './index.js';

const sqlite = /* sql */ `
CREATE TABLE credential_parts (
  hash TEXT PRIMARY KEY,
  text TEXT NOT NULL
);
`;

const postgres = /* sql */ `
CREATE TABLE credential_parts (
  hash TEXT PRIMARY KEY,
  text TEXT NOT NULL
);
`;

export const credentialParts: Migration = { version: 5, name: 'credential_parts', sqlite, postgres };
