import { cpus, totalmem } from 'node:os';

export interface Measurement {
  name: string;
  opsPerSec: number;
  /** Ratio against the baseline named in `baseline`. */
  ratio?: number;
  baseline?: string;
  target?: number;
  note?: string;
}

/**
 * Run `fn` repeatedly for `ms` milliseconds (after a warm-up) and return operations per second.
 * Async functions are awaited one at a time: these are single-thread rates.
 */
export async function measure(fn: () => unknown, ms = 1500, warmupMs = 300): Promise<number> {
  const until = (t: number) => performance.now() + t;
  for (const end = until(warmupMs); performance.now() < end; ) await fn();
  let n = 0;
  const start = performance.now();
  const end = start + ms;
  while (performance.now() < end) {
    for (let i = 0; i < 16; i++) await fn();
    n += 16;
  }
  return (n * 1000) / (performance.now() - start);
}

export function machine() {
  const c = cpus();
  return { node: process.version, cpus: c.length, cpuModel: c[0]?.model ?? 'unknown', memoryGiB: Math.round(totalmem() / 2 ** 30), platform: process.platform };
}

export function table(rows: Measurement[]): string {
  const head = ['benchmark', 'ops/s', 'ratio', 'target', 'ok'];
  const body = rows.map((r) => [
    r.name,
    r.opsPerSec >= 100 ? Math.round(r.opsPerSec).toLocaleString('en') : r.opsPerSec.toFixed(1),
    r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}× ${r.baseline ?? ''}`,
    r.target === undefined ? '' : `≥ ${r.target}×`,
    r.target === undefined || r.ratio === undefined ? '' : r.ratio >= r.target ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const fmt = (cols: string[]) => cols.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...body.map(fmt)].join('\n');
}
