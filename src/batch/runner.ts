import { randomInt, randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import type { ServiceConfig } from '../config/config.js';
import type { Keyring } from '../service/keyring.js';
import type { IssuingService } from '../service/issuing.js';
import { statusListHasRoom } from '../storage/common.js';
import type { BatchCredential, CredentialPart, PendingBatchRow, StatusList, Storage, StoredBatch, StoredBatchRow } from '../storage/types.js';
import { parseCohort, rowIdempotencyKey, type CohortRow } from './rows.js';
import type { Problem } from '../errors.js';
import type { TaskResult, WorkerSetup, WorkerTask } from './worker.js';
import type { LearnerRecord } from '../service/learner.js';

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
const TASK_ROWS = 100;
/** Chunks handed to the workers beyond the one being written. */
const CHUNKS_AHEAD = 1;
/**
 * Rows per chunk (one transaction) when the caller sets none: small at first, so signing and
 * writing overlap early (and the first progress comes soon), then larger, because each commit
 * rewrites the pages its rows touched in the random-keyed indexes (id, idempotency key, status
 * slot), and fewer commits rewrite fewer of them.
 */
const FIRST_CHUNK = 1000;
const MAX_CHUNK = 4000;

/**
 * Each thread may hold `tasksPerThread` tasks. The pool posts a task to a thread only from this
 * thread's event loop; with room for every task in flight, the workers already hold the next
 * chunk while this thread is blocked in a (synchronous) database write.
 */
function pool(setup: WorkerSetup, threads: number, tasksPerThread: number): Piscina {
  return new Piscina({ filename: WORKER, workerData: setup, maxThreads: threads, minThreads: threads, idleTimeout: 1000, concurrentTasksPerWorker: tasksPerThread, execArgv: workerExecArgv() });
}

/**
 * The worker is compiled JavaScript: module loader hooks the parent runs under (tsx, a test
 * runner's) would only slow every import of every thread down, so they are not passed on.
 */
function workerExecArgv(): string[] {
  const out: string[] = [];
  const args = process.execArgv;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (/^--(import|loader|experimental-loader|require)$/.test(a) || a === '-r') i++;
    else if (!/^--(import|loader|experimental-loader|require)=/.test(a)) out.push(a);
  }
  return out;
}

async function setupFor(deps: BatchDeps, achievement: Record<string, unknown>, withKey: boolean): Promise<WorkerSetup> {
  const key = withKey ? await deps.keyring.activePrivateKeyForWorkers() : null;
  return { privateJwk: key?.privateJwk ?? null, kid: key?.kid ?? '', issuerId: deps.config.issuerId, issuerProfile: deps.issuing.issuerProfile(), achievement, learnerKey: withKey ? deps.keyring.learnerSearchKey() : null };
}

/** The rows' outcomes, in task order and within a task in row order. */
interface Outcomes {
  /** Lines of the rows that passed, and (after 'issue') their JWTs and learners, index for index. */
  lines: number[];
  jwts: string[];
  learners: LearnerRecord[];
  /** The shared parts packed JWTs name, by hash. */
  parts: Map<string, CredentialPart>;
  failed: Map<number, Problem[]>;
}

