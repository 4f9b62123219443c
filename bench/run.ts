/**
 * npm run bench: throughput of microcred's issue and verify pipelines as ratios against
 * baselines measured in the same run (raw node:crypto, jose). Writes bench/results/latest.json.
 * Numbers are for orientation; no unit test asserts them. It measures the built code in dist/
 * (what `npm start`, the CLI and the package's exports run; `npm run bench` builds first), not a
 * tsx transpile of src/, which carried about 5 % of tsx's own overhead on the issue path.
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify } from 'node:crypto';
import { fstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as jose from 'jose';
import { createLocalSigner, generateKey, issueCredential, issueCredentials, prepareAchievement, type IssuanceRequest, type JwsAlgorithm, type Signer } from '../dist/issuer/index.js';
import { createVerifier } from '../dist/verifier/index.js';
import { MicrocredError } from '../dist/errors.js';
import { machine, measure, table, type Measurement } from './harness.js';

const only = process.argv.slice(2);
const want = (group: string) => only.length === 0 || only.includes(group);
const request = JSON.parse(readFileSync(new URL('../examples/requests/in-ncrf-data-ethics.json', import.meta.url), 'utf8')) as IssuanceRequest;
const offline = async (url: string) => {
  throw new MicrocredError('MC_FETCH_FAILED', `offline benchmark: ${url}`);
};

const rows: Measurement[] = [];

const ROUNDS = 3;
const COHORT = 100;

/**
 * Median rates of several functions, measured in ROUNDS interleaved rounds (1 s each) after one
 * discarded round: the first group of a run otherwise sometimes measured code still being
 * optimized (a third lower than in later runs).
 */
