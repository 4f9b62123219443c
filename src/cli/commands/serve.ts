import cluster from 'node:cluster';
import type { Command } from 'commander';
import { pino, type Logger } from 'pino';
import { parseWorkers, type ServiceConfig } from '../../config/config.js';
import { cliConfig, cliSetting } from '../config.js';
import { CliExit, reportError } from '../output.js';
import { announceReady, superviseWorkers, workerCount, type ServeMode } from '../../server/cluster.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the issuer service (configuration from environment variables; see README)')
    .option('--verifier-only', 'run only the verification pages and POST /api/v1/verify: no keys, no database')
    .option('--workers <n>', 'server processes: a whole number, or "auto" for one per CPU (overrides WORKERS; default 1, auto with --verifier-only)')
    .action(async (opts: { verifierOnly?: boolean; workers?: string }) => {
      const config = cliConfig();
      const mode: ServeMode = opts.verifierOnly ? 'verifier' : 'issuer';
      const setting = opts.workers === undefined ? config.workers : cliSetting(() => parseWorkers(opts.workers!, '--workers'));
      const workers = workerCount(setting, mode);
      if (cluster.isWorker) return serveAsWorker(config, mode, workers);
      if (workers > 1) return servePrimary(config, mode, workers);
      return serveHere(config, mode, workers, pino({ level: config.logLevel }));
    });
}

/** The primary of a cluster: it serves nothing itself (see server/cluster.ts). */
async function servePrimary(config: ServiceConfig, mode: ServeMode, workers: number): Promise<void> {
  const code = await superviseWorkers({
    workers,
    log: pino({ level: config.logLevel }).child({ role: 'primary' }),
    shutdownGraceMs: config.shutdownGraceMs,
    onListening: (banner) => process.stdout.write(banner),
    onShutdown: (signal) => {
      if (mode === 'issuer') process.stdout.write(`${signal}: finishing in-flight requests…\n`);
    },
  });
  if (code !== 0) throw new CliExit(code);
}

/** A cluster worker: serve, report to the primary, and exit once shut down. */
async function serveAsWorker(config: ServiceConfig, mode: ServeMode, workers: number): Promise<void> {
  try {
    // Every log line says which worker wrote it (pid is in pino's base bindings already).
    await serveHere(config, mode, workers, pino({ level: config.logLevel }).child({ worker: cluster.worker!.id }));
  } catch (e) {
    // The open IPC channel would keep a failed worker alive; the primary waits for its exit code.
    process.exit(reportError(e));
  }
  // Let go of the IPC channel so the process can end; if some handle still holds it, end anyway.
  cluster.worker!.disconnect();
  setTimeout(() => process.exit(0), 1_000).unref();
}

/** Start the service in this process, announce it, and resolve once SIGTERM/SIGINT has closed it. */
async function serveHere(config: ServiceConfig, mode: ServeMode, workers: number, log: Logger): Promise<void> {
  const inCluster = cluster.isWorker;
  const perWorker = workers > 1 ? ` (${workers} workers)` : '';
  let close: () => Promise<void>;
  let banner: string;
  // The servers are loaded only to serve: every other command starts without them (about 0.4 s).
  if (mode === 'verifier') {
    const { startVerifierService } = await import('../../server/verifier-app.js');
    const verifier = await startVerifierService(config, { log });
    close = verifier.close;
    banner = `microcred verifier listening on ${verifier.url} (verifier only: no keys, no database${workers > 1 ? `; ${workers} workers` : ''})\n`;
  } else {
    const { startService } = await import('../../server/start.js');
    const service = await startService(config, { log });
    close = service.close;
    banner = `microcred issuer service listening on ${service.url}${perWorker}\n  public URL ${config.baseUrl}  issuer ${config.issuerId}  storage ${service.storage.kind}\n  registrar console ${config.baseUrl}/console  employer verification ${config.baseUrl}/verify\n`;
    if (service.bootstrapToken) banner += `\nbootstrap admin token (shown once; store it safely; sign in to the console with it):\n  ${service.bootstrapToken}\n\n`;
  }
  // Under a cluster the primary prints one banner for all workers.
  if (inCluster) announceReady(banner);
  else process.stdout.write(banner);
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      if (mode === 'issuer' && !inCluster) process.stdout.write(`${signal}: finishing in-flight requests…\n`);
      log.info({ signal }, 'shutting down');
      void close().then(resolve);
    };
    // A worker hears a terminal's Ctrl-C twice (its process group, then the primary): `on`, so the
    // second one is ignored instead of killing it mid-shutdown. A lone process keeps `once`: a
    // second Ctrl-C ends it at once.
    const listen = inCluster ? process.on.bind(process) : process.once.bind(process);
    listen('SIGTERM', stop);
    listen('SIGINT', stop);
  });
}
