import { access, mkdir, readFile, writeFile, appendFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { basename, join } from 'node:path';
import type { Command } from 'commander';
import { SingleBar, Presets } from 'cli-progress';
import { cliConfig } from '../config.js';
import { MicrocredError } from '../../errors.js';
import type { IssuingService } from '../../service/issuing.js';
import { CohortFileError } from '../../batch/rows.js';
import { allRows, manifestHeader, manifestLine } from '../../batch/manifest.js';
import { LEARNER_FILE_KINDS, parseFileKinds, type LearnerFileKind } from '../../batch/files.js';
import type { Storage } from '../../storage/types.js';
import type { FilesTask } from '../../batch/files-worker.js';
import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { CliExit } from '../output.js';

// Compiled like the signing worker: src/cli/commands and dist/cli/commands sit three levels below the package.
const FILES_WORKER = new URL('../../../dist/batch/files-worker.js', import.meta.url).href;

interface BatchOptions {
  achievement?: string;
  version?: string;
  out?: string;
  resume?: string;
  dryRun?: boolean;
  jsonl?: boolean;
  threads?: string;
  progress?: boolean;
  files: string;
}

/**
 * The manifest and each learner's files, after issuing: a later step than signing, with its own
 * progress bar and rate. The files are made on every core (QR codes and baked badges cost more
 * than signing a credential); the manifest is written here, in row order.
 */
async function writeOutput(
  out: string,
  kinds: ReadonlySet<LearnerFileKind>,
  ctx: { storage: Storage; issuing: IssuingService; batchId: string; rows: number; progress: boolean; threads?: number },
): Promise<void> {
  await mkdir(out, { recursive: true });
  const manifest = join(out, 'manifest.csv');
  await writeFile(manifest, manifestHeader());
  const bar = ctx.progress ? new SingleBar({ format: 'writing [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted}', hideCursor: true }, Presets.shades_classic) : null;
  bar?.start(ctx.rows, 0, { rate: 0 });
  const started = performance.now();
  const rate = (n: number) => Math.round(n / Math.max((performance.now() - started) / 1000, 1e-3));
  const threads = ctx.threads ?? Math.max(1, availableParallelism());
  const pool = new Piscina({ filename: FILES_WORKER, maxThreads: threads, minThreads: threads, idleTimeout: 1000 });
  const inFlight = new Set<Promise<number>>();
  let done = 0;
  let lines: string[] = [];
  let items: FilesTask['items'] = [];
  let failure: unknown;
  const dispatch = async () => {
    if (failure !== undefined) throw failure;
    if (items.length === 0) return;
    const task = pool.run({ out, kinds: [...kinds], items } satisfies FilesTask) as Promise<number>;
    items = [];
    inFlight.add(task);
    void task.then(
      (n) => {
        inFlight.delete(task);
        done += n;
        bar?.update(done, { rate: rate(done) });
      },
      (e: unknown) => {
        inFlight.delete(task);
        failure ??= e;
      },
    );
    // A bounded number of tasks in flight: rows are read no faster than files are made.
    if (inFlight.size >= threads * 2) await Promise.race(inFlight);
  };
  try {
    for await (const row of allRows(ctx.storage, ctx.batchId)) {
      let url: string | null = null;
      if (row.credentialId) {
        const c = await ctx.storage.getCredential(row.credentialId);
        if (c) {
          url = ctx.issuing.verificationUrl(c);
          items.push({ source: { id: c.id, jwt: c.jwt, credential: c.credential }, url, line: row.line });
          if (items.length >= 50) await dispatch();
        }
      }
      lines.push(manifestLine(row, url));
      // The manifest is appended a page at a time, not once per row.
      if (lines.length >= 1000) {
        await appendFile(manifest, lines.join(''));
        lines = [];
      }
    }
    await dispatch();
    await Promise.allSettled([...inFlight]);
    if (failure !== undefined) throw failure;
    await appendFile(manifest, lines.join(''));
  } finally {
    await pool.destroy();
  }
  bar?.stop();
  process.stderr.write(`wrote the manifest and ${[...kinds].join(', ')} files of ${done} credential(s) to ${out} (${rate(done)} credentials/s)\n`);
}

export function registerBatch(program: Command): void {
  program
    .command('batch')
    .description('issue a cohort: validate every row of a CSV (or JSON Lines) file, report bad rows, then issue the good ones (resumable)')
    .argument('[cohort]', 'CSV with a header row (columns: name, email, student_id, apaar, subject_id, grade, result_status, credits_earned, activity_start, activity_end, evidence_url, evidence_name, valid_until)')
    .option('--achievement <id>', 'the stored achievement to issue (see POST /api/v1/achievements)')
    .option('--version <n>', 'achievement version (default: the latest)')
    .option('--out <dir>', 'write a manifest.csv and each learner\'s files (see --files) under <dir>')
    .option('--files <kinds>', 'learner files to write with --out, comma-separated: jwt (credentials/<row>-<uuid>.jwt), qr (qr/<row>-<uuid>.png, the verification link), png and svg (badges/<row>-<uuid>.png|svg, baked badges)', 'jwt')
    .option('--resume <batchId>', 'continue a batch that was interrupted (no cohort file needed)')
    .option('--dry-run', 'only validate and report; sign nothing')
    .option('--jsonl', 'the file is JSON Lines (one issuance body per line)')
    .option('--threads <n>', 'signing threads (default: all cores)')
    .option('--no-progress', 'no progress bar')
    .action(async (cohort: string | undefined, opts: BatchOptions, command: Command) => {
      const config = cliConfig();
      if (!opts.resume && (!cohort || !opts.achievement)) throw new MicrocredError('MC_USAGE', 'give a cohort file and --achievement ID (or --resume BATCH_ID)');
      const kinds = parseFileKinds(opts.files);
      if (!kinds) throw new MicrocredError('MC_USAGE', `--files takes a comma-separated list of ${LEARNER_FILE_KINDS.join(', ')}`);
      if (!opts.out && command.getOptionValueSource('files') === 'cli') throw new MicrocredError('MC_USAGE', '--files needs --out DIR: the folder to write them to');
      // An output folder that cannot be written is found before anything is issued.
      if (opts.out) {
        try {
          await mkdir(opts.out, { recursive: true });
          await access(opts.out, constants.W_OK);
        } catch (e) {
          throw new MicrocredError('MC_USAGE', `cannot write to --out ${opts.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      }
      const threads = opts.threads === undefined ? undefined : Number(opts.threads);
      if (threads !== undefined && !(Number.isInteger(threads) && threads > 0)) throw new MicrocredError('MC_USAGE', '--threads must be a positive whole number');
      // The service and the batch runner are loaded when the command runs (see commands/verify.ts).
      const [{ openStorage }, { Keyring }, { loadKek }, { IssuingService }, { createBatchJob, runBatchJob }] = await Promise.all([
        import('../../storage/index.js'),
        import('../../service/keyring.js'),
        import('../../service/kek.js'),
        import('../../service/issuing.js'),
        import('../../batch/runner.js'),
      ]);
      const storage = await openStorage(config.databaseUrl);
      try {
        await storage.migrate();
        const keyring = new Keyring(storage, loadKek(config.kek, config.dataDir).kek, config.issuerId, config.baseUrl);
        await keyring.ensureActiveKey(config.keyAlg, new Date().toISOString());
        const issuing = new IssuingService(storage, keyring, config);
        const deps = { storage, keyring, issuing, config };
        let batchId = opts.resume;
        if (!batchId) {
          let text: string;
          try {
            text = await readFile(cohort!, 'utf8');
          } catch (e) {
            throw new MicrocredError('MC_INPUT_UNREADABLE', `cannot read ${cohort}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
          }
          const version = opts.version === undefined ? undefined : Number(opts.version);
          if (!(await storage.getAchievement(opts.achievement!, version))) throw new MicrocredError('MC_USAGE', `no achievement ${opts.achievement}${version ? ` version ${version}` : ''}`);
          let batch;
          try {
            batch = await createBatchJob(deps, { achievementId: opts.achievement!, ...(version ? { achievementVersion: version } : {}), text, kind: opts.jsonl ? 'jsonl' : 'csv', source: basename(cohort!), actor: 'cli' });
          } catch (e) {
            if (e instanceof CohortFileError) throw new MicrocredError('MC_INPUT_UNREADABLE', e.message);
            throw e;
          }
          batchId = batch.id;
          process.stderr.write(`batch ${batch.id}: ${batch.counts.pending} row(s) valid, ${batch.counts.invalid} invalid\n`);
          for await (const row of allRows(storage, batch.id)) {
            if (row.state === 'invalid') process.stderr.write(`  line ${row.line} (${row.learner}): ${(row.problems ?? []).map((p) => `${p.path}: ${p.message}`).join('; ')}\n`);
          }
          if (opts.dryRun) throw new CliExit(batch.counts.invalid ? 1 : 0);
        }
        const before = await storage.getBatch(batchId);
        if (!before) throw new MicrocredError('MC_USAGE', `no batch ${batchId}`);
        const bar = opts.progress !== false && process.stderr.isTTY ? new SingleBar({ format: 'issuing [{bar}] {value}/{total} | {rate}/s | ETA {eta_formatted}', hideCursor: true }, Presets.shades_classic) : null;
        bar?.start(before.counts.pending + before.counts.issued, before.counts.issued, { rate: 0 });
        const done = await runBatchJob(deps, batchId, { actor: 'cli', ...(threads ? { threads } : {}), onProgress: (p) => (bar ? bar.update(p.issued, { rate: Math.round(p.rate) }) : process.stderr.write(`issued ${p.issued}/${p.total} (${Math.round(p.rate)}/s, ETA ${Math.round(p.etaSec)} s)\n`)) });
        bar?.stop();
        if (opts.out) await writeOutput(opts.out, kinds, { storage, issuing, batchId, rows: done.counts.issued, progress: opts.progress !== false && process.stderr.isTTY, ...(threads ? { threads } : {}) });
        process.stdout.write(`batch ${batchId}: ${done.counts.issued} issued, ${done.counts.invalid} invalid, ${done.counts.pending} pending (${done.state})\n`);
        throw new CliExit(done.counts.invalid || done.counts.pending ? 1 : 0);
      } finally {
        await storage.close();
      }
    });
}