async function interleaved<K extends string>(fns: Record<K, () => unknown>): Promise<Record<K, number>> {
  const runs = Object.fromEntries(Object.keys(fns).map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (const k of Object.keys(fns) as K[]) await measure(fns[k], 500, 200);
  for (let r = 0; r < ROUNDS; r++) for (const k of Object.keys(fns) as K[]) runs[k].push(await measure(fns[k], 1000, 200));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return Object.fromEntries(Object.entries(runs).map(([k, xs]) => [k, median(xs as number[])])) as Record<K, number>;
}

async function pipeline(alg: JwsAlgorithm) {
  const key = generateKey(alg);
  const id = key.identifiers[0]!;
  const signer = createLocalSigner(key.privateJwk, id.kid);
  const { jwt, credential } = await issueCredential(request, { signer });
  const [h, p] = jwt.split('.');
  const signingInput = Buffer.from(`${h}.${p}`);
  const priv = createPrivateKey({ key: key.privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const pub = createPublicKey({ key: key.publicJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const digest = alg === 'EdDSA' ? null : 'sha256';
  const opts = alg === 'ES256' ? { dsaEncoding: 'ieee-p1363' as const } : {};
  const sig = cryptoSign(digest, signingInput, { key: priv, ...opts });

  const verify = createVerifier({ fetcher: offline });
  const check = await verify(jwt);
  if (!check.verified) throw new Error(`benchmark credential does not verify: ${JSON.stringify(check.checks.filter((c) => c.status === 'failed'))}`);
  const joseKey = await jose.importJWK(key.privateJwk, alg);
  const josePub = await jose.importJWK(key.publicJwk, alg);
  const payloadBytes = Buffer.from(p!, 'base64url');
  // The cohort path: the achievement built once (prepareAchievement), as batch workers do, and
  // COHORT credentials per issueCredentials call (checked, then signed in a run).
  const prepared = { ...request, achievement: prepareAchievement(request.achievement) };
  const cohort = Array.from({ length: COHORT }, () => prepared);

  // Each rate is the median of ROUNDS runs, the runs of all six interleaved: a shared VM's speed
  // drifts over seconds, and a ratio of two rates measured a minute apart would carry that drift.
  const rates = await interleaved({
    rawSign: () => cryptoSign(digest, signingInput, { key: priv, ...opts }),
    rawVerify: () => cryptoVerify(digest, signingInput, { key: pub, ...opts }, sig),
    joseSign: () => new jose.CompactSign(payloadBytes).setProtectedHeader({ alg, kid: id.kid, typ: 'JWT' }).sign(joseKey),
    joseVerify: () => jose.compactVerify(jwt, josePub),
    issue: () => issueCredential(request, { signer }),
    issueCohort: async () => {
      for (const r of await issueCredentials(cohort, { signer })) if (!r.ok) throw r.error;
    },
    verify: () => verify(jwt),
  });
  const { rawSign, rawVerify, joseSign, joseVerify, issue: issueRate, verify: verifyRate } = rates;
  const issueCohort = rates.issueCohort * COHORT;
  rows.push({ name: `${alg} raw node:crypto sign`, opsPerSec: rawSign });
  rows.push({ name: `${alg} raw node:crypto verify`, opsPerSec: rawVerify });
  rows.push({ name: `${alg} jose sign (baseline, no checks)`, opsPerSec: joseSign, ratio: joseSign / rawSign, baseline: 'raw sign' });
  rows.push({ name: `${alg} jose verify (baseline, no checks)`, opsPerSec: joseVerify, ratio: joseVerify / rawVerify, baseline: 'raw verify' });
  rows.push({ name: `${alg} full issuance (build, schema, JSON-LD, lint, sign)`, opsPerSec: issueRate, ratio: issueRate / rawSign, baseline: 'raw sign', target: 0.5 });
  rows.push({ name: `${alg} cohort issuance (issueCredentials, ${COHORT} per call, achievement prepared once)`, opsPerSec: issueCohort, ratio: issueCohort / rawSign, baseline: 'raw sign', target: 0.5 });
  rows.push({ name: `${alg} full verification (every check)`, opsPerSec: verifyRate, ratio: verifyRate / rawVerify, baseline: 'raw verify', target: 0.4, note: `vs jose verify: ${(verifyRate / joseVerify).toFixed(2)}×` });
  void credential;
}

if (want('jwt')) {
  await pipeline('ES256');
  await pipeline('EdDSA');
}

/**
 * Why one ES256 credential at a time costs more than a run of them: what one operation between
 * credentials does to the next credential's checks. OpenSSL 3.0 makes one system call per ECDSA
 * signature (getpid: its random generator's fork check, seen with strace) and none per Ed25519
 * signature. Where a system call flushes the TLB (page-table isolation without PCID, as on some
 * of CI's VMs), the code that runs next refills it page by page: the raw floor's small loop barely
 * notices, a credential's checks do. The fstat row isolates that share; where it costs nothing
 * (a VM with PCID), what remains is the signature displacing the checks' code and data from the
 * caches, as any long operation between credentials does (the SHA-256 and memory rows, for
 * scale). Measured: the issuance work besides the signature (the issuer's code with a signer that
 * returns a fixed signature), alone and with one operation between credentials, the operation
 * itself timed apart.
 */
async function interference() {
  const key = generateKey('ES256');
  const real = createLocalSigner(key.privateJwk, key.identifiers[0]!.kid);
  const fixed = new Uint8Array(64);
  const noSignature: Signer = { alg: real.alg, kid: real.kid, publicJwk: real.publicJwk, sign: async () => fixed, signSync: () => fixed };
  const { jwt } = await issueCredential(request, { signer: real });
  const input = Buffer.from(jwt.slice(0, jwt.lastIndexOf('.')));
  const p256 = createPrivateKey({ key: key.privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const ed25519 = generateKeyPairSync('ed25519').privateKey;
  const digest = typeof nodeCrypto.hash === 'function' ? (data: Buffer) => nodeCrypto.hash('sha256', data, 'buffer') : (data: Buffer) => createHash('sha256').update(data).digest();
  const memory = Buffer.alloc(1024 * 1024, 1);
  let sum = 0;
  const sweep = (bytes: number) => {
    for (let i = 0; i < bytes; i += 64) sum += memory[i]!;
  };
  const between: Record<string, () => unknown> = {
    alone: () => undefined,
    'a P-256 signature (ES256)': () => cryptoSign('sha256', input, { key: p256, dsaEncoding: 'ieee-p1363' }),
    'an Ed25519 signature (EdDSA)': () => cryptoSign(null, input, ed25519),
    'one system call (fstat)': () => fstatSync(1),
    // As long as a P-256 signature, touching little memory (one-shot digests where Node has them,
    // 20.12+: a createHash object per digest would add its own JavaScript allocations).
    'six SHA-256 digests of the signing input': () => {
      for (let i = 0; i < 6; i++) digest(input);
    },
    // What sweeping memory through the caches costs the checks, for scale: OpenSSL's P-256 code
    // reads its whole 150 KB table of precomputed points for every signature.
    'reading 150 KB of memory': () => sweep(150 * 1024),
    'reading 1 MB of memory': () => sweep(1024 * 1024),
  };
  const perCredential = async (op: () => unknown, n: number) => {
    let inIssue = 0n;
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      await issueCredential(request, { signer: noSignature });
      inIssue += process.hrtime.bigint() - t;
      op();
    }
    return Number(inIssue) / n / 1000;
  };
  const runs = Object.fromEntries(Object.keys(between).map((k) => [k, [] as number[]]));
  for (const op of Object.values(between)) await perCredential(op, 2000);
  for (let r = 0; r < 5; r++) for (const [k, op] of Object.entries(between)) runs[k]!.push(await perCredential(op, 3000));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const alone = median(runs.alone!);
  for (const [k, xs] of Object.entries(runs)) {
    const us = median(xs);
    const row: Measurement = { name: `ES256 issuance work besides the signature, ${k === 'alone' ? 'credentials back to back' : `${k} between credentials`}`, opsPerSec: 1e6 / us };
    if (k !== 'alone') Object.assign(row, { ratio: alone / us, baseline: 'back to back', note: `${(us - alone).toFixed(1)} µs more per credential (${us.toFixed(1)} against ${alone.toFixed(1)} µs)` });
    rows.push(row);
  }
  // The other way round: the P-256 signature itself, alone in a loop (the raw floor) and right
  // after a credential's checks, timed apart from them. A one-off credential pays both slowdowns.
  const signature = between['a P-256 signature (ES256)']!;
  const signatureAfter = async (checks: boolean, n: number) => {
    let inSign = 0n;
    for (let i = 0; i < n; i++) {
      if (checks) await issueCredential(request, { signer: noSignature });
      const t = process.hrtime.bigint();
      signature();
      inSign += process.hrtime.bigint() - t;
    }
    return Number(inSign) / n / 1000;
  };
  const signs = { alone: [] as number[], after: [] as number[] };
  for (const checks of [false, true]) await signatureAfter(checks, 2000);
  for (let r = 0; r < 5; r++) for (const checks of [false, true]) signs[checks ? 'after' : 'alone'].push(await signatureAfter(checks, 3000));
  const [signAlone, signAfter] = [median(signs.alone), median(signs.after)];
  rows.push({ name: 'ES256 P-256 signature, one after another (the raw floor)', opsPerSec: 1e6 / signAlone });
  rows.push({ name: "ES256 P-256 signature, each right after a credential's checks", opsPerSec: 1e6 / signAfter, ratio: signAlone / signAfter, baseline: 'one after another', note: `${(signAfter - signAlone).toFixed(1)} µs more per signature (${signAfter.toFixed(1)} against ${signAlone.toFixed(1)} µs)` });
  if (sum < 0) console.log(sum); // keeps the sweeps from being optimized away
}
if (want('interference')) await interference();

/** Data Integrity (eddsa-rdfc-2022): our full pipeline against plain @digitalbazaar/vc usage. */
async function dataIntegrity() {
  const key = generateKey('EdDSA');
  const id = key.identifiers[0]!;
  const signer = createLocalSigner(key.privateJwk, id.kid);
  const priv = createPrivateKey({ key: key.privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  const { credential } = await issueCredential(request, { signer, format: 'di' });
  const { bundledContexts } = await import('../dist/lib/jsonld/contexts.js');
  const mk = id.id.slice('did:key:'.length);
  const method = { id: id.kid, type: 'Multikey', controller: id.id, publicKeyMultibase: mk };
  const documentLoader = async (url: string) => {
    const ctx = bundledContexts().get(url);
    if (ctx) return { contextUrl: null, documentUrl: url, document: ctx };
    if (url === id.kid) return { contextUrl: null, documentUrl: url, document: { '@context': 'https://w3id.org/security/multikey/v1', ...method } };
    if (url === id.id) return { contextUrl: null, documentUrl: url, document: { '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'], id: id.id, verificationMethod: [method], assertionMethod: [method.id] } };
    throw new Error(`offline benchmark: ${url}`);
  };
  const dbVc = await import('@digitalbazaar/vc');
  const { DataIntegrityProof } = await import('@digitalbazaar/data-integrity');
  const { cryptosuite } = await import('@digitalbazaar/eddsa-rdfc-2022-cryptosuite');
  const plainSigner = { id: id.kid, algorithm: 'Ed25519', sign: async ({ data }: { data: Uint8Array }) => cryptoSign(null, data, priv) };
  const { proof: _p, ...unsigned } = credential as Record<string, unknown>;
  const plainIssue = await measure(() => dbVc.issue({ credential: structuredClone(unsigned), suite: new DataIntegrityProof({ signer: plainSigner, cryptosuite }), documentLoader }), 3000, 500);
  const plainVerify = await measure(() => dbVc.verifyCredential({ credential, suite: new DataIntegrityProof({ cryptosuite }), documentLoader }), 3000, 500);
  rows.push({ name: 'DI plain @digitalbazaar/vc issue (baseline)', opsPerSec: plainIssue });
  rows.push({ name: 'DI plain @digitalbazaar/vc verify (baseline)', opsPerSec: plainVerify });
  const ourIssue = await measure(() => issueCredential(request, { signer, format: 'di' }), 3000, 500);
  const verify = createVerifier({ fetcher: offline });
  const check = await verify(credential as Record<string, unknown>);
  if (!check.verified) throw new Error(`DI benchmark credential does not verify: ${JSON.stringify(check.checks.filter((c) => c.status === 'failed'))}`);
  const ourVerify = await measure(() => verify(credential as Record<string, unknown>), 3000, 500);
  rows.push({ name: 'DI full issuance (every check + eddsa-rdfc-2022)', opsPerSec: ourIssue, ratio: ourIssue / plainIssue, baseline: 'plain vc issue', target: 1.5 });
  rows.push({ name: 'DI full verification (every check)', opsPerSec: ourVerify, ratio: ourVerify / plainVerify, baseline: 'plain vc verify', target: 1.5 });
}
if (want('di')) await dataIntegrity();

/** Cohort issuance: N rows issued and stored, signing on every core (worker threads). */
async function batch(kind: 'sqlite' | 'postgres', n: number) {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { loadConfig } = await import('../dist/config/config.js');
  const { openSqliteStorage, openPostgresStorage } = await import('../dist/storage/index.js');
  const { Keyring } = await import('../dist/service/keyring.js');
  const { loadKek } = await import('../dist/service/kek.js');
  const { IssuingService } = await import('../dist/service/issuing.js');
  const { createBatchJob, runBatchJob } = await import('../dist/batch/runner.js');
  const dir = mkdtempSync(join(tmpdir(), 'mc-bench-'));
  const schema = `mc_bench_${Date.now().toString(36)}`;
  const pgUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const storage = kind === 'sqlite' ? await openSqliteStorage(join(dir, 'bench.db')) : await openPostgresStorage(pgUrl, { schema });
  try {
    await storage.migrate();
    const config = loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
    const keyring = new Keyring(storage, loadKek(null, dir).kek, config.issuerId, config.baseUrl);
    await keyring.ensureActiveKey('ES256', new Date().toISOString());
    const issuing = new IssuingService(storage, keyring, config);
    const { id: _id, ...achievement } = request.achievement as Record<string, unknown>;
    await issuing.createAchievement(achievement, 'bench', 'bench-achievement');
    const lines = ['name,email,apaar,grade,credits_earned,activity_start,activity_end'];
    const grades = ['O', 'A+', 'A', 'B+', 'B', 'C', 'P'];
    for (let i = 0; i < n; i++) lines.push(`Learner ${i},l${i}@student.example.in,${100000000000 + i},${grades[i % 7]},2,2025-04-01,2025-06-15`);
    const deps = { storage, keyring, issuing, config };
    const t0 = performance.now();
    const job = await createBatchJob(deps, { achievementId: 'bench-achievement', text: lines.join('\n'), kind: 'csv', source: 'bench', actor: 'bench' });
    const t1 = performance.now();
    const done = await runBatchJob(deps, job.id, { actor: 'bench' });
    const t2 = performance.now();
    if (done.counts.issued !== n) throw new Error(`batch issued ${done.counts.issued} of ${n}`);
    // What was stored reads back as signed: a sample's JWTs verify under the batch key.
    const signingKey = createPublicKey({ key: (await keyring.activePrivateKeyForWorkers()).privateJwk as import('node:crypto').JsonWebKey, format: 'jwk' });
    for (const c of (await storage.listCredentials({ limit: 25, offset: 0 })).items) {
      const { payload } = await jose.compactVerify(c.jwt, signingKey);
      if ((JSON.parse(new TextDecoder().decode(payload)) as { jti?: string }).jti !== c.id) throw new Error(`stored credential ${c.id} does not read back as signed`);
    }
    const secs = (t2 - t0) / 1000;
    rows.push({ name: `batch ${n.toLocaleString('en')} rows into ${kind} (validate ${((t1 - t0) / 1000).toFixed(1)} s + issue ${((t2 - t1) / 1000).toFixed(1)} s = ${secs.toFixed(1)} s)`, opsPerSec: n / secs, note: kind === 'sqlite' ? `target: under 20 s (${secs < 20 ? 'met' : 'NOT met'})` : 'no target' });
    // The console's learner search matches inside the text, so it reads every credential (SQLite: in the index that carries the learner columns): its latency here.
    const who = n - 1;
    const searches = [`Learner ${who}`, `l${who}@student.example.in`].map((typed) => ({ typed, filter: issuing.learnerFilter(typed) }));
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      for (const { typed, filter } of searches) {
        const ts = performance.now();
        const page = await storage.listCredentials({ learner: filter, limit: 50, offset: 0 });
        times.push(performance.now() - ts);
        if (page.total !== 1) throw new Error(`learner search for ${typed} found ${page.total} credentials, not 1`);
      }
    }
    const ms = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    rows.push({ name: `learner search over ${n.toLocaleString('en')} credentials in ${kind} (name part or exact email; median ${ms.toFixed(0)} ms)`, opsPerSec: 1000 / ms, note: kind === 'sqlite' ? 'scans the issued_at index that carries the learner columns; no target' : 'scans the credentials table; no target' });
  } finally {
    await storage.close();
    // A 100,000-row database is about 1 GB: never leave it behind.
    (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    if (kind === 'postgres') {
      const pg = (await import('pg')).default;
      const c = new pg.Client({ connectionString: pgUrl });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
    }
  }
}

/**
 * Per-learner files, made after issuing (`batch --files`, or on demand by the service): their
 * own single-thread rates, to set beside the issuing rate.
 */
async function learnerFiles() {
  const { verificationQrPng } = await import('../dist/web/qr.js');
  const { bakedBadge } = await import('../dist/web/wallet-page.js');
  const key = generateKey('ES256');
  const signer = createLocalSigner(key.privateJwk, key.identifiers[0]!.kid);
  const { jwt, credential } = await issueCredential(request, { signer });
  // A verification link of the service's shape: /v/<credential uuid, 22 chars>/<capability, 16 chars>.
  const url = 'https://credentials.university.example.ac.in/v/hEGy0WvJQ1ykm6RB0gZ3Tw/3qHw6oNQ9rVx2sJe';
  const qr = await measure(() => verificationQrPng(url));
  const png = await measure(() => bakedBadge(credential, jwt, 'png'));
  const svg = await measure(() => bakedBadge(credential, jwt, 'svg'));
  rows.push({ name: 'per-learner QR code PNG of the verification link (512 px)', opsPerSec: qr, note: 'made after issuing, one thread' });
  rows.push({ name: 'per-learner baked badge PNG (credential in an iTXt chunk)', opsPerSec: png, note: 'made after issuing, one thread' });
  rows.push({ name: 'per-learner baked badge SVG', opsPerSec: svg, note: 'made after issuing, one thread' });
}
if (want('files')) await learnerFiles();

/**
 * POST /api/v1/verify under a fixed concurrency, on the verifier-only service as a deployment
 * runs it: `microcred serve --verifier-only` with its default WORKERS (auto: one process per CPU,
 * node:cluster; WORKERS=1 in the environment measures one process). autocannon runs in this
 * process, on the same machine, so it competes with the workers for CPU.
 */
async function http() {
  const { spawn } = await import('node:child_process');
  const autocannon = (await import('autocannon')).default;
  const key = generateKey('ES256');
  const signer = createLocalSigner(key.privateJwk, key.identifiers[0]!.kid);
  const { jwt } = await issueCredential(request, { signer });
  const port = 3900 + Math.floor(Math.random() * 90);
  const { BASE_URL: _vite, ...env } = process.env;
  const child = spawn(process.execPath, [new URL('../dist/cli/main.js', import.meta.url).pathname, 'serve', '--verifier-only'], { env: { ...env, PORT: String(port), LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000' }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const banner = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('listening')) resolve(out);
    });
    child.once('exit', (code) => reject(new Error(`the verifier service exited (${code}) before listening`)));
  });
  // The banner names the worker count under a cluster ("…; 2 workers)"); one process otherwise.
  const workers = Number(/; (\d+) workers\)/.exec(banner)?.[1] ?? 1);
  try {
    const body = JSON.stringify({ credential: jwt });
    const run = (duration: number) => autocannon({ url: `http://127.0.0.1:${port}/api/v1/verify`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 16, duration });
    await run(2); // warm-up
    const r = await run(10);
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`HTTP verify: ${r.non2xx} non-2xx, ${r.errors} errors`);
    rows.push({ name: `HTTP POST /api/v1/verify, verifier-only, ${workers} worker${workers === 1 ? '' : 's'}, 16 connections (p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms)`, opsPerSec: r.requests.average, note: `target ≥ 2000 req/s with p99 < 50 ms: ${r.requests.average >= 2000 && r.latency.p99 < 50 ? 'met' : 'NOT met'}` });
  } finally {
    child.kill('SIGTERM');
    await exited; // the primary exits once every worker has stopped
  }
}
if (want('http')) await http();

// The batches run last: writing and then deleting a gigabyte of database leaves the kernel
// writing back for a while, and HTTP runs right after them gave 1,561-1,947 req/s against
// 2,210-2,426 run alone (CI's machine kind).
const batchRows = Number(process.env.BENCH_BATCH_ROWS ?? 100_000);
if (want('batch')) {
  // BENCH_BATCH_STORES=sqlite (or postgres) runs one store only.
  const stores = (process.env.BENCH_BATCH_STORES ?? 'sqlite,postgres').split(',');
  if (stores.includes('sqlite')) await batch('sqlite', batchRows);
  if (stores.includes('postgres')) await batch('postgres', batchRows);
}

const result = { date: new Date().toISOString(), machine: machine(), rows };
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/latest.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
const notes = rows.filter((r) => r.note).map((r) => `  ${r.name}: ${r.note}`);
process.stdout.write(`${table(rows)}\n${notes.length ? `\nnotes:\n${notes.join('\n')}\n` : ''}\nmachine: ${JSON.stringify(result.machine)}\nwritten: bench/results/latest.json\n`);
