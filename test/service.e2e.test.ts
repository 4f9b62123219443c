import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/config.js';
import { startService, type RunningService } from '../src/server/start.js';
import { openPostgresStorage, openSqliteStorage } from '../src/storage/index.js';
import type { Storage } from '../src/storage/types.js';
import { createGuardedFetcher, verifyCredential, type VerificationReport } from '../src/verifier/index.js';
import { REPO } from './helpers/tokens.js';
import { freePort, PG_URL, requirePostgres, scratchSchema } from './helpers/net.js';
import { bearer, exampleParts, readResult, type ApiResult } from './helpers/service.js';



const pgUp = await requirePostgres('the issuer service tests');

interface Ctx {
  svc: RunningService;
  base: string;
  admin: string;
  verify(jwt: string): Promise<VerificationReport>;
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiResult>;
}

function serviceSuite(name: string, makeStorage: () => Promise<{ storage: Storage; cleanup: () => Promise<void> }>, enabled = true) {
  describe.skipIf(!enabled)(`issuer service over HTTP (${name})`, () => {
    const ctx = {} as Ctx;
    let cleanup: () => Promise<void> = async () => {};

    beforeAll(async () => {
      const port = await freePort();
      const made = await makeStorage();
      cleanup = made.cleanup;
      const host = 'issuer.test';
      const base = `http://${host}:${port}`;
      const config = loadConfig({ PORT: String(port), HOST: '127.0.0.1', BASE_URL: base, DATA_DIR: mkdtempSync(join(tmpdir(), 'mc-svc-')), LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '100000' });
      const svc = await startService(config, { storage: made.storage });
      // The verifier reaches the service as a remote verifier would, through the guarded fetcher:
      // issuer.test resolves to loopback, allowed for this host only; no cache, so revocation shows at once.
      const fetcher = createGuardedFetcher({ allowHttp: true, allowedHosts: [host], lookup: async () => [{ address: '127.0.0.1', family: 4 }], cacheTtlMs: 0 });
      Object.assign(ctx, {
        svc,
        base,
        admin: svc.bootstrapToken!,
        verify: (jwt: string) => verifyCredential(jwt, { fetcher }),
        api: async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
          const res = await fetch(`http://127.0.0.1:${port}${path}`, {
            method,
            headers: { ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}), ...headers },
            ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
          });
          return readResult(res);
        },
      });
      expect(ctx.admin).toMatch(/^mc_/);
    });

    afterAll(async () => {
      await ctx.svc?.close();
      await cleanup();
    });

    let tokens: { issue: string; revoke: string };

    it('write endpoints refuse a missing, wrong or under-scoped token with problem details', async () => {
      const { achievement } = exampleParts();
      const none = await ctx.api('POST', '/api/v1/achievements', achievement);
      expect(none.status).toBe(401);
      expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(none.json).toMatchObject({ status: 401, code: 'MC_UNAUTHORIZED', type: 'urn:microcred:problem:MC_UNAUTHORIZED' });
      expect((await ctx.api('POST', '/api/v1/achievements', achievement, bearer('mc_notarealtokenatallxxxxxxxx'))).status).toBe(401);
      const mk = async (scopes: string[]) => (await ctx.api('POST', '/api/v1/tokens', { scopes, label: scopes.join('+') }, bearer(ctx.admin))).json.token as string;
      tokens = { issue: await mk(['issue']), revoke: await mk(['revoke']) };
      expect((await ctx.api('POST', '/api/v1/achievements', achievement, bearer(tokens.issue))).status).toBe(403);
      expect((await ctx.api('POST', '/api/v1/credentials', { achievementId: 'x' }, bearer(tokens.revoke))).json.code).toBe('MC_FORBIDDEN');
      expect((await ctx.api('GET', '/api/v1/credentials')).status).toBe(401);
    });

    it('creates an achievement, refusing an invalid one with every problem', async () => {
      const { achievement } = exampleParts();
      const bad = await ctx.api('POST', '/api/v1/achievements', { ...achievement, name: undefined, qualityBenchmark: { ...(achievement.qualityBenchmark as object), modeOfDelivery: 'telepathy' } }, bearer(ctx.admin));
      expect(bad.status).toBe(422);
      expect((bad.json.problems as Array<{ path: string }>).map((p) => p.path)).toEqual(expect.arrayContaining(['/credentialSubject/achievement/name', '/credentialSubject/achievement/qualityBenchmark/modeOfDelivery']));
      const ok = await ctx.api('POST', '/api/v1/achievements', { ...achievement, id: 'data-ethics-101' }, bearer(ctx.admin));
      expect(ok.status).toBe(201);
      expect((ok.json.achievement as { id: string }).id).toBe(`${ctx.base}/achievements/data-ethics-101/v1`);
      expect((await ctx.api('POST', '/api/v1/achievements', { ...achievement, id: 'data-ethics-101' }, bearer(ctx.admin))).status).toBe(409);
      const pub = await ctx.api('GET', '/achievements/data-ethics-101/v1');
      expect(pub.json.name).toBe('Applied Data Ethics');
    });

    let first: { id: string; uuid: string; jwt: string };

    it('issues, serves the credential in every format, and it verifies with status checked', async () => {
      const { issue } = exampleParts();
      const res = await ctx.api('POST', '/api/v1/credentials', { ...issue, achievementId: 'data-ethics-101' }, bearer(tokens.issue));
      expect(res.status, res.text).toBe(201);
      const id = res.json.id as string;
      first = { id, uuid: id.replace('urn:uuid:', ''), jwt: res.json.jwt as string };
      expect(res.headers.get('location')).toBe(`${ctx.base}/api/v1/credentials/${first.uuid}`);
      const credential = res.json.credential as Record<string, unknown>;
      expect((credential.issuer as { id: string }).id).toBe(`${ctx.base}/issuer`);
      expect(credential.credentialStatus).toEqual([
        expect.objectContaining({ type: 'BitstringStatusListEntry', statusPurpose: 'revocation' }),
        expect.objectContaining({ type: 'BitstringStatusListEntry', statusPurpose: 'suspension' }),
      ]);
      expect(JSON.stringify(credential)).not.toContain('123456789012');

      const asJson = await ctx.api('GET', `/api/v1/credentials/${first.uuid}`, undefined, { accept: 'application/vc+ld+json' });
      expect(asJson.headers.get('content-type')).toMatch(/^application\/vc\+ld\+json/);
      expect(asJson.json).toEqual(credential);
      const asJwt = await ctx.api('GET', `/api/v1/credentials/${first.uuid}.jwt`);
      expect(asJwt.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(asJwt.text).toBe(first.jwt);
      const asPlain = await ctx.api('GET', `/api/v1/credentials/${first.uuid}`, undefined, { accept: 'text/plain' });
      expect(asPlain.text).toBe(first.jwt);
      const asHtml = await ctx.api('GET', `/api/v1/credentials/${first.uuid}`, undefined, { accept: 'text/html' });
      expect(asHtml.text).toContain('<h1>Applied Data Ethics</h1>');
      expect((await ctx.api('GET', `/api/v1/credentials/${first.uuid}`, undefined, { accept: 'image/png' })).status).toBe(406);
      expect((await ctx.api('GET', '/api/v1/credentials/00000000-0000-4000-8000-000000000000')).status).toBe(404);

      const report = await ctx.verify(first.jwt);
      expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
      expect(report.verified).toBe(true);
      expect(report.checks.find((c) => c.check === 'status')).toMatchObject({ status: 'passed' });
      expect(report.checks.find((c) => c.check === 'key-binding')).toMatchObject({ status: 'passed' });
    });

    it('revocation shows in the status list: the credential then fails verification as revoked', async () => {
      expect((await ctx.api('POST', `/api/v1/credentials/${first.uuid}/revoke`, {}, bearer(tokens.revoke))).json.code).toBe('MC_REQUEST_INVALID'); // a reason is required
      expect((await ctx.api('POST', `/api/v1/credentials/${first.uuid}/revoke`, { reason: 'x' }, bearer(tokens.issue))).status).toBe(403);
      const res = await ctx.api('POST', `/api/v1/credentials/${first.uuid}/revoke`, { reason: 'assessment misconduct' }, bearer(tokens.revoke));
      expect(res.json).toMatchObject({ state: 'revoked', stateReason: 'assessment misconduct' });
      const report = await ctx.verify(first.jwt);
      expect(report.verified).toBe(false);
      expect(report.checks.find((c) => c.check === 'status')).toMatchObject({ status: 'failed', code: 'MC_STATUS_REVOKED' });
      expect((await ctx.api('POST', `/api/v1/credentials/${first.uuid}/unsuspend`, {}, bearer(tokens.revoke))).status).toBe(409);
      const status = await ctx.api('GET', `/api/v1/credentials/${first.uuid}/status`, undefined, bearer(tokens.issue));
      expect(status.json).toMatchObject({ state: 'revoked', stateReason: 'assessment misconduct' });
    });

    it('suspension fails verification as suspended, and unsuspending restores it', async () => {
      const { issue } = exampleParts();
      const res = await ctx.api('POST', '/api/v1/credentials', { ...issue, achievementId: 'data-ethics-101' }, bearer(tokens.issue));
      const uuid = (res.json.id as string).replace('urn:uuid:', '');
      const jwt = res.json.jwt as string;
      await ctx.api('POST', `/api/v1/credentials/${uuid}/suspend`, { reason: 'under investigation' }, bearer(tokens.revoke));
      const suspended = await ctx.verify(jwt);
      expect(suspended.checks.find((c) => c.check === 'status')).toMatchObject({ status: 'failed', code: 'MC_STATUS_SUSPENDED' });
      await ctx.api('POST', `/api/v1/credentials/${uuid}/unsuspend`, {}, bearer(tokens.revoke));
      expect((await ctx.verify(jwt)).verified).toBe(true);
    });

    it('status lists are signed, at least 131072 entries, with ETag and a short max-age', async () => {
      const credential = (await ctx.api('GET', `/api/v1/credentials/${first.uuid}`)).json as { credentialStatus: Array<{ statusListCredential: string }> };
      const path = new URL(credential.credentialStatus[0]!.statusListCredential).pathname;
      const res = await ctx.api('GET', path);
      expect(res.headers.get('content-type')).toMatch(/^application\/vc\+jwt/);
      expect(res.headers.get('cache-control')).toMatch(/max-age=60/);
      const etag = res.headers.get('etag')!;
      expect(etag).toMatch(/^W\/"/);
      expect((await ctx.api('GET', path, undefined, { 'if-none-match': etag })).status).toBe(304);
      const payload = JSON.parse(Buffer.from(res.text.split('.')[1]!, 'base64url').toString()) as { type: string[]; credentialSubject: { encodedList: string } };
      expect(payload.type).toContain('BitstringStatusListCredential');
      const { decodeBitstring } = await import('../src/status/bitstring.js');
      expect(decodeBitstring(payload.credentialSubject.encodedList).length * 8).toBeGreaterThanOrEqual(131072);
    });

    it('an idempotency key makes retries safe; reusing it for another request is refused', async () => {
      const { issue } = exampleParts();
      const body = { ...issue, achievementId: 'data-ethics-101' };
      const a = await ctx.api('POST', '/api/v1/credentials', body, { ...bearer(tokens.issue), 'idempotency-key': `learner-42-${ctx.base}` });
      const b = await ctx.api('POST', '/api/v1/credentials', body, { ...bearer(tokens.issue), 'idempotency-key': `learner-42-${ctx.base}` });
      expect(a.status).toBe(201);
      expect(b.status).toBe(200);
      expect(b.json.id).toBe(a.json.id);
      const c = await ctx.api('POST', '/api/v1/credentials', { ...body, evidence: [] }, { ...bearer(tokens.issue), 'idempotency-key': `learner-42-${ctx.base}` });
      expect(c.status).toBe(409);
      expect(c.json.code).toBe('MC_IDEMPOTENCY_KEY_REUSED');
    });

    it('concurrent issuance: every credential gets a distinct status index and the database holds exactly what was acknowledged', async () => {
      const { issue } = exampleParts();
      const before = await ctx.svc.storage.countCredentials();
      const N = 40;
      const results = await Promise.all(Array.from({ length: N }, () => ctx.api('POST', '/api/v1/credentials', { ...issue, achievementId: 'data-ethics-101' }, bearer(tokens.issue))));
      expect(results.map((r) => r.status)).toEqual(Array(N).fill(201));
      const after = await ctx.svc.storage.countCredentials();
      expect(after - before).toBe(N);
      const all = await ctx.svc.storage.listCredentials({ limit: 1000, offset: 0 });
      const slots = all.items.map((c) => `${c.statusListId}#${c.statusIndex}`);
      expect(new Set(slots).size).toBe(slots.length);
      for (const r of results) expect(all.items.some((c) => c.id === r.json.id)).toBe(true);
    });

    it('key rotation: credentials signed before and after both verify; a compromised key stops verifying with a clear code', async () => {
      const { issue } = exampleParts();
      const before = await ctx.api('POST', '/api/v1/credentials', { ...issue, achievementId: 'data-ethics-101' }, bearer(tokens.issue));
      const oldKid = JSON.parse(Buffer.from((before.json.jwt as string).split('.')[0]!, 'base64url').toString()).kid as string;
      const rotated = await ctx.api('POST', '/api/v1/keys/rotate', {}, bearer(ctx.admin));
      expect(rotated.status).toBe(201);
      const after = await ctx.api('POST', '/api/v1/credentials', { ...issue, achievementId: 'data-ethics-101' }, bearer(tokens.issue));
      const newKid = JSON.parse(Buffer.from((after.json.jwt as string).split('.')[0]!, 'base64url').toString()).kid as string;
      expect(newKid).not.toBe(oldKid);
      expect((await ctx.verify(before.json.jwt as string)).verified).toBe(true);
      expect((await ctx.verify(after.json.jwt as string)).verified).toBe(true);
      const jwks = await ctx.api('GET', '/.well-known/jwks.json');
      expect(jwks.headers.get('content-type')).toMatch(/^application\/jwk-set\+json/);
      expect((jwks.json.keys as unknown[]).length).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(jwks.json)).not.toMatch(/"d":/);

      // kid: $BASE_URL/keys/<id>.jwk, the bare public JWK (what the 1EdTech validator reads), also listed in the JWK Set.
      const keyIdOf = (kid: string) => /\/keys\/([A-Za-z0-9_-]+)\.jwk$/.exec(kid)![1]!;
      const oldId = keyIdOf(oldKid);
      const jwk = await ctx.api('GET', new URL(oldKid).pathname);
      expect(jwk.headers.get('content-type')).toMatch(/^application\/jwk\+json/);
      expect(jwk.json).toMatchObject({ kty: 'EC', crv: 'P-256', kid: oldKid });
      expect(jwk.json).not.toHaveProperty('d');
      expect((jwks.json.keys as Array<{ kid: string }>).map((k) => k.kid)).toContain(oldKid);
      expect((await ctx.api('POST', `/api/v1/keys/${keyIdOf(newKid)}/compromise`, {}, bearer(ctx.admin))).status).toBe(409); // not the active key
      expect((await ctx.api('POST', `/api/v1/keys/${oldId}/compromise`, {}, bearer(ctx.admin))).status).toBe(200);
      const report = await ctx.verify(before.json.jwt as string);
      expect(report.checks.find((c) => c.check === 'key-resolution')).toMatchObject({ status: 'failed', code: 'MC_KEY_COMPROMISED' });
      expect((await ctx.verify(after.json.jwt as string)).verified).toBe(true);
    });

    it('editing a used achievement makes a new version; issued credentials keep theirs', async () => {
      const { achievement, issue } = exampleParts();
      const edited = await ctx.api('PUT', '/api/v1/achievements/data-ethics-101', { ...achievement, description: 'Revised description for the 2026 intake.' }, bearer(ctx.admin));
      expect(edited.json.version).toBe(2);
      const issued = await ctx.api('POST', '/api/v1/credentials', { ...issue, achievementId: 'data-ethics-101' }, bearer(tokens.issue));
      const a2 = (issued.json.credential as { credentialSubject: { achievement: { id: string; description: string } } }).credentialSubject.achievement;
      expect(a2.id).toBe(`${ctx.base}/achievements/data-ethics-101/v2`);
      expect(a2.description).toMatch(/^Revised/);
      const old = (await ctx.api('GET', `/api/v1/credentials/${first.uuid}`)).json as { credentialSubject: { achievement: { id: string } } };
      expect(old.credentialSubject.achievement.id).toBe(`${ctx.base}/achievements/data-ethics-101/v1`);
      expect((await ctx.api('GET', '/achievements/data-ethics-101/v1')).json.description).not.toMatch(/^Revised/);
      // An unused version is edited in place.
      const again = await ctx.api('PUT', '/api/v1/achievements/data-ethics-101', { ...achievement, description: 'Third text.' }, bearer(ctx.admin));
      expect(again.json.version).toBe(3); // v2 was used by the credential above
    });

    it('lists credentials with paging headers and filters', async () => {
      const page = await ctx.api('GET', '/api/v1/credentials?limit=5&offset=0', undefined, bearer(tokens.issue));
      expect((page.json.items as unknown[]).length).toBe(5);
      expect(Number(page.headers.get('x-total-count'))).toBe(page.json.total);
      expect(page.headers.get('link')).toMatch(/rel="next"/);
      const revoked = await ctx.api('GET', '/api/v1/credentials?state=revoked', undefined, bearer(tokens.issue));
      expect((revoked.json.items as Array<{ state: string }>).every((c) => c.state === 'revoked')).toBe(true);
      expect(revoked.json.total).toBe(1);
      expect((await ctx.api('GET', '/api/v1/credentials?limit=0', undefined, bearer(tokens.issue))).status).toBe(400);
    });

    it('the audit log records who issued, revoked and rotated what', async () => {
      const audit = await ctx.api('GET', '/api/v1/audit?limit=100', undefined, bearer(ctx.admin));
      const actions = (audit.json.items as Array<{ action: string; target: string; actor: string }>).map((e) => e.action);
      for (const a of ['key.created', 'token.created', 'achievement.created', 'credential.issued', 'credential.revoked', 'credential.suspended', 'credential.unsuspended', 'key.rotated', 'key.compromised', 'achievement.versioned']) {
        expect(actions, a).toContain(a);
      }
      const revoked = (audit.json.items as Array<{ action: string; target: string; actor: string }>).find((e) => e.action === 'credential.revoked')!;
      expect(revoked.target).toBe(first.id);
      expect(revoked.actor).toMatch(/^token:/);
    });

    it('bad input gets problem details with a 4xx, never a 5xx', async () => {
      const malformed = await ctx.api('POST', '/api/v1/credentials', '{"achievementId": ', { ...bearer(tokens.issue), 'content-type': 'application/json' });
      expect(malformed.status).toBe(400);
      expect(malformed.json.code).toBe('MC_JSON_INVALID');
      const tooBig = await ctx.api('POST', '/api/v1/credentials', JSON.stringify({ achievementId: 'data-ethics-101', pad: 'x'.repeat(300_000) }), { ...bearer(tokens.issue), 'content-type': 'application/json' });
      expect(tooBig.status).toBe(413);
      expect(tooBig.json.code).toBe('MC_BODY_TOO_LARGE');
      const wrongType = await ctx.api('POST', '/api/v1/credentials', 'achievementId=x', { ...bearer(tokens.issue), 'content-type': 'application/x-www-form-urlencoded' });
      expect(wrongType.status).toBe(415);
      const unknown = await ctx.api('POST', '/api/v1/credentials', { achievementId: 'nope', credentialSubject: { id: 'did:example:x' } }, bearer(tokens.issue));
      expect(unknown.status).toBe(404);
      const invalid = await ctx.api('POST', '/api/v1/credentials', { achievementId: 'data-ethics-101', credentialSubject: { id: 'did:example:x', creditsEarned: 9 } }, bearer(tokens.issue));
      expect(invalid.status).toBe(422);
      expect(invalid.json.code).toBe('MC_BENCHMARK_FAILED');
      expect((invalid.json.problems as Array<{ code: string }>).map((p) => p.code)).toContain('OB-CREDIT-EARNED');
      expect((await ctx.api('GET', '/no/such/route')).json.code).toBe('MC_NOT_FOUND');
    });

    it('serves the public documents: health, readiness, OpenAPI, contexts, issuer profile', async () => {
      expect((await ctx.api('GET', '/health')).json).toEqual({ status: 'ok' });
      expect((await ctx.api('GET', '/ready')).json).toMatchObject({ status: 'ready' });
      const openapi = await ctx.api('GET', '/openapi.json');
      expect(openapi.json.openapi).toBe('3.1.0');
      expect(Object.keys(openapi.json.paths as object)).toEqual(expect.arrayContaining(['/api/v1/credentials', '/api/v1/credentials/{uuid}/revoke', '/status/{listId}/{purpose}', '/.well-known/jwks.json']));
      expect((await ctx.api('GET', '/contexts/qb/v1.jsonld')).json).toEqual(JSON.parse(readFileSync(join(REPO, 'contexts/qb-v1.jsonld'), 'utf8')));
      expect((await ctx.api('GET', '/issuer')).json).toMatchObject({ id: `${ctx.base}/issuer`, type: ['Profile'] });
      const headers = (await ctx.api('GET', '/health')).headers;
      expect(headers.get('x-content-type-options')).toBe('nosniff');
      expect(headers.get('content-security-policy')).toContain("default-src 'self'");
    });
  });
}

