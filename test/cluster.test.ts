/**
 * Multi-process serving (issue #8): `microcred serve --workers N` with node:cluster. The built
 * CLI on loopback, real processes, real signals: one banner, every worker answers, a worker
 * killed with SIGKILL is replaced while requests keep succeeding, SIGTERM ends everything with
 * exit 0, and a bad WORKERS value is a one-line usage error. No speed is asserted here (that is
 * `npm run bench -- http`).
 */
import { describe, expect, it } from 'vitest';
import { Agent, request } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseWorkers } from '../src/config/config.js';
import { workerCount } from '../src/server/cluster.js';
import { issueCredential } from '../src/issuer/index.js';
import { baseRequest, keyFor, signerFor } from './helpers/tokens.js';
import { freePort } from './helpers/net.js';
import { runCli, spawnServe } from './helpers/cli.js';

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), prefix));


type Call = (method: string, path: string, body?: string, headers?: Record<string, string>) => Promise<{ status: number; json: Record<string, unknown> }>;

/**
 * Requests on one keep-alive connection of their own. The cluster primary hands each new
 * connection to the next worker, and every request on a connection is served by that worker:
 * /health on it names the worker that serves the rest.
 */
function connection(port: number): { call: Call; close: () => void } {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const call: Call = (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, agent, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, timeout: 10_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> });
          } catch {
            reject(new Error(`${method} ${path}: not JSON (${res.statusCode}): ${text.slice(0, 200)}`));
          }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}

/** The pid of the worker behind a connection. */
async function pidOf(call: Call): Promise<number> {
  const r = await call('GET', '/health');
  expect(r.status).toBe(200);
  expect(r.json).toMatchObject({ status: 'ok', worker: expect.any(Number), pid: expect.any(Number) });
  return r.json.pid as number;
}

/**
 * On `n` fresh connections: which worker serves each, and what `work` got from it there.
 * Successive connections go to successive workers.
 */
async function onFreshConnections<T>(port: number, n: number, work: (call: Call) => Promise<T>): Promise<Array<{ pid: number; result: T }>> {
  const out: Array<{ pid: number; result: T }> = [];
  for (let i = 0; i < n; i++) {
    const c = connection(port);
    try {
      const pid = await pidOf(c.call);
      out.push({ pid, result: await work(c.call) });
    } finally {
      c.close();
    }
  }
  return out;
}

const pidsOf = (xs: Array<{ pid: number }>) => new Set(xs.map((x) => x.pid));

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Structured log lines (pino JSON) of a process's stdout. */
const logLines = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('microcred serve --verifier-only --workers 2', () => {
  it('prints one banner; both workers verify; a worker killed with SIGKILL is replaced while requests keep succeeding; SIGTERM exits 0', async () => {
    const dir = tmp('mc-cluster-');
    const port = await freePort();
    const { jwt } = await issueCredential(baseRequest(), signerFor(keyFor('ES256')));
    const verifyBody = JSON.stringify({ credential: jwt });
    const s = await spawnServe(['--verifier-only', '--workers', '2'], { PORT: String(port), LOG_LEVEL: 'info' }, dir);
    try {
      expect(s.out().match(/listening on/g)).toHaveLength(1);
      expect(s.out()).toContain(`microcred verifier listening on http://127.0.0.1:${port} (verifier only: no keys, no database; 2 workers)`);

      // Both workers answer, and both do real work (a full verification each).
      const verify = async (call: Call) => {
        const r = await call('POST', '/api/v1/verify', verifyBody);
        expect(r.status).toBe(200);
        expect(r.json).toMatchObject({ verdict: expect.any(String), checks: expect.any(Array) });
        expect(r.json.checks as Array<{ status: string }>).not.toContainEqual(expect.objectContaining({ status: 'failed' }));
        return r.status;
      };
      const pids = pidsOf(await onFreshConnections(port, 4, verify));
      expect(pids.size).toBe(2);

      // Kill one worker outright. Once the primary has reaped it, every request must still succeed
      // (served by the survivor) until the replacement, a new process, answers too.
      const [victim] = [...pids];
      process.kill(victim!, 'SIGKILL');
      await until('the killed worker is reaped', () => !alive(victim!));
      const seen = new Set<number>();
      await until('a replacement worker verifies', async () => {
        for (const { pid } of await onFreshConnections(port, 1, verify)) seen.add(pid);
        return [...seen].some((p) => !pids.has(p));
      });
      expect(seen.has(victim!)).toBe(false);
      const now = pidsOf(await onFreshConnections(port, 4, verify));
      expect(now.size).toBe(2);
      expect(now.has(victim!)).toBe(false);

      // The logs say which process wrote them: the primary reports the death and the restart.
      const logs = logLines(s.out());
      expect(logs).toContainEqual(expect.objectContaining({ role: 'primary', workerPid: victim, signal: 'SIGKILL', msg: expect.stringMatching(/exited unexpectedly/) }));
      expect(logs).toContainEqual(expect.objectContaining({ role: 'primary', msg: 'replacement worker listening' }));
      expect(logs.filter((l) => l.req !== undefined).every((l) => typeof l.worker === 'number')).toBe(true);

      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
      for (const pid of [...pids, ...now]) expect(alive(pid)).toBe(false);
      expect(s.out().match(/listening on/g)).toHaveLength(1);
      expect(s.err()).toBe('');
    } finally {
      s.child.kill('SIGKILL');
    }
  });
});