async function runTasks(p: Piscina, tasks: WorkerTask[]): Promise<Outcomes> {
  const results = await Promise.all(tasks.map((t) => p.run(t) as Promise<TaskResult>));
  const out: Outcomes = { lines: [], jwts: [], learners: [], parts: new Map(), failed: new Map() };
  for (const r of results) {
    for (const line of r.lines) out.lines.push(line);
    // split() gives slices of the one string received, not copies.
    if (r.jwts !== '') for (const jwt of r.jwts.split('\n')) out.jwts.push(jwt);
    for (const l of r.learners) out.learners.push(l);
    for (const p of r.parts) out.parts.set(p.hash, p);
    for (const f of r.failed) out.failed.set(f.line, f.problems);
  }
  return out;
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
  // The pool's threads start (load the issuer, compile the schemas) while this thread parses the file.
  const p = pool(await setupFor(deps, achievement.body, false), Math.max(1, availableParallelism()), 4);
  let rows: CohortRow[];
  let lint: Map<number, Problem[]>;
  try {
    rows = parseCohort(input.text, input.kind, achievement.body);
    const readable = rows.filter((r) => r.problems.length === 0);
    const listBase = `${deps.config.baseUrl}/status/00000000-0000-4000-8000-000000000000`;
    lint = (await runTasks(p, chunks(readable, TASK_ROWS).map((part) => ({ kind: 'lint', listBase, rows: part.map((r) => ({ line: r.line, body: r.body })), now: now.toISOString() })))).failed;
  } finally {
    await p.destroy();
  }
  const seen = new Map<string, number>();
  const stored: StoredBatchRow[] = rows.map((r) => {
    const key = rowIdempotencyKey(achievement.id, achievement.version, r.body);
    let problems = r.problems.length ? r.problems : (lint.get(r.line) ?? []);
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
  let chunkSize = options.chunkSize ?? FIRST_CHUNK;
  const maxChunk = options.chunkSize ?? MAX_CHUNK;
  const threads = options.threads ?? Math.max(1, availableParallelism());
  const p = pool(await setupFor(deps, achievement.body, true), threads, Math.ceil(maxChunk / TASK_ROWS / threads) * (CHUNKS_AHEAD + 1));
  // Chunks N+1 … N+CHUNKS_AHEAD are with the workers while chunk N is written, so signing
  // overlaps the database write (better-sqlite3 writes synchronously on this thread, and the
  // workers hold their tasks, so they keep signing while it is blocked). A cursor over line
  // numbers keeps rows in flight from being fetched twice; rows to retry (a status index taken by
  // another writer) or that failed to sign stay pending and are picked up by a sweep from the
  // start once nothing is in flight.
  let cursor = 0;
  let list: StatusList | null = null;
  let used = new Set<number>();
  let leftPending = 0;
  interface InFlight {
    listId: string;
    now: Date;
    planned: Array<{ row: PendingBatchRow; id: string; index: number }>;
    results: Promise<Outcomes>;
  }
  const dispatch = async (): Promise<InFlight | null> => {
    if (options.signal?.aborted) return null;
    const pending = await deps.storage.pendingBatchRows(batchId, chunkSize, cursor);
    if (pending.length === 0) return null;
    cursor = pending[pending.length - 1]!.line;
    chunkSize = Math.min(maxChunk, chunkSize * 2);
    const now = new Date();
    // The store is asked for the current list only when this job's own count says the list is
    // full (counting there is a scan of the list's rows): the used set holds the list's indexes
    // when it was read plus every index drawn since, committed or still being signed. The store
    // counts committed rows only, so a list takes up to three chunks beyond its fill limit.
    if (!list || !statusListHasRoom(used.size, list.size)) {
      const current = await deps.storage.currentStatusList(deps.config.statusListSize, now.toISOString());
      if (current.id !== list?.id) {
        // Indexes are drawn at random over the whole list (herd privacy) and in bulk: the used set
        // is read once per list; the unique constraint settles any race with other writers.
        used = new Set(await deps.storage.usedStatusIndexes(current.id));
      }
      list = current;
    }
    const { id: listId, size } = list;
    const draw = () => {
      if (used.size >= size) throw new Error(`status list ${listId} has no free index left for batch ${batchId}`);
      for (;;) {
        const i = randomInt(size);
        if (!used.has(i)) {
          used.add(i);
          return i;
        }
      }
    };
    const planned = pending.map((r) => ({ row: r, id: `urn:uuid:${randomUUID()}`, index: draw() }));
    const listBase = `${deps.config.baseUrl}/status/${listId}`;
    const results = runTasks(p, chunks(planned, TASK_ROWS).map((part) => ({ kind: 'issue', listBase, now: now.toISOString(), rows: part.map((x) => ({ line: x.row.line, id: x.id, bodyJson: x.row.bodyJson, index: x.index })) })));
    results.catch(() => {}); // awaited below; avoid an unhandled rejection while an earlier chunk is written
    return { listId, now, planned, results };
  };
  const inFlight: InFlight[] = [];
  const fill = async () => {
    while (inFlight.length <= CHUNKS_AHEAD) {
      const next = await dispatch();
      if (!next) return;
      inFlight.push(next);
    }
  };
  try {
    await fill();
    while (inFlight.length > 0) {
      const current = inFlight.shift()!;
      const results = await current.results;
      await fill();
      // Let the pool post the new tasks to its threads before this thread blocks on the write.
      await new Promise((resolve) => setImmediate(resolve));
      const credentials: BatchCredential[] = [];
      let j = 0;
      for (const x of current.planned) {
        // Outcomes come in planned order; a row missing from the signed ones failed (validated
        // earlier, so e.g. a changed key) and stays pending.
        if (results.lines[j] !== x.row.line) continue;
        const learner = results.learners[j]!;
        credentials.push({ line: x.row.line, id: x.id, jwt: results.jwts[j]!, statusIndex: x.index, idempotencyKey: x.row.idempotencyKey, learner: learner.name, learnerKeys: learner.keys });
        j++;
      }
      if (j !== results.lines.length || results.jwts.length !== j || results.learners.length !== j) throw new Error(`batch ${batchId}: the workers' answer does not match the chunk`);
      if (credentials.length === 0) throw new Error(`batch ${batchId}: no row of the chunk could be signed (${JSON.stringify([...results.failed][0])})`);
      const committed = await deps.storage.commitBatchCredentials(batchId, { achievementId: batch.achievementId, achievementVersion: batch.achievementVersion, statusListId: current.listId, issuedAt: current.now.toISOString(), credentials, parts: [...results.parts.values()] }, options.actor);
      const stored = committed.filter((c) => c.outcome !== 'retry').length;
      issued += stored;
      leftPending += current.planned.length - stored;
      const elapsed = (performance.now() - started) / 1000;
      const rate = (issued - startIssued) / Math.max(elapsed, 1e-3);
      options.onProgress?.({ batchId, issued, total, rate, etaSec: rate > 0 ? (total - issued) / rate : 0 });
      if (inFlight.length === 0 && leftPending > 0 && !options.signal?.aborted) {
        cursor = 0; // sweep again for rows left pending (retries)
        leftPending = 0;
        await fill();
      }
    }
  } finally {
    await p.destroy();
  }
  const after = (await deps.storage.getBatch(batchId))!;
  if (after.counts.pending === 0) await deps.storage.setBatchState(batchId, 'done');
  return (await deps.storage.getBatch(batchId))!;
}
