/**
 * 0006: who each credential is for, so registrars find it again (issue #8's console; the values
 * are made by src/service/learner.ts):
 * - `learner`: the names the credential shows in the clear (identityType "name", `hashed: false`);
 * - `learner_keys`: keyed-hash search tokens of every identifier (the key is derived from the KEK).
 * Credentials a batch issued earlier get their names from their rows here. Search tokens need
 * the key, which SQL does not have: credentials issued before this migration are found by name
 * only. A search matches inside the text, which no B-tree serves; in SQLite the issued_at index
 * carries both columns, so a search scans that index (13 MB for 100,000 batch credentials) rather
 * than the table (330 MB), and a new credential is still an append at the end of it.
 * (better-sqlite3 is synchronous: a table scan would hold up the whole service.) PostgreSQL
 * scans the table (0.13–0.15 s for 100,000), while the service goes on serving.
 * Released: never edit, add a new migration instead.
 */
import type { Migration } from './index.js';

const sqlite = /* sql */ `
ALTER TABLE credentials ADD COLUMN learner TEXT;
ALTER TABLE credentials ADD COLUMN learner_keys TEXT;
DROP INDEX credentials_issued_at_idx;
CREATE INDEX credentials_issued_at_learner_idx ON credentials (issued_at, learner, learner_keys);
UPDATE credentials SET learner = n.name
FROM (
  SELECT b.credential_id AS credential_id, group_concat(json_extract(i.value, '$.identifier'), ' · ') AS name
  FROM batch_rows AS b, json_each(b.body, '$.credentialSubject.identifier') AS i
  WHERE b.credential_id IS NOT NULL
    -- CASE: only an object element is JSON text that json_extract may read.
    AND CASE WHEN i.type = 'object' THEN json_extract(i.value, '$.identityType') = 'name' AND json_type(i.value, '$.hashed') = 'false' AND json_type(i.value, '$.identifier') = 'text' ELSE 0 END
  GROUP BY b.batch_id, b.line
) AS n
WHERE n.credential_id = credentials.id;
`;

const postgres = /* sql */ `
ALTER TABLE credentials ADD COLUMN learner TEXT;
ALTER TABLE credentials ADD COLUMN learner_keys TEXT;
UPDATE credentials AS c SET learner = n.name
FROM (
  SELECT b.credential_id, string_agg(i.value ->> 'identifier', ' · ') AS name
  FROM batch_rows AS b
  CROSS JOIN LATERAL jsonb_array_elements(
    CASE WHEN jsonb_typeof(b.body -> 'credentialSubject' -> 'identifier') = 'array' THEN b.body -> 'credentialSubject' -> 'identifier' ELSE '[]'::jsonb END
  ) AS i(value)
  WHERE b.credential_id IS NOT NULL
    AND i.value ->> 'identityType' = 'name'
    AND i.value -> 'hashed' = 'false'::jsonb
    AND jsonb_typeof(i.value -> 'identifier') = 'string'
  GROUP BY b.batch_id, b.line, b.credential_id
) AS n
WHERE n.credential_id = c.id;
`;

export const credentialLearner: Migration = { version: 6, name: 'credential_learner', sqlite, postgres };
