import type { Migration } from './index.js';

/** Cohort batch jobs (issue #8): a job per upload, a row per learner, resumable after a crash. */
export const batches: Migration = {
  version: 3,
  name: 'batches',
  sqlite: `
CREATE TABLE batches (
  id TEXT PRIMARY KEY,
  achievement_id TEXT NOT NULL,
  achievement_version INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('validated', 'running', 'done', 'failed')),
  source TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  FOREIGN KEY (achievement_id, achievement_version) REFERENCES achievements (id, version)
);
CREATE TABLE batch_rows (
  batch_id TEXT NOT NULL REFERENCES batches (id),
  line INTEGER NOT NULL,
  learner TEXT NOT NULL,
  body TEXT NOT NULL CHECK (json_valid(body)),
  idempotency_key TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'invalid', 'issued')),
  credential_id TEXT,
  problems TEXT CHECK (problems IS NULL OR json_valid(problems)),
  PRIMARY KEY (batch_id, line)
);
CREATE INDEX batch_rows_state ON batch_rows (batch_id, state, line);
`,
  postgres: `
CREATE TABLE batches (
  id TEXT PRIMARY KEY,
  achievement_id TEXT NOT NULL,
  achievement_version INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('validated', 'running', 'done', 'failed')),
  source TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL,
  FOREIGN KEY (achievement_id, achievement_version) REFERENCES achievements (id, version)
);
CREATE TABLE batch_rows (
  batch_id TEXT NOT NULL REFERENCES batches (id),
  line INTEGER NOT NULL,
  learner TEXT NOT NULL,
  body JSONB NOT NULL,
  idempotency_key TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'invalid', 'issued')),
  credential_id TEXT,
  problems JSONB,
  PRIMARY KEY (batch_id, line)
);
CREATE INDEX batch_rows_state ON batch_rows (batch_id, state, line);
`,
};
