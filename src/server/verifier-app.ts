import express from 'express';
import helmet from 'helmet';
import compression from 'compression';
import { rateLimit } from 'express-rate-limit';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { ServiceConfig } from '../config/config.js';
import { createGuardedFetcher } from '../lib/net/guarded-fetch.js';
import type { ResourceFetcher } from '../lib/net/types.js';
import { createVerifier } from '../verifier/verify.js';
import type { TrustRegistry } from '../verifier/trust.js';
import { problemHandler, sendProblem } from './problem.js';
import { strictJsonBody } from './json-body.js';
import { LOG_REDACT, withoutQuery } from './logging.js';
import { loadTrustRegistry } from './trust-loader.js';
import { verificationRouter } from './verification.js';
import { openApiVerifierDocument } from './openapi.js';
import { workerIdentity } from './cluster.js';
import { gracefulCloser } from './shutdown.js';

/** Strict CSP for the verification pages: nothing from third parties, no inline script or style. */
export const PAGE_CSP = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'", 'https:'],
    mediaSrc: ["'self'", 'blob:'],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    objectSrc: ["'none'"],
    baseUri: ["'none'"],
  },
};

export interface VerifierAppDeps {
  config: ServiceConfig;
  log: Logger;
  trust: TrustRegistry | null;
  fetcher: ResourceFetcher;
}

/**
 * The verifier-only service: verification pages and POST /api/v1/verify, with no issuer keys
 * and no database, for employers, registries and wallets that verify badges from many issuers.
 */
export function createVerifierApp(deps: VerifierAppDeps): express.Express {
  const { config, log, trust } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // The access log is written at info. Below that level pino-http would still build a child
  // logger per request only to discard it; a 5xx is logged by problemHandler either way.
  if (log.isLevelEnabled('info')) app.use(pinoHttp({ logger: log, redact: LOG_REDACT, serializers: { req: withoutQuery }, autoLogging: { ignore: (req) => req.url === '/health' } }));
  app.use(helmet({ contentSecurityPolicy: PAGE_CSP }));
  const compress = compression();
  app.use((req, res, next) => {
    // A client that offers no Accept-Encoding gets identity anyway: skip compression's
    // per-response hooks and negotiation, but keep the Vary header that caches rely on.
    if (req.headers['accept-encoding'] !== undefined) return compress(req, res, next);
    res.vary('Accept-Encoding');
    next();
  });
  app.use(strictJsonBody('512kb'));
  const limiter = rateLimit({ windowMs: 60_000, limit: config.rateLimitPerMinute, standardHeaders: 'draft-7', legacyHeaders: false, handler: (_req, res) => sendProblem(res, 429, 'MC_RATE_LIMITED', 'too many requests; retry after the number of seconds in Retry-After') });
  const verify = createVerifier({ fetcher: deps.fetcher });
  const identity = workerIdentity();
  app.get('/health', (_req, res) => void res.json({ status: 'ok', ...identity }));
  app.get('/ready', (_req, res) => void res.json({ status: 'ready', mode: 'verifier-only', trustRegistry: trust?.name ?? null }));
  app.get('/', (_req, res) => void res.redirect(302, '/verify'));
  app.get('/openapi.json', limiter, (_req, res) => void res.json(openApiVerifierDocument(config.baseUrl)));
  app.use(verificationRouter({ verify, trust, limiter }));
  app.use((req, res) => sendProblem(res, 404, 'MC_NOT_FOUND', `no route for ${req.method} ${req.path}`));
  app.use(problemHandler(log));
  return app;
}

export interface RunningVerifier {
  url: string;
  server: Server;
  close(): Promise<void>;
}

export async function startVerifierService(config: ServiceConfig, options: { log?: Logger; fetcher?: ResourceFetcher } = {}): Promise<RunningVerifier> {
  const log = options.log ?? pino({ level: config.logLevel });
  const fetcher = options.fetcher ?? createGuardedFetcher({ allowHttp: config.verifierAllowHttp, allowPrivateNetworks: config.verifierAllowPrivateNetworks });
  const trust = await loadTrustRegistry(config, createVerifier({ fetcher }));
  const server = createServer(createVerifierApp({ config, log, trust, fetcher }));
  // Slow-loris protection and keep-alive hygiene, as in the issuer service.
  server.headersTimeout = 15_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    server,
    close: gracefulCloser(server, config.shutdownGraceMs),
  };
}
