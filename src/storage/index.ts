/**
 * Storage entry point: `openStorage(DATABASE_URL)` picks the implementation from the URL.
 *
 *   postgres://… | postgresql://…        → PostgreSQL (pg.Pool)
 *   sqlite:PATH | sqlite://PATH | PATH    → SQLite file (parent directory created); `sqlite::memory:` for tests
 *
 * The returned store is not migrated yet: call `await storage.migrate()` at startup.
 */
import { openPostgresStorage } from './postgres/index.js';
import { openSqliteStorage } from './sqlite/index.js';
import type { Storage } from './types.js';

export * from './types.js';
export { MIGRATIONS, LATEST_SCHEMA_VERSION, type Migration } from './migrations/index.js';
export { STATUS_LIST_FILL_LIMIT } from './common.js';
export { openPostgresStorage, type PostgresStorageOptions } from './postgres/index.js';
export { openSqliteStorage } from './sqlite/index.js';

export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'sqlite'; path: string };

/** Which store a database URL names, and where. Throws on an empty value or an unsupported scheme. */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  const value = databaseUrl.trim();
  if (value === '') throw new Error('database URL is empty');
  if (/^postgres(?:ql)?:\/\//i.test(value)) return { kind: 'postgres', url: value };
  const sqlite = /^sqlite:(?:\/\/)?(.*)$/i.exec(value);
  if (sqlite) {
    const file = sqlite[1] ?? '';
    if (file === '') throw new Error(`database URL ${JSON.stringify(databaseUrl)} names no SQLite file`);
    return { kind: 'sqlite', path: file };
  }
  // Anything else with a URL scheme (mysql://, file://, …) is a mistake, not a file name.
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value);
  if (scheme) throw new Error(`unsupported database URL scheme "${scheme[1]}:" (use postgres://, postgresql://, sqlite:PATH or a file path)`);
  return { kind: 'sqlite', path: value };
}

export async function openStorage(databaseUrl: string): Promise<Storage> {
  const target = parseDatabaseUrl(databaseUrl);
  return target.kind === 'postgres' ? openPostgresStorage(target.url) : openSqliteStorage(target.path);
}
