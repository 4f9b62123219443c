/**
 * A running issuer service on loopback for the security tests (property, privacy, load):
 * SQLite in a temporary directory, an explicit key-encryption key (so tests can look for it),
 * an achievement, tokens per scope, and a fetch helper that records every response.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadConfig, type ServiceConfig } from '../../src/config/config.js';
import { startService, type RunningService } from '../../src/server/start.js';
import { openSqliteStorage } from '../../src/storage/index.js';
import { createGuardedFetcher, type ResourceFetcher } from '../../src/verifier/index.js';
import { freePort } from '../helpers/net.js';
import { bearer, exampleParts, readResult, type ApiResult } from '../helpers/service.js';

export { bearer, exampleParts } from '../helpers/service.js';
export type ApiResponse = ApiResult;

export interface IssuerHarness {
  svc: RunningService;
  config: ServiceConfig;
  port: number;
  /** The public base URL (a fake host name resolved to loopback by `fetcher`). */
  base: string;
  /** The key-encryption key, base64url. */
  kek: string;
  admin: string;
  tokens: { issue: string; revoke: string };
  achievementId: string;
  /** A guarded fetcher that reaches the service under its public host name. */
  fetcher: ResourceFetcher;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResponse>;
  close(): Promise<void>;
}

export async function startIssuer(options: { log?: Logger; env?: Record<string, string>; onResponse?: (r: ApiResponse) => void } = {}): Promise<IssuerHarness> {
  const port = await freePort();
  const host = 'issuer.test';
  const base = `http://${host}:${port}`;
  const dir = mkdtempSync(join(tmpdir(), 'mc-sec-'));
  const kek = randomBytes(32).toString('base64url');
  const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', BASE_URL: base, DATA_DIR: dir, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000', MICROCRED_KEK: kek, ...options.env });
  const svc = await startService(config, { storage: await openSqliteStorage(join(dir, 'microcred.db')), ...(options.log ? { log: options.log } : {}) });
  const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const r = await readResult(res);
    options.onResponse?.(r);
    return r;
  };
  const admin = svc.bootstrapToken!;
  const mk = async (scopes: string[]) => (await api('POST', '/api/v1/tokens', { scopes, label: scopes.join('+') }, bearer(admin))).json.token as string;
  const tokens = { issue: await mk(['issue']), revoke: await mk(['revoke']) };
  const { achievement } = exampleParts();
  const created = await api('POST', '/api/v1/achievements', { ...achievement, id: 'data-ethics-101' }, bearer(admin));
  if (created.status !== 201) throw new Error(`achievement: ${created.status} ${created.text}`);
  const fetcher = createGuardedFetcher({ allowHttp: true, allowedHosts: [host], lookup: async () => [{ address: '127.0.0.1', family: 4 }], cacheTtlMs: 0 });
  return { svc, config, port, base, kek, admin, tokens, achievementId: 'data-ethics-101', fetcher, api, close: () => svc.close() };
}
