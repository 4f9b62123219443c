import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isSupportedAlgorithm, type JwsAlgorithm } from '../lib/jws/algorithms.js';

/**
 * The service configuration: one typed object, parsed once at the edge from environment
 * variables and an optional JSON file (MICROCRED_CONFIG). Library code never reads process.env.
 */
export interface ServiceConfig {
  /** PORT: TCP port. Default 3000. */
  port: number;
  /** HOST: interface to listen on. Default 127.0.0.1 (set 0.0.0.0 behind a load balancer). */
  host: string;
  /** BASE_URL: public URL of the service; issuer id, key and status URLs derive from it. Default http://localhost:3000. */
  baseUrl: string;
  /** DATABASE_URL: `sqlite:PATH` (default sqlite:./data/microcred.db) or postgres://… */
  databaseUrl: string;
  /** DATA_DIR: where the embedded database and the development key-encryption key live. Default ./data. */
  dataDir: string;
  /** ISSUER_ID: the issuer id. Default BASE_URL + /issuer; a did:web:… id makes kids DID URLs and serves /.well-known/did.json. */
  issuerId: string;
  /** ISSUER_NAME: the issuer Profile's name. Default "microcred development issuer". */
  issuerName: string;
  /** ISSUER_PROFILE: path of a JSON file with more Profile fields (url, email, address…). */
  issuerProfile: Record<string, unknown>;
  /** KEY_ALG: algorithm of generated signing keys (ES256, RS256, EdDSA). Default ES256. */
  keyAlg: JwsAlgorithm;
  /** MICROCRED_KEK: base64url 32-byte key that encrypts private keys at rest. Required when NODE_ENV=production; otherwise generated into DATA_DIR/kek on first start. */
  kek: string | null;
  /** NODE_ENV=production turns development conveniences off. */
  production: boolean;
  /** RATE_LIMIT_PER_MINUTE: requests per minute per client on public endpoints. Default 600. */
  rateLimitPerMinute: number;
  /** STATUS_LIST_SIZE: entries per status list (minimum 131072). Default 131072. */
  statusListSize: number;
  /** BODY_LIMIT: largest request body. Default 256kb. */
  bodyLimit: string;
  /** LOG_LEVEL: pino level (fatal, error, warn, info, debug, silent). Default info. */
  logLevel: string;
  /** SHUTDOWN_GRACE_MS: how long SIGTERM waits for in-flight requests. Default 10000. */
  shutdownGraceMs: number;
  /** TRUST_REGISTRY: path of a trust registry (JSON, or a VC-JWT signed by TRUST_REGISTRY_ISSUER): issuers shown as recognised. */
  trustRegistryPath: string | null;
  /** TRUST_REGISTRY_ISSUER: who must have signed a signed trust registry. */
  trustRegistryIssuer: string | null;
  /** VERIFIER_ALLOW_PRIVATE_NETWORKS=true lets the verifier fetch keys and lists from private addresses (intranets, tests). */
  verifierAllowPrivateNetworks: boolean;
  /** VERIFIER_ALLOW_HTTP=true lets the verifier fetch keys and lists over plain http (tests only). */
  verifierAllowHttp: boolean;
  /** TRUST_PROXY: how many reverse proxies to trust for the client address (rate limits). Default 0. */
  trustProxy: number;
  /**
   * WORKERS: server processes (node:cluster), a whole number or "auto" (one per CPU). null when
   * unset: each mode has its own default (1 for the issuer service, auto for --verifier-only).
   */
  workers: WorkerSetting | null;
}

/** A number of server processes, or "auto": one per CPU (os.availableParallelism()). */
export type WorkerSetting = number | 'auto';

/** Most server processes accepted: far more than any machine this runs on has cores. */
export const MAX_WORKERS = 256;

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Source = Record<string, string | undefined>;

