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
  const app = createApp({ config, storage, keyring, issuing, log });
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

  let closing: Promise<void> | null = null;
  const close = () =>
    (closing ??= (async () => {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), config.shutdownGraceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        // Idle keep-alive sockets would hold close() open; in-flight requests are left to finish.
        server.closeIdleConnections();
      });
      await storage.close();
    })());
  return { url, server, storage, issuing, keyring, bootstrapToken, close };
}
