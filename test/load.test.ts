/**
 * Bounded load test on loopback (issue #9): for a fixed time, concurrent workers issue
 * credentials (some with a shared Idempotency-Key, raced on purpose), verify them
 * (POST /api/v1/verify, status read in-process) and fetch status lists (with and without
 * If-None-Match). It must finish with zero 5xx and zero transport errors, and every credential
 * the API acknowledged (201) must be stored exactly once, with no unacknowledged extra rows.
 *
 * Plain bounded Promise pools over Node's fetch (keep-alive), no load-generator dependency.
 * LOAD_SECONDS (default 8) and LOAD_CONCURRENCY (default 16) tune it; the figures are printed
 * and written to test-artifacts/load.json. README "Security and reliability" quotes a run of
 *   npx vitest run test/load.test.ts
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, exampleParts, startIssuer, type IssuerHarness } from './adversarial/harness.js';
import { REPO } from './helpers/tokens.js';

const SECONDS = Number(process.env.LOAD_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 16);

type Op = 'issue' | 'issue-idempotent' | 'verify' | 'status' | 'status-304';
interface Sample {
  op: Op;
  status: number;
  ms: number;
}

let h: IssuerHarness;
let seedJwts: string[] = [];
let statusPaths: string[] = [];
let before = 0;

beforeAll(async () => {
  h = await startIssuer();
  const { issue } = exampleParts();
  for (let i = 0; i < 4; i++) {
    const r = await h.api('POST', '/api/v1/credentials', { ...issue, achievementId: h.achievementId }, bearer(h.tokens.issue));
    expect(r.status).toBe(201);
    seedJwts.push(r.json.jwt as string);
    if (i === 0) statusPaths = (r.json.credential as { credentialStatus: Array<{ statusListCredential: string }> }).credentialStatus.map((s) => new URL(s.statusListCredential).pathname);
  }
  before = await h.svc.storage.countCredentials();
}, 60_000);

afterAll(() => h?.close());

const percentile = (sorted: number[], p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : 0);

describe(`load: ${CONCURRENCY} concurrent clients for ${SECONDS} s (issue, verify, status lists)`, () => {
  it('zero 5xx, zero transport errors, every acknowledged credential stored exactly once', async () => {
    const { issue } = exampleParts();
    const origin = `http://127.0.0.1:${h.port}`;
    const samples: Sample[] = [];
    const transportErrors: string[] = [];
    const acknowledged = new Map<string, number>(); // credential id → times acknowledged as created (201)
    const idempotent = new Map<string, Set<string>>(); // key → ids returned for it
    const etags = new Map<string, string>();
    const deadline = performance.now() + SECONDS * 1000;
    let n = 0;

    async function one(worker: number): Promise<void> {
      const i = n++;
      const pick = i % 10;
      const op: Op = pick < 3 ? 'issue' : pick === 3 ? 'issue-idempotent' : pick < 7 ? 'verify' : pick < 9 ? 'status' : 'status-304';
      const t0 = performance.now();
      let res: Response;
      try {
        if (op === 'issue' || op === 'issue-idempotent') {
          const key = op === 'issue-idempotent' ? `load-${Math.floor(i / 40)}` : undefined; // the same key ~4 times, concurrently
          res = await fetch(`${origin}/api/v1/credentials`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(h.tokens.issue), ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify({ ...issue, achievementId: h.achievementId }) });
          const body = (await res.json()) as { id?: string };
          if (res.status === 201 && body.id) acknowledged.set(body.id, (acknowledged.get(body.id) ?? 0) + 1);
          if (key && body.id && res.status < 300) idempotent.set(key, (idempotent.get(key) ?? new Set()).add(body.id));
        } else if (op === 'verify') {
          res = await fetch(`${origin}/api/v1/verify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credential: seedJwts[i % seedJwts.length] }) });
          const body = (await res.json()) as { verified?: boolean };
          if (res.status === 200 && body.verified !== true) transportErrors.push(`verify: a genuine credential did not verify (${JSON.stringify(body).slice(0, 200)})`);
        } else {
          const path = statusPaths[i % statusPaths.length]!;
          const etag = etags.get(path);
          res = await fetch(`${origin}${path}`, { headers: op === 'status-304' && etag ? { 'if-none-match': etag } : {} });
          await res.arrayBuffer();
          if (res.status === 200) etags.set(path, res.headers.get('etag') ?? '');
        }
        samples.push({ op, status: res.status, ms: performance.now() - t0 });
      } catch (e) {
        transportErrors.push(`worker ${worker} ${op}: ${(e as Error).message}`);
      }
    }

    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async (_, w) => {
        while (performance.now() < deadline) await one(w);
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;

    // --- figures --------------------------------------------------------------------------------
    const byOp = new Map<Op, Sample[]>();
    for (const s of samples) byOp.set(s.op, [...(byOp.get(s.op) ?? []), s]);
    const stats = (list: Sample[]) => {
      const ms = list.map((s) => s.ms).sort((a, b) => a - b);
      const statuses: Record<string, number> = {};
      for (const s of list) statuses[s.status] = (statuses[s.status] ?? 0) + 1;
      return { requests: list.length, rps: Math.round(list.length / elapsed), p50: Math.round(percentile(ms, 50) * 10) / 10, p95: Math.round(percentile(ms, 95) * 10) / 10, p99: Math.round(percentile(ms, 99) * 10) / 10, max: Math.round((ms.at(-1) ?? 0) * 10) / 10, statuses };
    };
    const figures = {
      seconds: Math.round(elapsed * 10) / 10,
      concurrency: CONCURRENCY,
      node: process.version,
      storage: 'sqlite',
      total: stats(samples),
      ...Object.fromEntries([...byOp].map(([op, list]) => [op, stats(list)])),
      credentialsAcknowledged: acknowledged.size,
    };
    mkdirSync(join(REPO, 'test-artifacts'), { recursive: true });
    writeFileSync(join(REPO, 'test-artifacts/load.json'), JSON.stringify(figures, null, 2) + '\n');
    console.log(`load figures:\n${JSON.stringify(figures, null, 2)}`);

    // --- verdicts -------------------------------------------------------------------------------
    expect(transportErrors).toEqual([]);
    expect(samples.filter((s) => s.status >= 500)).toEqual([]);
    expect(samples.length).toBeGreaterThan(100);
    for (const op of ['issue', 'verify', 'status'] as const) expect(byOp.get(op)?.length ?? 0, op).toBeGreaterThan(10);
    // Every request was answered as intended (no 4xx either: these are all valid requests).
    expect(samples.filter((s) => !(s.status === 200 || s.status === 201 || s.status === 304))).toEqual([]);

    // Acknowledged exactly once, stored exactly once, nothing stored that was not acknowledged.
    expect([...acknowledged.values()].every((c) => c === 1)).toBe(true);
    const after = await h.svc.storage.countCredentials();
    expect(after - before).toBe(acknowledged.size);
    const stored = await h.svc.storage.listCredentials({ limit: 100_000, offset: 0 });
    const storedIds = stored.items.map((c) => c.id);
    expect(new Set(storedIds).size).toBe(storedIds.length);
    for (const id of acknowledged.keys()) expect(storedIds.includes(id), id).toBe(true);
    // An Idempotency-Key raced by several clients yields one credential.
    for (const [key, ids] of idempotent) expect(ids.size, key).toBe(1);
    // Status indexes are distinct under concurrency.
    const slots = stored.items.map((c) => `${c.statusListId}#${c.statusIndex}`);
    expect(new Set(slots).size).toBe(slots.length);
  }, (SECONDS + 60) * 1000);
});
