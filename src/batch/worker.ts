/**
 * A batch worker thread: builds, checks and signs rows with the same code as single issuance.
 * The main thread only allocates status indexes and writes to the database, so the CPU-bound
 * part uses every core. The key and achievement arrive once, as the pool's workerData.
 */
import { workerData } from 'piscina';
import { buildCredential, prepareAchievement } from '../issuer/build.js';
import { checkBuiltCredential } from '../issuer/check.js';
import { jwtPayload, prepareJwt, signPrepared, type SignedJwtParts, type UnsignedJwt } from '../issuer/jwt/sign.js';
import { packSigned, partHash, type CredentialPart } from '../storage/packed-jwt.js';
import { lintRequestNow, ruleOutcomes } from '../issuer/lint.js';
import { createLocalSigner } from '../issuer/signer.js';
import type { IssuanceRequest } from '../issuer/request.js';
import type { PrivateJwk } from '../issuer/keys/generate.js';
import { statusEntries } from '../issuer/status-list.js';
import { MicrocredError, type Problem } from '../errors.js';
import { copyOwn } from '../lib/copy.js';
import { learnerRecord, type LearnerRecord } from '../service/learner.js';

export interface WorkerSetup {
  privateJwk: PrivateJwk | null;
  kid: string;
  issuerId: string;
  issuerProfile: Record<string, unknown>;
  achievement: Record<string, unknown>;
  /** The key of the learner search tokens (service/learner.ts); null for a pool that only lints. */
  learnerKey: Uint8Array | null;
}

export type WorkerTask =
  | { kind: 'lint'; rows: Array<{ line: number; body: Record<string, unknown> }>; listBase: string; now: string }
  // The body as stored JSON text: parsed here rather than on the main thread.
  | { kind: 'issue'; rows: Array<{ line: number; id: string; bodyJson: string; index: number }>; listBase: string; now: string };

/**
 * One row's outcome. A signed row carries only its JWT (empty after 'lint'), in the packed form
 * storage keeps (src/storage/packed-jwt.ts) when its achievement is a shared part: the main
 * thread stores it as it comes, and the credential JSON is its payload, so nothing else is
 * cloned back.
 */
export type RowResult = { line: number; ok: true; jwt: string; learner: LearnerRecord } | { line: number; ok: false; problems: Problem[] };

/**
 * A task's results as sent back: the JWTs of the signed rows joined into one string (compact JWS
 * never contains a line break), which the main thread receives as one large string and splits
 * without copying; failed rows with their problems.
 */
export interface TaskResult {
  /** Lines of the rows that passed (and were signed), in task order. */
  lines: number[];
  /** Their JWTs (packed or plain), in the same order, joined with "\n" (empty after 'lint'). */
  jwts: string;
  /** The shared parts the packed JWTs name. */
  parts: CredentialPart[];
  /** Who each signed row is for (its name in the clear and search tokens), in the same order (empty after 'lint'). */
  learners: LearnerRecord[];
  failed: Array<{ line: number; problems: Problem[] }>;
}

export default async function run(task: WorkerTask): Promise<TaskResult> {
  const out: TaskResult = { lines: [], jwts: '', parts: [], learners: [], failed: [] };
  const jwts: string[] = [];
  // Tasks of one worker interleave (they await), so each collects its own parts.
  const parts = new Map<string, CredentialPart>();
  for (const r of await runRows(task, parts)) {
    if (!r.ok) {
      out.failed.push({ line: r.line, problems: r.problems });
      continue;
    }
    out.lines.push(r.line);
    if (task.kind === 'issue') {
      jwts.push(r.jwt);
      out.learners.push(r.learner);
    }
  }
  out.jwts = jwts.join('\n');
  out.parts = [...parts.values()];
  return out;
}

