import { createServer } from 'node:net';
import pg from 'pg';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

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
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error(`${suite}: PostgreSQL is required in CI (${PG_URL})`);
    console.warn(`skipping the PostgreSQL part of ${suite}: cannot connect to ${PG_URL}`);
    return false;
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
