import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import compression from 'compression';
import { rateLimit } from 'express-rate-limit';
import { pinoHttp } from 'pino-http';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/config.js';
import { readContextsFile } from '../lib/project-files.js';
import { QB_CONTEXT_FILE, QB_SCHEMA_FILE } from '../model/constants.js';
import type { Keyring } from '../service/keyring.js';
import { IssuingService, ServiceError } from '../service/issuing.js';
import { SCOPES, createToken, type Scope } from '../service/tokens.js';
import type { Storage, StoredAchievement, StoredCredential, StoredToken } from '../storage/types.js';
import { openApiDocument } from './openapi.js';
import { problemHandler, sendProblem } from './problem.js';
import { strictJsonBody } from './json-body.js';
import { LOG_REDACT, withoutQuery } from './logging.js';
import { verificationRouter } from './verification.js';
import { workerIdentity } from './cluster.js';
import { bearerAuth } from './auth.js';
import { batchRouter } from './batch-routes.js';
import { consoleRouter } from './console-routes.js';
import { oid4vciRouter, redactOfferSecrets } from './oid4vci-routes.js';
import { Oid4vciService } from '../oid4vci/service.js';
import { PAGE_CSP } from './verifier-app.js';
import { verificationPage } from '../web/pages.js';
import { credentialIdFromCode, linkDigest, verificationPath } from '../web/links.js';
import { renderCertificate } from '../web/certificate.js';
import { lookupIssuer, withTrust, type TrustRegistry } from '../verifier/trust.js';
import { recipientMatches } from '../verifier/recipient.js';
import type { VerificationReport } from '../verifier/report.js';
import type { VerifierInput } from '../verifier/input.js';
import { verificationQrPng, verificationQrSvg } from '../web/qr.js';
import { clearNames } from '../lib/subject-names.js';

export interface AppDeps {
  config: ServiceConfig;
  storage: Storage;
  keyring: Keyring;
  issuing: IssuingService;
  log: Logger;
  /** Verifies credentials for the pages (this issuer's keys and status lists are read in-process). */
  verify: (input: VerifierInput) => Promise<VerificationReport>;
  /** Issuers shown as recognised (the configured registry plus this service itself). */
  trust: TrustRegistry;
}

type Handler = (req: Request, res: Response) => Promise<void> | void;
/** Express 5 forwards rejected promises to the error handler; this keeps handlers typed. */
const h = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => Promise.resolve(fn(req, res)).catch(next);

const auth = (storage: Storage, scope: Scope) => bearerAuth(storage, scope);

const actorOf = (res: Response) => `token:${(res.locals.token as StoredToken).id}`;

function paging(req: Request): { limit: number; offset: number } {
  const limit = req.query.limit === undefined ? 20 : Number(req.query.limit);
  const offset = req.query.offset === undefined ? 0 : Number(req.query.offset);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'limit must be a whole number from 1 to 100');
  if (!Number.isInteger(offset) || offset < 0) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'offset must be a whole number ≥ 0');
  return { limit, offset };
}

/** RFC 8288 Link header and X-Total-Count, as the OB 3.0 API asks of paged lists. */
function setPagingHeaders(req: Request, res: Response, total: number, limit: number, offset: number, baseUrl: string): void {
  const url = (o: number) => {
    const u = new URL(req.originalUrl, baseUrl);
    u.searchParams.set('limit', String(limit));
    u.searchParams.set('offset', String(o));
    return u.href;
  };
  const links = [`<${url(0)}>; rel="first"`, `<${url(Math.max(0, Math.floor((Math.max(total, 1) - 1) / limit) * limit))}>; rel="last"`];
  if (offset + limit < total) links.push(`<${url(offset + limit)}>; rel="next"`);
  if (offset > 0) links.push(`<${url(Math.max(0, offset - limit))}>; rel="prev"`);
  res.set('Link', links.join(', ')).set('X-Total-Count', String(total));
}

