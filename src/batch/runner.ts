import { randomInt, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ServiceConfig } from '../config/config.js';
import type { Keyring } from '../service/keyring.js';
import type { IssuingService } from '../service/issuing.js';
import type { Storage, StoredBatch, StoredBatchRow, StoredCredential } from '../storage/types.js';
import { parseCohort, rowIdempotencyKey } from './rows.js';
import type { RowResult, WorkerSetup, WorkerTask } from './worker.js';

export interface BatchDeps {
  storage: Storage;
  keyring: Keyring;
  issuing: IssuingService;
  config: Pick<ServiceConfig, 'baseUrl' | 'issuerId' | 'statusListSize'>;
}

export interface BatchProgress {
  batchId: string;
  issued: number;
  total: number;
  /** Credentials per second over the run so far. */
  rate: number;
  /** Seconds to go at that rate. */
  etaSec: number;
}

// The pool runs the compiled worker: src/batch and dist/batch both sit two levels below the package.
const WORKER = new URL('../../dist/batch/worker.js', import.meta.url).href;
const TASK_ROWS = 50;

function pool(setup: WorkerSetup, threads = Math.max(1, availableParallelism())): Piscina {
  return new Piscina({ filename: WORKER, workerData: setup, maxThreads: threads, minThreads: threads, idleTimeout: 1000 });
}

async function setupFor(deps: BatchDeps, achievement: Record<string, unknown>, withKey: boolean): Promise<WorkerSetup> {
  const key = withKey ? await deps.keyring.activePrivateKeyForWorkers() : null;
  return { privateJwk: key?.privateJwk ?? null, kid: key?.kid ?? '', issuerId: deps.config.issuerId, issuerProfile: deps.issuing.issuerProfile(), achievement };
}

async function runTasks(p: Piscina, tasks: WorkerTask[]): Promise<RowResult[]> {
  return (await Promise.all(tasks.map((t) => p.run(t) as Promise<RowResult[]>))).flat();
}

const chunks = <T>(xs: T[], n: number): T[][] => Array.from({ length: Math.ceil(xs.length / n) }, (_, i) => xs.slice(i * n, i * n + n));

/**
 * Create a batch job from a cohort file: every row is read, built into a credential and checked
 * (schema, JSON-LD, quality benchmarks) before anything is signed. Bad rows are stored with their
 * line number and reasons; the good rows wait, pending, for `runBatchJob`.
 */
export async function createBatchJob(deps: BatchDeps, input: { achievementId: string; achievementVersion?: number; text: string; kind: 'csv' | 'jsonl'; source: string; actor: string; now?: Date }): Promise<StoredBatch> {
  const achievement = await deps.storage.getAchievement(input.achievementId, input.achievementVersion);
  if (!achievement) throw new Error(`no achievement ${input.achievementId}`);
  const now = input.now ?? new Date();
  const rows = parseCohort(input.text, input.kind, achievement.body);
  const p = pool(await setupFor(deps, achievement.body, false));
  let lint: Map<number, RowResult>;
  try {
    const readable = rows.filter((r) => r.problems.length === 0);
    const listBase = `${deps.config.baseUrl}/status/00000000-0000-4000-8000-000000000000`;
    lint = new Map((await runTasks(p, chunks(readable, TASK_ROWS).map((part) => ({ kind: 'lint', listBase, rows: part.map((r) => ({ line: r.line, body: r.body })), now: now.toISOString() })))).map((r) => [r.line, r]));
  } finally {
    await p.destroy();
  }
  const seen = new Map<string, number>();
  const stored: StoredBatchRow[] = rows.map((r) => {
    const key = rowIdempotencyKey(achievement.id, achievement.version, r.body);
    const result = lint.get(r.line);
    let problems = r.problems.length ? r.problems : result && !result.ok ? result.problems : [];
    const twin = seen.get(key);
    if (problems.length === 0 && twin !== undefined) problems = [{ path: '/', message: `the same learner as line ${twin}` }];
    if (problems.length === 0) seen.set(key, r.line);
    return { batchId: '', line: r.line, learner: r.learner, body: r.body, idempotencyKey: key, state: problems.length ? 'invalid' : 'pending', credentialId: null, problems: problems.length ? problems : null };
  });
  const id = randomUUID();
  await deps.storage.insertBatch(
    { id, achievementId: achievement.id, achievementVersion: achievement.version, state: 'validated', source: input.source, createdBy: input.actor, createdAt: now.toISOString() },
    stored.map((r) => ({ ...r, batchId: id })),
    { at: now.toISOString(), actor: input.actor, action: 'batch.created', target: id, detail: { achievementId: achievement.id, version: achievement.version, rows: stored.length, invalid: stored.filter((r) => r.state === 'invalid').length } },
  );
  return (await deps.storage.getBatch(id))!;
}

