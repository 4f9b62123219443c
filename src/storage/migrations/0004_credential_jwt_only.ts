/**
 * 0004: a credential is stored once, as its JWT (issue #8). The JSON column duplicated the JWT
 * payload: for a typical Open Badge about 5 KB of JSON next to 9 KB of JWT, written for every
 * credential. The stores now derive the JSON from the JWT when reading (../common.ts,
 * `credentialFromJwt`). Every row written so far holds the same credential in both columns, so
 * dropping the JSON loses nothing. Released: never edit, add a new migration instead.
 *
 * SQLite rewrites the table without the column (DROP COLUMN, SQLite ≥ 3.35; the column's own
 * CHECK goes with it). PostgreSQL only marks the column dropped; its space is reused as rows
 * are rewritten (or at once with VACUUM FULL). PostgreSQL also compresses new JWTs with lz4
 * where the server has it (below).
 */
import type { Migration } from './index.js';

const sqlite = /* sql */ `
ALTER TABLE credentials DROP COLUMN credential;
`;

const postgres = /* sql */ `
ALTER TABLE credentials DROP COLUMN credential;
-- A JWT (about 9 KB) is compressed and stored out of line (TOAST). lz4 compresses it to the same
-- size as the default pglz at a fraction of the server's CPU (half the time of a batch INSERT).
-- PostgreSQL < 14 (syntax error) or built without lz4 (feature not supported) keeps pglz.
DO $mc$
BEGIN
  EXECUTE 'ALTER TABLE credentials ALTER COLUMN jwt SET COMPRESSION lz4';
EXCEPTION WHEN feature_not_supported OR syntax_error THEN
  NULL;
END
$mc$;
`;

export const credentialJwtOnly: Migration = { version: 4, name: 'credential_jwt_only', sqlite, postgres };
