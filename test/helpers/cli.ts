/**
 * The built CLI as a child process: one environment rule, one runner for commands that exit, and
 * one for `microcred serve`, resolved once it prints its listening line.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './tokens.js';

export const CLI = join(REPO, 'dist/cli/main.js');

/** The environment of a spawned CLI: the test runner's, without Vite's BASE_URL=/ and any service settings. */
export function childEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['BASE_URL', 'PORT', 'HOST', 'DATABASE_URL', 'DATA_DIR', 'ISSUER_ID', 'ISSUER_NAME', 'MICROCRED_KEK', 'MICROCRED_CONFIG', 'NODE_ENV', 'RATE_LIMIT_PER_MINUTE', 'WORKERS', 'TRUST_REGISTRY']) delete env[k];
  return { ...env, LOG_LEVEL: 'silent', ...extra };
}

/** Run `microcred ARGS…` to completion. */
export function runCli(args: string[], extra: Record<string, string>, cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: childEnv(extra), cwd });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`microcred ${args.join(' ')} timed out: ${stdout} ${stderr}`));
    }, 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(t);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Served {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/** `microcred serve ARGS…` as a child process, resolved once it prints its listening line. */
export async function spawnServe(args: string[], extra: Record<string, string>, cwd: string): Promise<Served> {
  const child = spawn(process.execPath, [CLI, 'serve', ...args], { env: childEnv(extra), cwd });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not start: ${out} ${err}`)), 30_000);
    void exited.then((code) => {
      clearTimeout(t);
      reject(new Error(`serve exited with ${code}: ${out} ${err}`));
    });
    child.stdout.on('data', () => {
      if (out.includes('listening on')) {
        clearTimeout(t);
        resolve();
      }
    });
  });
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    stop: async () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}