/**
 * Issue every pending row of a batch: signing on all cores, each chunk stored in one transaction
 * (credentials, row states, audit). Safe to run again after a crash: rows are marked issued in the
 * same transaction as their credential, and a learner's idempotency key never gives a second one.
 */
export async function runBatchJob(deps: BatchDeps, batchId: string, options: { actor: string; chunkSize?: number; threads?: number; onProgress?: (p: BatchProgress) => void; signal?: AbortSignal } ): Promise<StoredBatch> {
  const batch = await deps.storage.getBatch(batchId);
  if (!batch) throw new Error(`no batch ${batchId}`);
  const achievement = (await deps.storage.getAchievement(batch.achievementId, batch.achievementVersion))!;
  await deps.storage.setBatchState(batchId, 'running');
  const total = batch.counts.pending + batch.counts.issued;
  let issued = batch.counts.issued;
  const started = performance.now();
  const startIssued = issued;
  const chunkSize = options.chunkSize ?? 2000;
  const p = pool(await setupFor(deps, achievement.body, true), options.threads);
  // Chunk N+1 is handed to the workers before chunk N is written, so signing overlaps the
  // database write (better-sqlite3 writes synchronously on this thread). A cursor over line
  // numbers keeps rows in flight from being fetched twice; rows to retry (a status index taken by
  // another writer) stay pending and are picked up by a final sweep from the start.
  let cursor = 0;
  let listId = '';
  let used = new Set<number>();
  interface InFlight {
    list: { id: string };
    now: Date;
    planned: Array<{ row: StoredBatchRow; id: string; index: number }>;
    results: Promise<RowResult[]>;
  }
  const dispatch = async (): Promise<InFlight | null> => {
    if (options.signal?.aborted) return null;
    const pending = await deps.storage.pendingBatchRows(batchId, chunkSize, cursor);
    if (pending.length === 0) return null;
    cursor = pending[pending.length - 1]!.line;
    const now = new Date();
    const list = await deps.storage.currentStatusList(deps.config.statusListSize, now.toISOString());
    if (list.id !== listId) {
      // Indexes are drawn at random over the whole list (herd privacy) and in bulk: the used set is
      // read once per list; the unique constraint settles any race with other writers.
      listId = list.id;
      used = new Set(await deps.storage.usedStatusIndexes(list.id));
    }
    const draw = () => {
      for (;;) {
        const i = randomInt(list.size);
        if (!used.has(i)) {
          used.add(i);
          return i;
        }
      }
    };
    const planned = pending.map((r) => ({ row: r, id: `urn:uuid:${randomUUID()}`, index: draw() }));
    const listBase = `${deps.config.baseUrl}/status/${list.id}`;
    const results = runTasks(p, chunks(planned, TASK_ROWS).map((part) => ({ kind: 'issue', listBase, now: now.toISOString(), rows: part.map((x) => ({ line: x.row.line, id: x.id, body: x.row.body, index: x.index })) })));
    results.catch(() => {}); // awaited below; avoid an unhandled rejection while the previous chunk is written
    return { list, now, planned, results };
  };
  try {
    let next = await dispatch();
    while (next) {
      const current = next;
      const results = await current.results;
      next = await dispatch();
      // Let the pool post the new tasks to its threads before this thread blocks on the write.
      await new Promise((resolve) => setImmediate(resolve));
      const byLine = new Map(results.map((r) => [r.line, r]));
      const items: Array<{ line: number; credential: StoredCredential }> = [];
      for (const x of current.planned) {
        const r = byLine.get(x.row.line)!;
        if (!r.ok) continue; // validated earlier; a row that fails now (e.g. a changed key) stays pending
        items.push({
          line: x.row.line,
          credential: { id: x.id, achievementId: batch.achievementId, achievementVersion: batch.achievementVersion, jwt: r.jwt, credential: r.credential, statusListId: current.list.id, statusIndex: x.index, state: 'active', stateReason: null, issuedAt: current.now.toISOString(), idempotencyKey: x.row.idempotencyKey, requestHash: null },
        });
      }
      if (items.length === 0) throw new Error(`batch ${batchId}: no row of the chunk could be signed (${JSON.stringify(results.find((r) => !r.ok))})`);
      const committed = await deps.storage.commitBatchCredentials(batchId, items, options.actor);
      issued += committed.filter((c) => c.outcome !== 'retry').length;
      const elapsed = (performance.now() - started) / 1000;
      const rate = (issued - startIssued) / Math.max(elapsed, 1e-3);
      options.onProgress?.({ batchId, issued, total, rate, etaSec: rate > 0 ? (total - issued) / rate : 0 });
      if (!next && cursor > 0 && !options.signal?.aborted) {
        cursor = 0; // sweep again for rows left pending (retries)
        next = await dispatch();
      }
    }
  } finally {
    await p.destroy();
  }
  const after = (await deps.storage.getBatch(batchId))!;
  if (after.counts.pending === 0) await deps.storage.setBatchState(batchId, 'done');
  return (await deps.storage.getBatch(batchId))!;
}