describe('microcred serve (issuer service) with WORKERS=2', () => {
  it('on a fresh SQLite directory: one banner, one bootstrap token that works on both workers, exit 0 on SIGTERM', async () => {
    const dir = tmp('mc-cluster-issuer-');
    const port = await freePort();
    const s = await spawnServe([], { PORT: String(port), DATA_DIR: dir, WORKERS: '2' }, dir);
    try {
      await until('the banner is complete', () => /bootstrap admin token[^\n]*\n\s+mc_\S+/.test(s.out()), 5_000);
      expect(s.out()).toContain(`microcred issuer service listening on http://127.0.0.1:${port} (2 workers)`);
      expect(s.out().match(/listening on/g)).toHaveLength(1);
      // The first worker starts alone and creates the key and the token; the second finds them.
      expect(s.out().match(/bootstrap admin token/g)).toHaveLength(1);
      const token = /\n\s+(mc_\S+)/.exec(s.out())![1]!;
      // Both workers read the one database: the token works on each, and there is one signing key.
      const served = await onFreshConnections(port, 4, async (call) => {
        expect((await call('GET', '/api/v1/achievements', undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
        return ((await call('GET', '/.well-known/jwks.json')).json.keys as unknown[]).length;
      });
      const pids = pidsOf(served);
      expect(pids.size).toBe(2);
      expect(served.map((x) => x.result)).toEqual([1, 1, 1, 1]);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
      expect(s.out()).toContain('SIGTERM: finishing in-flight requests…');
      for (const pid of pids) expect(alive(pid)).toBe(false);
    } finally {
      s.child.kill('SIGKILL');
    }
  });
});

describe('WORKERS configuration', () => {
  it('a bad WORKERS or --workers value exits 2 with one line naming it, no stack trace', async () => {
    const dir = tmp('mc-cluster-cfg-');
    const env = await runCli(['serve', '--verifier-only'], { WORKERS: 'abc' }, dir);
    expect(env.code).toBe(2);
    expect(env.stdout).toBe('');
    expect(env.stderr).toBe('microcred: MC_USAGE: configuration: WORKERS: must be "auto" or a whole number from 1 to 256, got "abc"\n');
    for (const bad of ['0', '-1', '1.5', '1e1', '257', '']) {
      const flag = await runCli(['serve', '--workers', bad], { DATA_DIR: dir }, dir);
      expect(flag.code, bad).toBe(2);
      expect(flag.stderr).toMatch(/^microcred: MC_USAGE: configuration: --workers: must be "auto" or a whole number from 1 to 256, got ".*"\n$/);
    }
  });

  it('a worker that cannot start ends the cluster with its exit code and one error line', async () => {
    const dir = tmp('mc-cluster-cfg-');
    const r = await runCli(['serve', '--verifier-only', '--workers', '2'], { PORT: String(await freePort()), TRUST_REGISTRY: join(dir, 'missing.json') }, dir);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^microcred: MC_USAGE: TRUST_REGISTRY: cannot read .*missing\.json: ENOENT\n$/);
  });

  it('parses WORKERS (a file value too); unset, each mode has its default', () => {
    const dir = tmp('mc-cluster-cfg-');
    expect(loadConfig({}, dir).workers).toBeNull();
    expect(loadConfig({ WORKERS: 'auto' }, dir).workers).toBe('auto');
    expect(loadConfig({ WORKERS: ' 3 ' }, dir).workers).toBe(3);
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ WORKERS: 4 }));
    expect(loadConfig({ MICROCRED_CONFIG: 'c.json' }, dir).workers).toBe(4);
    expect(() => loadConfig({ WORKERS: 'many' }, dir)).toThrow(ConfigError);
    expect(() => parseWorkers('0x10')).toThrow(/WORKERS: must be/);
    expect(workerCount(null, 'issuer')).toBe(1);
    expect(workerCount(null, 'verifier')).toBe(availableParallelism());
    expect(workerCount('auto', 'issuer')).toBe(availableParallelism());
    expect(workerCount(3, 'verifier')).toBe(3);
  });
});