function requireJson(req: Request): void {
  if (!req.is('application/json')) throw new ServiceError(415, 'MC_UNSUPPORTED_MEDIA_TYPE', 'send the request body as application/json');
  if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'the request body must be a JSON object');
}

/** An achievement version as the API shows it. */
const achievementView = (a: StoredAchievement) => ({ id: a.id, version: a.version, createdAt: a.createdAt, achievement: a.body });


export function createApp(deps: AppDeps): express.Express {
  const { config, storage, keyring, issuing, log, verify, trust } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(pinoHttp({ logger: log, redact: LOG_REDACT, serializers: { req: (req) => redactOfferSecrets(withoutQuery(req)) }, autoLogging: { ignore: (req) => req.url === '/health' } }));
  app.use(helmet({ contentSecurityPolicy: PAGE_CSP, crossOriginResourcePolicy: { policy: 'cross-origin' } }));
  app.use(compression());
  app.use(strictJsonBody(config.bodyLimit));

  const publicLimit = rateLimit({
    windowMs: 60_000,
    limit: config.rateLimitPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => sendProblem(res, 429, 'MC_RATE_LIMITED', 'too many requests; retry after the number of seconds in Retry-After'),
  });

  // --- health --------------------------------------------------------------------------------
  // Under a cluster, which worker answered (see server/cluster.ts); nothing more in one process.
  const identity = workerIdentity();
  app.get('/health', (_req, res) => void res.json({ status: 'ok', ...identity }));
  app.get(
    '/ready',
    h(async (_req, res) => {
      try {
        await storage.ping();
        res.json({ status: 'ready', storage: storage.kind });
      } catch {
        sendProblem(res, 503, 'MC_NOT_READY', 'the database is not reachable');
      }
    }),
  );

  // --- public documents ---------------------------------------------------------------------
  // Mounted at '/', so the limiter goes on each public route (router.use would catch every request).
  const pub = express.Router();
  // Public documents (keys, DID document, status lists, contexts, achievements) may be read by
  // verifiers running in browsers on other sites: they carry no credentials or personal data.
  const openCors = (_req: Request, res: Response, next: NextFunction) => {
    res.set('Access-Control-Allow-Origin', '*');
    next();
  };
  for (const path of ['/.well-known/jwks.json', '/.well-known/did.json', '/status/:listId/:purpose', '/contexts/qb/v1.jsonld', '/schemas/qb/v1.json', '/achievements/:id/v:version', '/issuer', '/keys/:id']) pub.use(path, openCors);
  pub.get('/openapi.json', publicLimit, (_req, res) => void res.json(openApiDocument(config.baseUrl)));
  pub.get('/.well-known/jwks.json', publicLimit, h(async (_req, res) => void res.type('application/jwk-set+json').set('Cache-Control', 'public, max-age=300').send(JSON.stringify(await keyring.jwks()))));
  pub.get(
    '/.well-known/did.json',
    publicLimit,
    h(async (_req, res) => {
      if (!config.issuerId.startsWith('did:web:')) throw new ServiceError(404, 'MC_NOT_FOUND', 'this issuer is not a did:web issuer');
      res.type('application/did+json').set('Cache-Control', 'public, max-age=300').send(JSON.stringify(await keyring.didDocument()));
    }),
  );
  pub.get(
    '/issuer',
    publicLimit,
    h(async (_req, res) => {
      // The OB 3.0 Profile, and the controller document of the issuer's Data Integrity keys: a
      // JSON-LD verifier requires the issuer to list the proof's verification method under
      // assertionMethod, a term the VC and OB contexts define only inside proofs, hence the
      // inline definition (the Data Integrity one; no extra context to fetch, no protected term touched).
      const methods = await keyring.assertionMethods();
      const context: unknown[] = ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'];
      if (methods.length) context.push({ assertionMethod: { '@id': 'https://w3id.org/security#assertionMethod', '@type': '@id', '@container': '@set' } });
      res.type('application/ld+json').set('Cache-Control', 'public, max-age=300').send(JSON.stringify({ '@context': context, ...issuing.issuerProfile(), ...(methods.length ? { assertionMethod: methods } : {}) }));
    }),
  );
  pub.get(
    '/keys/:id',
    publicLimit,
    h(async (req, res) => {
      const doc = await keyring.keyDocument(String(req.params.id));
      if (!doc) throw new ServiceError(404, 'MC_NOT_FOUND', keyring.servesController() ? 'no such key (an RSA key is only in /.well-known/jwks.json and at /keys/<id>.jwk)' : 'no such key; under this issuer id, keys are at /keys/<id>.jwk, in /.well-known/jwks.json and in a did:web issuer\'s DID document');
      res.type(doc.contentType).set('Cache-Control', 'public, max-age=300').send(JSON.stringify(doc.body));
    }),
  );
  pub.get('/contexts/qb/v1.jsonld', publicLimit, (_req, res) => void res.type('application/ld+json').set('Cache-Control', 'public, max-age=86400, immutable').send(JSON.stringify(readContextsFile(QB_CONTEXT_FILE))));
  pub.get('/schemas/qb/v1.json', publicLimit, (_req, res) => void res.type('application/schema+json').set('Cache-Control', 'public, max-age=86400, immutable').send(JSON.stringify(readContextsFile(QB_SCHEMA_FILE))));
  pub.get(
    '/status/:listId/:purpose',
    publicLimit,
    h(async (req, res) => {
      const purpose = req.params.purpose;
      if (purpose !== 'revocation' && purpose !== 'suspension') throw new ServiceError(404, 'MC_NOT_FOUND', 'status lists are /revocation or /suspension');
      // A VC-JWT unless the client prefers JSON-LD (the DCC's verifier asks for
      // "application/ld+json, application/json" and reads nothing else) and the key can make a
      // Data Integrity proof. No Accept, */* and microcred's verifier get the VC-JWT.
      const wanted = req.accepts(['application/vc+jwt', 'application/vc+ld+json', 'application/ld+json', 'application/json']);
      const { etag, body, form } = await issuing.statusList(String(req.params.listId), purpose, wanted !== false && wanted !== 'application/vc+jwt');
      res.set('ETag', etag).set('Cache-Control', 'public, max-age=60, must-revalidate').set('Vary', 'Accept');
      if (req.get('if-none-match') === etag) {
        res.status(304).end();
        return;
      }
      res.type(form === 'di' ? (wanted as string) : 'application/vc+jwt').send(body);
    }),
  );
  pub.get(
    '/achievements/:id/v:version',
    publicLimit,
    h(async (req, res) => {
      const a = await storage.getAchievement(String(req.params.id), Number(req.params.version));
      if (!a) throw new ServiceError(404, 'MC_NOT_FOUND', 'no such achievement version');
      res.type('application/ld+json').set('Cache-Control', 'public, max-age=3600').send(JSON.stringify(a.body));
    }),
  );
  pub.get(
    '/credentials/:uuid',
    publicLimit,
    h(async (req, res) => {
      const c = await issuing.get(String(req.params.uuid));
      res.redirect(303, verificationPath(c.id, c.jwt));
    }),
  );

  // --- employer verification: the page behind the QR code ------------------------------------
  const byLink = async (code: string, digest: string) => {
    const id = credentialIdFromCode(code);
    const c = id ? await storage.getCredential(id) : null;
    if (!c) throw new ServiceError(404, 'MC_NOT_FOUND', 'no credential behind this link');
    return { c, digestOk: linkDigest(c.jwt) === digest };
  };
  pub.get(
    '/v/:code/:digest',
    publicLimit,
    h(async (req, res) => {
      const { c, digestOk } = await byLink(String(req.params.code), String(req.params.digest));
      const report = withTrust(await verify(c.jwt), trust);
      const issuerId = (c.credential.issuer as { id?: string } | undefined)?.id;
      const listed = lookupIssuer(trust, issuerId);
      const value = typeof req.query.recipient === 'string' && req.query.recipient.trim() !== '' ? req.query.recipient.trim().slice(0, 200) : undefined;
      const identityType = typeof req.query.type === 'string' ? req.query.type : undefined;
      const uuid = c.id.replace('urn:uuid:', '');
      res.type('html').set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').send(
        verificationPage(report, {
          linkMismatch: !digestOk,
          trust: listed ? { status: 'recognised', registryName: trust.name, ...(listed.name ? { name: listed.name } : {}), ...(listed.accreditation ? { accreditation: listed.accreditation } : {}) } : { status: 'self-asserted' },
          recipient: { action: req.path, ...(value !== undefined ? { value, matched: recipientMatches(report, identityType ? { identityType, identifier: value } : value) } : {}), ...(identityType ? { identityType } : {}) },
          downloads: [
            { label: 'VC-JWT (.jwt)', href: `/api/v1/credentials/${uuid}.jwt` },
            { label: 'JSON', href: `/api/v1/credentials/${uuid}.json` },
            { label: 'Certificate (PDF)', href: `/api/v1/credentials/${uuid}/certificate.pdf` },
            { label: 'QR code (PNG)', href: `/api/v1/credentials/${uuid}/qr.png` },
          ],
          qrSvgHref: `/api/v1/credentials/${uuid}/qr.svg`,
        }),
      );
    }),
  );
  app.use(pub);
  app.use(verificationRouter({ verify, trust: trust.issuers.length ? trust : null, limiter: publicLimit }));
  // OpenID4VCI (issue #6): metadata, offers, token, nonce and credential endpoints; wallet pages.
  const oid4vci = new Oid4vciService({ credentialIssuer: config.baseUrl, issuerName: String(issuing.issuerProfile().name), storage, issuing, signingAlgorithm: async () => (await keyring.activeSigner()).key.alg });
  app.use(oid4vciRouter({ service: oid4vci, issuing, log, rateLimitPerMinute: config.rateLimitPerMinute, pageLimit: publicLimit }));
  // Registrar console (issue #8): GET /console, its assets, and /api/v1/lint, /api/v1/profiles, /api/v1/tokens/current.
  app.use(consoleRouter({ storage, issuing, config, log, limiter: publicLimit, auth: (scope) => auth(storage, scope) }));

  // --- API -----------------------------------------------------------------------------------
  const api = express.Router();
  api.get(
    '/achievements',
    publicLimit,
    h(async (req, res) => {
      const { limit, offset } = paging(req);
      const page = await storage.listAchievements(limit, offset);
      setPagingHeaders(req, res, page.total, limit, offset, config.baseUrl);
      res.json({ items: page.items.map(achievementView), total: page.total });
    }),
  );
  api.get(
    '/achievements/:id',
    publicLimit,
    h(async (req, res) => {
      const a = await storage.getAchievement(String(req.params.id));
      if (!a) throw new ServiceError(404, 'MC_NOT_FOUND', `no achievement ${String(req.params.id)}`);
      res.json(achievementView(a));
    }),
  );
  api.get(
    '/achievements/:id/versions/:version',
    publicLimit,
    h(async (req, res) => {
      const a = await storage.getAchievement(String(req.params.id), Number(req.params.version));
      if (!a) throw new ServiceError(404, 'MC_NOT_FOUND', 'no such achievement version');
      res.json(achievementView(a));
    }),
  );
  api.post(
    '/achievements',
    auth(storage, 'admin'),
    h(async (req, res) => {
      requireJson(req);
      const { id, ...body } = req.body as Record<string, unknown>;
      if (id !== undefined && typeof id !== 'string') throw new ServiceError(400, 'MC_REQUEST_INVALID', 'id must be a string');
      const a = await issuing.createAchievement(body, actorOf(res), id as string | undefined);
      res.status(201).location(`${config.baseUrl}/api/v1/achievements/${a.id}`).json(achievementView(a));
    }),
  );
  api.put(
    '/achievements/:id',
    auth(storage, 'admin'),
    h(async (req, res) => {
      requireJson(req);
      const { id: _ignored, ...body } = req.body as Record<string, unknown>;
      const a = await issuing.updateAchievement(String(req.params.id), body, actorOf(res));
      res.json(achievementView(a));
    }),
  );

  api.post(
    '/credentials',
    auth(storage, 'issue'),
    h(async (req, res) => {
      requireJson(req);
      const key = req.get('idempotency-key') ?? null;
      if (key !== null && !/^[\x21-\x7e]{1,200}$/.test(key)) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'Idempotency-Key must be 1 to 200 visible ASCII characters');
      const result = await issuing.issue(req.body as Record<string, unknown>, actorOf(res), key);
      res
        .status(result.created ? 201 : 200)
        .location(`${config.baseUrl}/api/v1/credentials/${result.record.id.replace('urn:uuid:', '')}`)
        .json({ ...issuing.summary(result.record), credential: result.record.credential, jwt: result.record.jwt, warnings: result.warnings });
    }),
  );
  api.get(
    '/credentials',
    auth(storage, 'issue'),
    h(async (req, res) => {
      const { limit, offset } = paging(req);
      const state = req.query.state;
      if (state !== undefined && state !== 'active' && state !== 'revoked' && state !== 'suspended') throw new ServiceError(400, 'MC_REQUEST_INVALID', 'state must be active, revoked or suspended');
      const since = req.query.since;
      if (since !== undefined && (typeof since !== 'string' || Number.isNaN(Date.parse(since)))) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'since must be a date-time');
      const achievementId = typeof req.query.achievementId === 'string' ? req.query.achievementId : undefined;
      const learner = req.query.learner;
      if (learner !== undefined && typeof learner !== 'string') throw new ServiceError(400, 'MC_REQUEST_INVALID', 'give learner once, as text');
      const page = await storage.listCredentials({ limit, offset, ...(achievementId ? { achievementId } : {}), ...(state ? { state } : {}), ...(since ? { since: new Date(since as string).toISOString() } : {}), ...(learner !== undefined ? { learner: issuing.learnerFilter(learner) } : {}) });
      setPagingHeaders(req, res, page.total, limit, offset, config.baseUrl);
      res.json({ items: page.items.map((c) => issuing.summary(c)), total: page.total });
    }),
  );
  // QR codes carry the short verification link, never the credential (which overflows a printable QR).
  api.get(
    '/credentials/:uuid/qr.:format',
    publicLimit,
    h(async (req, res) => {
      const c = await issuing.get(String(req.params.uuid));
      const url = issuing.verificationUrl(c);
      if (req.params.format === 'svg') {
        res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(await verificationQrSvg(url));
      } else if (req.params.format === 'png') {
        res.type('image/png').set('Cache-Control', 'public, max-age=86400').send(await verificationQrPng(url));
      } else {
        throw new ServiceError(404, 'MC_NOT_FOUND', 'QR codes are qr.svg or qr.png');
      }
    }),
  );
  api.get(
    '/credentials/:uuid/certificate.pdf',
    publicLimit,
    h(async (req, res) => {
      const c = await issuing.get(String(req.params.uuid));
      const url = issuing.verificationUrl(c);
      const cred = c.credential as { issuer?: { name?: string }; validFrom?: string; credentialSubject?: Record<string, unknown> };
      const subject = cred.credentialSubject ?? {};
      const a = (subject.achievement ?? {}) as Record<string, unknown>;
      const qb = (a.qualityBenchmark ?? {}) as Record<string, unknown>;
      const name = clearNames(subject).join(' · ') || undefined;
      const facts: Array<[string, string]> = [];
      if (a.creditsAvailable !== undefined) facts.push(['Credits', `${String(subject.creditsEarned ?? a.creditsAvailable)}${qb.creditSystem ? ` ${String(qb.creditSystem)}` : ''}`]);
      if (qb.notionalHours !== undefined) facts.push(['Notional hours', String(qb.notionalHours)]);
      const levels = (Array.isArray(qb.levels) ? (qb.levels as Array<Record<string, unknown>>) : []).map((l) => `${String(l.framework)} ${String(l.code)}`);
      if (levels.length) facts.push(['Level', levels.join(', ')]);
      if (qb.modeOfDelivery) facts.push(['Mode of delivery', String(qb.modeOfDelivery)]);
      const pdf = await renderCertificate({
        title: String(a.name ?? 'Micro-credential'),
        ...(typeof a.description === 'string' ? { description: a.description } : {}),
        issuerName: cred.issuer?.name ?? config.issuerName,
        ...(typeof name === 'string' ? { learner: name } : {}),
        issuedOn: String(cred.validFrom ?? c.issuedAt).slice(0, 10),
        facts,
        outcomes: (Array.isArray(a.alignment) ? (a.alignment as Array<Record<string, unknown>>) : []).filter((x) => x.targetType === 'ext:LearningOutcome').map((x) => String(x.targetName)),
        verificationUrl: url,
        qrPng: await verificationQrPng(url, { width: 600, margin: 1 }),
        credentialId: c.id,
      });
      res.type('application/pdf').set('Content-Disposition', `inline; filename="certificate-${String(req.params.uuid)}.pdf"`).send(pdf);
    }),
  );
  // Public by design: the id is an unguessable capability the learner shares; it holds no plaintext personal data.
  api.get(
    '/credentials/:uuid',
    publicLimit,
    h(async (req, res) => {
      const raw = String(req.params.uuid);
      // A .jwt or .json suffix picks the format (download links); otherwise the Accept header does.
      const suffix = /\.(jwt|json)$/.exec(raw)?.[1];
      const c = await issuing.get(suffix ? raw.slice(0, -(suffix.length + 1)) : raw);
      const type = suffix === 'jwt' ? 'text/plain' : suffix === 'json' ? 'application/vc+ld+json' : req.accepts(['application/vc+ld+json', 'application/json', 'application/ld+json', 'text/plain', 'text/html']);
      if (type === 'text/plain') {
        res.type('text/plain').send(c.jwt);
      } else if (type === 'text/html') {
        res.redirect(303, verificationPath(c.id, c.jwt));
      } else if (type) {
        res.type(type === 'application/json' ? 'application/json' : 'application/vc+ld+json').send(JSON.stringify(c.credential));
      } else {
        sendProblem(res, 406, 'MC_NOT_ACCEPTABLE', 'available as application/vc+ld+json, application/json, text/plain (the JWT) or text/html');
      }
    }),
  );
  // OpenID4VCI: a single-use wallet offer that re-issues the credential bound to the wallet's key.
  api.post(
    '/credentials/:uuid/offers',
    auth(storage, 'issue'),
    h(async (req, res) => {
      const body = (req.body ?? {}) as { txCode?: unknown; expiresInSec?: unknown; format?: unknown };
      if (req.get('content-length') !== undefined && req.get('content-length') !== '0') requireJson(req);
      const offer = await oid4vci.createOffer(String(req.params.uuid), body, actorOf(res));
      // No Location header: the wallet page URL is a capability, and response headers are logged.
      res.status(201).set('Cache-Control', 'no-store').json(offer);
    }),
  );
  api.get(
    '/credentials/:uuid/status',
    auth(storage, 'issue'),
    h(async (req, res) => {
      const c = await issuing.get(String(req.params.uuid));
      res.json(issuing.summary(c));
    }),
  );
  for (const action of ['revoke', 'suspend', 'unsuspend'] as const) {
    api.post(
      `/credentials/:uuid/${action}`,
      auth(storage, 'revoke'),
      h(async (req, res) => {
        const body = (req.body ?? {}) as { reason?: unknown };
        if (body.reason !== undefined && (typeof body.reason !== 'string' || body.reason.length > 500)) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'reason must be a string of at most 500 characters');
        if (action !== 'unsuspend' && !body.reason) throw new ServiceError(400, 'MC_REQUEST_INVALID', `give a reason for ${action === 'revoke' ? 'revoking' : 'suspending'} (JSON body {"reason": "…"})`);
        const c = await issuing.changeState(String(req.params.uuid), action, (body.reason as string | undefined) ?? null, actorOf(res));
        res.json(issuing.summary(c));
      }),
    );
  }

  api.get(
    '/keys',
    auth(storage, 'admin'),
    h(async (_req, res) => void res.json({ items: (await storage.listKeys()).map((k) => ({ id: k.id, alg: k.alg, state: k.state, createdAt: k.createdAt, stateChangedAt: k.stateChangedAt, kid: keyring.kidFor(k.id), publicJwk: k.publicJwk })) })),
  );
  api.post(
    '/keys/rotate',
    auth(storage, 'admin'),
    h(async (_req, res) => {
      const at = new Date().toISOString();
      const k = await keyring.rotate(config.keyAlg, at);
      await storage.appendAudit({ at, actor: actorOf(res), action: 'key.rotated', target: k.id });
      res.status(201).json({ id: k.id, alg: k.alg, state: k.state, kid: keyring.kidFor(k.id) });
    }),
  );
  api.post(
    '/keys/:id/compromise',
    auth(storage, 'admin'),
    h(async (req, res) => {
      const id = String(req.params.id);
      const key = (await storage.listKeys()).find((k) => k.id === id);
      if (!key) throw new ServiceError(404, 'MC_NOT_FOUND', `no key ${id}`);
      if (key.state === 'active') throw new ServiceError(409, 'MC_KEY_ACTIVE', 'rotate to a new key first, then mark the old one compromised');
      const at = new Date().toISOString();
      await storage.setKeyState(id, 'compromised', at);
      await storage.appendAudit({ at, actor: actorOf(res), action: 'key.compromised', target: id });
      res.json({ id, state: 'compromised' });
    }),
  );
  api.post(
    '/tokens',
    auth(storage, 'admin'),
    h(async (req, res) => {
      requireJson(req);
      const { scopes, label } = req.body as { scopes?: unknown; label?: unknown };
      if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => (SCOPES as readonly unknown[]).includes(s))) throw new ServiceError(400, 'MC_REQUEST_INVALID', `scopes must be a non-empty array of ${SCOPES.join(', ')}`);
      const at = new Date().toISOString();
      const { token, secret } = await createToken(storage, scopes as Scope[], typeof label === 'string' ? label : '', at);
      await storage.appendAudit({ at, actor: actorOf(res), action: 'token.created', target: token.id, detail: { scopes } });
      res.status(201).json({ id: token.id, scopes: token.scopes, label: token.label, token: secret });
    }),
  );
  api.get(
    '/audit',
    auth(storage, 'admin'),
    h(async (req, res) => {
      const { limit, offset } = paging(req);
      const page = await storage.listAudit(limit, offset);
      setPagingHeaders(req, res, page.total, limit, offset, config.baseUrl);
      res.json(page);
    }),
  );
  api.use('/batches', batchRouter({ storage, keyring, issuing, config, log, auth: (scope) => auth(storage, scope) }));
  app.use('/api/v1', api);

  app.use((req, res) => sendProblem(res, 404, 'MC_NOT_FOUND', `no route for ${req.method} ${req.path}`));
  app.use(problemHandler(log));
  return app;
}
