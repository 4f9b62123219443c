import { createServer } from 'node:net';
import pg from 'pg';

/** The test database; TEST_DATABASE_URL (or MICROCRED_TEST_POSTGRES_URL) overrides the CI default. */
export const PG_URL = process.env.TEST_DATABASE_URL ?? process.env.MICROCRED_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A free TCP port on loopback (for services that must know their port before they start). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Is the test PostgreSQL reachable? In CI it must be (the suite fails); elsewhere its tests skip
 * with one clear line.
 */
export async function requirePostgres(suite: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    const reason = error instanceof Error ? error.message || error.name : String(error);
    if (process.env.CI === 'true') throw new Error(`${suite}: PostgreSQL at ${PG_URL} is required in CI but unreachable: ${reason}`);
    console.warn(`skipping the PostgreSQL part of ${suite}: cannot connect to ${PG_URL} (${reason}); start PostgreSQL or set TEST_DATABASE_URL`);
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A fresh schema name per run, and a function that drops it. */
export function scratchSchema(prefix: string): { schema: string; drop: () => Promise<void> } {
  const schema = `${prefix}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6)}`;
  return {
    schema,
    drop: async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    },
  };
}
