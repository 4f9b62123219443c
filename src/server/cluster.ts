/**
 * Multi-process serving (issue #8) with node:cluster. The primary process only supervises: it
 * forks the workers, prints the "listening" banner once, restarts a worker that dies (with a
 * growing delay, never in a tight loop), forwards SIGTERM/SIGINT, and exits once every worker is
 * gone. The workers share the listening socket (the primary hands each new connection to the
 * next worker in turn) and each runs a whole service: its own caches, its own rate limiter.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { WorkerSetting } from '../config/config.js';

export type ServeMode = 'issuer' | 'verifier';

/**
 * The number of server processes. Unset, the issuer service runs one (its batch-progress
 * streams and first-start setup are per process), and the verifier-only service one per CPU
 * (its only state is caches and the trust registry, which every worker loads for itself).
 */
export function workerCount(setting: WorkerSetting | null, mode: ServeMode): number {
  const s = setting ?? (mode === 'verifier' ? 'auto' : 1);
  return s === 'auto' ? availableParallelism() : s;
}

/** Sent by a worker once it listens: the banner the primary prints (once, for the first worker). */
interface ReadyMessage {
  type: 'microcred:ready';
  banner: string;
}

const isReady = (m: unknown): m is ReadyMessage =>
  typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'microcred:ready' && typeof (m as { banner?: unknown }).banner === 'string';

/** In a worker: tell the primary that this worker listens. */
export function announceReady(banner: string): void {
  process.send?.({ type: 'microcred:ready', banner } satisfies ReadyMessage);
}

/** Which process answers, for /health: the worker id and pid under a cluster, nothing otherwise. */
export function workerIdentity(): { worker: number; pid: number } | Record<string, never> {
  return cluster.isWorker && cluster.worker ? { worker: cluster.worker.id, pid: process.pid } : {};
}

export interface SuperviseOptions {
  workers: number;
  log: Logger;
  /** Called once, when every worker of the first generation listens, with the first worker's banner. */
  onListening(banner: string): void;
  /** Called once when a shutdown signal arrives. */
  onShutdown?(signal: NodeJS.Signals): void;
  /** How long workers get to finish in-flight requests after SIGTERM; they are killed some seconds later. */
  shutdownGraceMs: number;
  /** Restart delay: the first restart waits `minMs`, each further failure doubles it up to `maxMs`. */
  restartDelay?: { minMs: number; maxMs: number };
  /** A worker that ran this long before dying counts as healthy: its slot's delay starts over. */
  stableAfterMs?: number;
}

interface Slot {
  index: number;
  worker: Worker | null;
  startedAt: number;
  ready: boolean;
  failures: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Run the primary: fork `workers` workers and supervise them until a shutdown signal. Resolves
 * with the exit code for the primary: 0 after a clean shutdown; a worker's own exit code when
 * the first generation fails to start (it printed its own one-line error); 1 otherwise.
 */
export function superviseWorkers(options: SuperviseOptions): Promise<number> {
  const { log } = options;
  const minMs = options.restartDelay?.minMs ?? 500;
  const maxMs = options.restartDelay?.maxMs ?? 30_000;
  const stableAfterMs = options.stableAfterMs ?? 60_000;
  const slots: Slot[] = Array.from({ length: options.workers }, (_, index) => ({ index, worker: null, startedAt: 0, ready: false, failures: 0, timer: null }));
  let listening = false;
  let stopping: NodeJS.Signals | null = null;
  let exitCode = 0;
  let firstBanner = '';
  let forceKill: NodeJS.Timeout | null = null;

  return new Promise<number>((resolve) => {
    const live = () => slots.filter((s) => s.worker !== null);
    const finishIfDone = () => {
      if (stopping && live().length === 0) {
        if (forceKill) clearTimeout(forceKill);
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve(exitCode);
      }
    };

    const fork = (slot: Slot) => {
      slot.timer = null;
      slot.ready = false;
      slot.startedAt = Date.now();
      const worker = cluster.fork();
      slot.worker = worker;
      worker.on('error', (err) => log.warn({ err, worker: worker.id }, 'worker channel error'));
      worker.on('message', (m: unknown) => {
        if (!isReady(m) || slot.worker !== worker) return;
        slot.ready = true;
        if (listening) {
          log.info({ worker: worker.id, workerPid: worker.process.pid, slot: slot.index }, 'replacement worker listening');
          return;
        }
        // The first worker starts alone: on a first start it creates the signing key and the
        // bootstrap token, which the others then find instead of racing to create their own.
        if (slot.index === 0) {
          firstBanner = m.banner;
          for (const s of slots.slice(1)) fork(s);
        }
        if (slots.every((s) => s.ready)) {
          listening = true;
          options.onListening(firstBanner);
        }
      });
      worker.once('exit', (code, signal) => {
        if (slot.worker !== worker) return;
        slot.worker = null;
        const wasReady = slot.ready;
        slot.ready = false;
        if (stopping) {
          // Killed by the forwarded signal before it could handle it (still starting): not a failure.
          if (code !== 0 && signal !== stopping && exitCode === 0) exitCode = 1;
          finishIfDone();
          return;
        }
        if (!listening) {
          // The first generation failed to start (port in use, unreadable trust registry…): the
          // worker printed why; stop the rest and exit as it did, rather than retry forever.
          log.debug({ worker: worker.id, code, signal }, 'worker failed to start');
          exitCode = code && code > 0 ? code : 1;
          stop('SIGTERM');
          return;
        }
        if (Date.now() - slot.startedAt >= stableAfterMs) slot.failures = 0;
        const delay = Math.min(maxMs, minMs * 2 ** slot.failures);
        slot.failures++;
        log.error({ worker: worker.id, workerPid: worker.process.pid, code, signal, wasReady, restartInMs: delay }, 'worker exited unexpectedly; starting a replacement');
        slot.timer = setTimeout(() => fork(slot), delay);
      });
    };

    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = signal;
      for (const s of slots) {
        if (s.timer) clearTimeout(s.timer);
        s.timer = null;
        // Each worker finishes its in-flight requests and exits on its own (see serve).
        if (s.worker && !s.worker.isDead()) s.worker.process.kill(signal);
      }
      // Workers that outlive their grace period (a stuck request, a held socket) are killed.
      forceKill = setTimeout(() => {
        for (const s of live()) {
          log.warn({ worker: s.worker!.id }, 'worker did not stop in time; killing it');
          s.worker!.process.kill('SIGKILL');
        }
      }, options.shutdownGraceMs + 5_000);
      forceKill.unref();
      finishIfDone();
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      options.onShutdown?.(signal);
      stop(signal);
    };
    // `on`, not `once`: a second Ctrl-C must not kill the primary and orphan its workers mid-shutdown.
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    fork(slots[0]!);
  });
}