const setup = workerData as WorkerSetup;
const PLACEHOLDER_ID = 'urn:uuid:00000000-0000-4000-8000-000000000000';
/** A linted row's learner: only signed rows are stored with theirs. */
const NOBODY: LearnerRecord = { name: null, keys: '' };
const signer = setup?.privateJwk ? createLocalSigner(setup.privateJwk, setup.kid) : null;
const learnerKey = setup?.learnerKey ?? null;
// Every row carries the same achievement: built once per worker, not once per row.
const achievement = setup ? prepareAchievement(setup.achievement) : undefined;

/** The row's request in the shape it is issued in. Copied key by key: see src/lib/copy.ts. */
function requestFor(body: Record<string, unknown>, id: string, credentialStatus: IssuanceRequest['credentialStatus']): IssuanceRequest {
  const request = copyOwn(body);
  request.issuer = setup.issuerProfile;
  request.achievement = achievement;
  request.id = id;
  request.credentialStatus = credentialStatus;
  return request as unknown as IssuanceRequest;
}

let lastPart: CredentialPart | undefined;

/** The row's JWT as storage keeps it: packed around the shared achievement when there is one. */
function forStorage(signed: SignedJwtParts, parts: Map<string, CredentialPart>): string {
  if (!signed.split) return signed.jwt;
  const { before, achievement: text, after, header, signature } = signed.split;
  // The same interned string for every row: compared by reference, hashed once.
  if (lastPart?.text !== text) lastPart = { hash: partHash(text), text };
  parts.set(lastPart.hash, lastPart);
  return packSigned(lastPart, header, signature, before, after);
}

async function runRows(task: WorkerTask, parts: Map<string, CredentialPart>): Promise<RowResult[]> {
  const now = new Date(task.now);
  const out: RowResult[] = [];
  if (task.kind === 'lint') {
    for (const row of task.rows) {
      // Validated in exactly the shape it will be issued in: an id and status entries of the same form.
      const linted = lintRequestNow(requestFor(row.body, PLACEHOLDER_ID, statusEntries(task.listBase, 0)), { issuerId: setup.issuerId, now }, false);
      // Answered at once unless the row's JSON-LD shape is new: no turn of the event loop per row.
      const report = linted instanceof Promise ? await linted : linted;
      const failed = report.benchmark ? ruleOutcomes(report.benchmark).failed : [];
      out.push(report.ok ? { line: row.line, ok: true, jwt: '', learner: NOBODY } : { line: row.line, ok: false, problems: [...report.problems, ...failed] });
    }
    return out;
  }
  if (!signer || !learnerKey) throw new Error('this worker pool has no signing key');
  // Every row is built and checked first, then the task's rows are signed in a run of their own:
  // a signature between two rows' checks costs more than one in a run (see issuer/issue-many.ts).
  const slots: RowResult[] = new Array(task.rows.length);
  const ready: Array<{ at: number; line: number; unsigned: UnsignedJwt; learner: LearnerRecord }> = [];
  for (let at = 0; at < task.rows.length; at++) {
    const row = task.rows[at]!;
    try {
      // The row passed the full pipeline (schema, JSON-LD terms, quality benchmarks) in this very
      // shape when the batch was validated; only the id, status index and date differ now. The
      // verifier's structural checks still run on the final credential before it is signed.
      const body = JSON.parse(row.bodyJson) as Record<string, unknown>;
      const credential = buildCredential(requestFor(body, row.id, statusEntries(task.listBase, row.index)), { issuerId: setup.issuerId, now });
      const problems = checkBuiltCredential(credential, signer);
      if (problems.length) slots[at] = { line: row.line, ok: false, problems };
      else ready.push({ at, line: row.line, unsigned: prepareJwt(jwtPayload(credential), signer), learner: learnerRecord(body.credentialSubject, learnerKey) });
    } catch (e) {
      if (e instanceof MicrocredError) slots[at] = { line: row.line, ok: false, problems: e.problems.length ? e.problems : [{ path: '/', message: e.message, code: e.code }] };
      else throw e;
    }
  }
  for (const { at, line, unsigned, learner } of ready) slots[at] = { line, ok: true, jwt: forStorage(await signPrepared(unsigned, signer), parts), learner };
  // Outcomes go back in task order: the main thread matches them to its plan in that order.
  return slots;
}