function int(src: Source, name: string, def: number, min: number, max: number): number {
  const raw = src[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

/** Parse a WORKERS value (`name` is where it came from: WORKERS or --workers). */
export function parseWorkers(raw: string, name = 'WORKERS'): WorkerSetting {
  const value = raw.trim();
  if (value === 'auto') return 'auto';
  const n = /^[0-9]{1,4}$/.test(value) ? Number(value) : NaN; // digits only: no 0x10, 1e1 or 2.0
  if (!(n >= 1 && n <= MAX_WORKERS)) throw new ConfigError(name, `must be "auto" or a whole number from 1 to ${MAX_WORKERS}, got ${JSON.stringify(raw)}`);
  return n;
}

/** Parse the configuration; every problem names its variable. */
export function loadConfig(env: Source = process.env, cwd = process.cwd()): ServiceConfig {
  // An empty variable counts as unset (shells and CI templates often export VAR= ).
  let src: Source = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  if (env.MICROCRED_CONFIG) {
    // File values are defaults; the environment wins.
    let file: Record<string, unknown>;
    try {
      file = JSON.parse(readFileSync(resolve(cwd, env.MICROCRED_CONFIG), 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError('MICROCRED_CONFIG', `cannot read ${env.MICROCRED_CONFIG}: ${(e as Error).message}`);
    }
    src = { ...Object.fromEntries(Object.entries(file).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])), ...src };
  }
  const port = int(src, 'PORT', 3000, 0, 65535);
  const baseUrlRaw = src.BASE_URL ?? `http://localhost:${port === 0 ? 3000 : port}`;
  let baseUrl: string;
  try {
    const u = new URL(baseUrlRaw);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('not http(s)');
    baseUrl = u.href.replace(/\/$/, '');
  } catch {
    throw new ConfigError('BASE_URL', `must be an http(s) URL, got ${JSON.stringify(baseUrlRaw)}`);
  }
  const production = src.NODE_ENV === 'production';
  if (production && !baseUrl.startsWith('https://')) throw new ConfigError('BASE_URL', 'must be https in production');
  const dataDir = resolve(cwd, src.DATA_DIR ?? 'data');
  const databaseUrl = src.DATABASE_URL ?? `sqlite:${resolve(dataDir, 'microcred.db')}`;
  const keyAlg = src.KEY_ALG ?? 'ES256';
  if (!isSupportedAlgorithm(keyAlg)) throw new ConfigError('KEY_ALG', 'must be ES256, RS256 or EdDSA');
  const issuerId = src.ISSUER_ID ?? `${baseUrl}/issuer`;
  if (!/^(https?:\/\/|did:web:)/.test(issuerId)) throw new ConfigError('ISSUER_ID', 'must be an http(s) URL or a did:web identifier (keys rotate, so the issuer id cannot be a did:key)');
  if (issuerId.startsWith('did:web:') && issuerId.slice('did:web:'.length).includes(':')) {
    throw new ConfigError('ISSUER_ID', 'a did:web id with a path is not supported: the DID document is served at /.well-known/did.json, so use did:web:<host> (with %3A<port> if needed)');
  }
  let issuerProfile: Record<string, unknown> = {};
  if (src.ISSUER_PROFILE) {
    try {
      issuerProfile = JSON.parse(readFileSync(resolve(cwd, src.ISSUER_PROFILE), 'utf8')) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError('ISSUER_PROFILE', `cannot read ${src.ISSUER_PROFILE}: ${(e as Error).message}`);
    }
  }
  const kek = src.MICROCRED_KEK ?? null;
  if (kek !== null && Buffer.from(kek, 'base64url').length !== 32) throw new ConfigError('MICROCRED_KEK', 'must be 32 bytes, base64url encoded');
  if (production && kek === null) throw new ConfigError('MICROCRED_KEK', 'is required in production: private keys are encrypted at rest with it');
  const statusListSize = int(src, 'STATUS_LIST_SIZE', 131_072, 131_072, 16_777_216);
  if (statusListSize % 8 !== 0) throw new ConfigError('STATUS_LIST_SIZE', 'must be a multiple of 8');
  return {
    port,
    host: src.HOST ?? '127.0.0.1',
    baseUrl,
    databaseUrl,
    dataDir,
    issuerId,
    issuerName: src.ISSUER_NAME ?? 'microcred development issuer',
    issuerProfile,
    keyAlg,
    kek,
    production,
    rateLimitPerMinute: int(src, 'RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000),
    statusListSize,
    bodyLimit: src.BODY_LIMIT ?? '256kb',
    logLevel: src.LOG_LEVEL ?? 'info',
    shutdownGraceMs: int(src, 'SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    trustRegistryPath: src.TRUST_REGISTRY ? resolve(cwd, src.TRUST_REGISTRY) : null,
    trustRegistryIssuer: src.TRUST_REGISTRY_ISSUER ?? null,
    verifierAllowPrivateNetworks: src.VERIFIER_ALLOW_PRIVATE_NETWORKS === 'true',
    verifierAllowHttp: src.VERIFIER_ALLOW_HTTP === 'true',
    trustProxy: int(src, 'TRUST_PROXY', 0, 0, 10),
    workers: src.WORKERS === undefined ? null : parseWorkers(src.WORKERS),
  };
}
