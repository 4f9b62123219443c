import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import type { ServiceConfig } from '../config/config.js';
import { loadKek } from '../service/kek.js';
import { Keyring } from '../service/keyring.js';
import { IssuingService } from '../service/issuing.js';
import { createToken } from '../service/tokens.js';
import { openStorage } from '../storage/index.js';
import type { Storage } from '../storage/types.js';
import { createApp } from './app.js';
import { createGuardedFetcher } from '../lib/net/guarded-fetch.js';
import type { ResourceFetcher } from '../lib/net/types.js';
import { createVerifier } from '../verifier/verify.js';
import { didWebToUrl } from '../verifier/keys/resolve.js';
import type { TrustRegistry } from '../verifier/trust.js';
import { loadTrustRegistry } from './trust-loader.js';
import { gracefulCloser } from './shutdown.js';

export interface RunningService {
  url: string;
  server: Server;
  storage: Storage;
  issuing: IssuingService;
  keyring: Keyring;
  /** The admin token created on first start (null on later starts: it is shown once). */
  bootstrapToken: string | null;
  /** Stop accepting connections, finish in-flight requests (up to the grace period), close the database. */
  close(): Promise<void>;
}

export interface StartOptions {
  log?: Logger;
  /** Use this storage instead of opening config.databaseUrl (tests). */
  storage?: Storage;
}

/**
 * Start the issuer service: open and migrate the database, make sure there is an active
 * signing key (a development key is generated on first start), create a bootstrap admin token
 * when there is none, and listen.
 */
export async function startService(config: ServiceConfig, options: StartOptions = {}): Promise<RunningService> {
  const log = options.log ?? pino({ level: config.logLevel });
  const storage = options.storage ?? (await openStorage(config.databaseUrl));
  await storage.migrate();
  const { kek, generated, path } = loadKek(config.kek, config.dataDir);
  if (generated) log.warn({ path }, 'generated a development key-encryption key; set MICROCRED_KEK in production');
  const keyring = new Keyring(storage, kek, config.issuerId, config.baseUrl);
  const now = new Date().toISOString();
  if (await keyring.ensureActiveKey(config.keyAlg, now)) {
    const { key } = await keyring.activeSigner();
    await storage.appendAudit({ at: now, actor: 'system', action: 'key.created', target: key.id, detail: { alg: key.alg } });
    log.warn({ kid: keyring.kidFor(key.id) }, 'generated a signing key on first start');
  }
  let bootstrapToken: string | null = null;
  if ((await storage.countTokens()) === 0) {
    const { token, secret } = await createToken(storage, ['admin'], 'bootstrap admin', now);
    await storage.appendAudit({ at: now, actor: 'system', action: 'token.created', target: token.id, detail: { scopes: ['admin'], bootstrap: true } });
    bootstrapToken = secret;
  }
  const issuing = new IssuingService(storage, keyring, config);
  const network = createGuardedFetcher({ allowHttp: config.verifierAllowHttp, allowPrivateNetworks: config.verifierAllowPrivateNetworks });
  const verify = createVerifier({ fetcher: selfFetcher(config, keyring, issuing, network) });
  const registry = await loadTrustRegistry(config, verify);
  // The service vouches for itself on its own pages; other issuers are recognised only through the registry.
  const trust: TrustRegistry = {
    name: registry?.name ?? 'this issuer service',
    issuers: [{ id: config.issuerId, name: String(issuing.issuerProfile().name) }, ...(registry?.issuers ?? [])],
  };
  const app = createApp({ config, storage, keyring, issuing, log, verify, trust });
  const server = createServer(app);
  // Slow-loris protection and keep-alive hygiene.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;

  const closeServer = gracefulCloser(server, config.shutdownGraceMs);
  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await closeServer();
      await storage.close();
    })());
  return { url, server, storage, issuing, keyring, bootstrapToken, close };
}

/**
 * The service verifies its own credentials without an HTTP round trip to itself: its key set,
 * DID document and status lists are answered in-process; everything else goes to the network
 * through the guarded client.
 */
export function selfFetcher(config: ServiceConfig, keyring: Keyring, issuing: IssuingService, network: ResourceFetcher): ResourceFetcher {
  const didUrl = config.issuerId.startsWith('did:web:') ? didWebToUrl(config.issuerId) : null;
  const json = (url: string, type: string, body: unknown) => ({ url, status: 200, contentType: type, body: new TextEncoder().encode(JSON.stringify(body)), maxAgeSec: 0 });
  return async (url, init) => {
    const clean = url.split('#')[0]!;
    if (clean === `${config.baseUrl}/.well-known/jwks.json`) return json(clean, 'application/jwk-set+json', await keyring.jwks());
    if (didUrl && clean === didUrl) return json(clean, 'application/did+json', await keyring.didDocument());
    if (clean.startsWith(`${config.baseUrl}/keys/`)) {
      const doc = await keyring.keyDocument(clean.slice(`${config.baseUrl}/keys/`.length));
      if (doc) return json(clean, doc.contentType, doc.body);
      return { url: clean, status: 404, contentType: 'application/problem+json', body: new TextEncoder().encode(JSON.stringify({ code: 'MC_NOT_FOUND', detail: 'no such key' })), maxAgeSec: 0 };
    }
    if (clean.startsWith(`${config.baseUrl}/status/`)) {
      const m = /^\/status\/([^/]+)\/(revocation|suspension)$/.exec(clean.slice(config.baseUrl.length));
      if (m) {
        const { body } = await issuing.statusList(m[1]!, m[2] as 'revocation' | 'suspension');
        return { url: clean, status: 200, contentType: 'application/vc+jwt', body: new TextEncoder().encode(body), maxAgeSec: 0 };
      }
    }
    return network(url, init);
  };
}