serviceSuite('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mc-sqlite-'));
  return { storage: await openSqliteStorage(join(dir, 'microcred.db')), cleanup: async () => {} };
});

serviceSuite(
  'PostgreSQL',
  async () => {
    const { schema, drop } = scratchSchema('mc_e2e');
    return { storage: await openPostgresStorage(PG_URL, { schema }), cleanup: drop };
  },
  pgUp,
);

describe('npm start (microcred serve) on a fresh data directory', () => {
  it('starts on SQLite with a generated key, prints the URL and a bootstrap token, and stops cleanly on SIGTERM', async () => {
    const port = await freePort();
    const dataDir = mkdtempSync(join(tmpdir(), 'mc-start-'));
    // Vitest exports Vite's BASE_URL=/ into the environment; a real shell has no such variable.
    const { BASE_URL: _vite, ...env } = process.env;
    const child = spawn(process.execPath, [join(REPO, 'dist/cli/main.js'), 'serve'], { env: { ...env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' }, cwd: dataDir });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no start: ${out} ${err}`)), 15_000);
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out} ${err}`)));
      child.stdout.on('data', () => {
        if (out.includes('bootstrap admin token')) {
          clearTimeout(t);
          resolve();
        }
      });
    });
    expect(out).toContain(`listening on http://127.0.0.1:${port}`);
    expect(out).toMatch(/mc_[A-Za-z0-9_-]{40,}/);
    // Where a first-time user goes next: the console (signed in with that token) and the verification page.
    expect(out).toContain(`registrar console http://localhost:${port}/console  employer verification http://localhost:${port}/verify`);
    expect((await (await fetch(`http://127.0.0.1:${port}/ready`)).json()) as object).toMatchObject({ status: 'ready', storage: 'sqlite' });
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
    expect(readFileSync(join(dataDir, 'kek'), 'utf8').trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
