/**
 * OpenID4VCI over HTTP: issuer and authorization server metadata, offers by reference, token,
 * nonce and credential endpoints (OAuth-style JSON errors, never problem+json), the learner's
 * wallet page and baked-badge downloads. The protocol itself is in src/oid4vci/.
 *
 * Mount with `app.use(oid4vciRouter(deps))` before the 404 and problem handlers: it returns the
 * router followed by an error handler that answers errors on the OpenID4VCI paths (including
 * body-parser errors raised by the app's JSON parser) in the OAuth error format.
 */
import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Logger } from 'pino';
import QRCode from 'qrcode';
import { Oid4vciError } from '../oid4vci/errors.js';
import type { Oid4vciService } from '../oid4vci/service.js';
import type { IssuingService } from '../service/issuing.js';
import { ServiceError } from '../service/issuing.js';
import { achievementImage, bakedBadge, walletNotFoundPage, walletPage } from '../web/wallet-page.js';

export interface Oid4vciRouterDeps {
  service: Oid4vciService;
  issuing: IssuingService;
  log: Logger;
  /** Requests per minute per client on the OpenID4VCI endpoints. */
  rateLimitPerMinute: number;
  /** The app's limiter for the public pages (wallet page, downloads). */
  pageLimit: RequestHandler;
}

/** The paths whose errors are OAuth-style JSON. */
const PROTOCOL_PATH = /^\/(?:oid4vci(?:\/|$)|\.well-known\/(?:openid-credential-issuer|oauth-authorization-server)(?:\/|$))/;

/**
 * The offer secret in `/oid4vci/offers/<secret>` and `/wallet/<secret>` yields the pre-authorized
 * code: keep it out of access logs (pino-http request serializer).
 */
export function redactOfferSecrets<T extends { url?: unknown; params?: unknown }>(req: T): T {
  if (typeof req.url === 'string') req.url = req.url.replace(/^(\/(?:oid4vci\/offers|wallet)\/)[^/?#]+/, '$1[redacted]');
  if (req.params && typeof req.params === 'object' && 'secret' in req.params) req.params = { ...req.params, secret: '[redacted]' };
  return req;
}

type Handler = (req: Request, res: Response) => Promise<void> | void;
const h = (fn: Handler) => (req: Request, res: Response, next: NextFunction) => Promise.resolve(fn(req, res)).catch(next);

function sendOauthError(res: Response, e: Oid4vciError): void {
  const challenge = e.wwwAuthenticate();
  if (challenge) res.set('WWW-Authenticate', challenge);
  res.status(e.status).set('Cache-Control', 'no-store').type('application/json').send(JSON.stringify(e.body()));
}

const noStore = (res: Response) => res.set('Cache-Control', 'no-store').set('Pragma', 'no-cache');

export function oid4vciRouter(deps: Oid4vciRouterDeps): Array<RequestHandler | ErrorRequestHandler> {
  const { service, issuing, log } = deps;
  const r = express.Router();
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: deps.rateLimitPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (_req, res) => sendOauthError(res, new Oid4vciError(429, 'temporarily_unavailable', 'too many requests; retry after the number of seconds in Retry-After')),
  });

  // Browser-based wallets call these endpoints cross-origin; bearer tokens are not cookies.
  r.use((req, res, next) => {
    if (!PROTOCOL_PATH.test(req.path)) return next();
    res.set('Access-Control-Allow-Origin', '*').set('Cross-Origin-Resource-Policy', 'cross-origin');
    if (req.method === 'OPTIONS') {
      res.set('Access-Control-Allow-Methods', 'GET, POST, OPTIONS').set('Access-Control-Allow-Headers', 'Authorization, Content-Type, DPoP').set('Access-Control-Max-Age', '600').status(204).end();
      return;
    }
    next();
  });

  r.get('/.well-known/openid-credential-issuer', limiter, h(async (_req, res) => void res.set('Cache-Control', 'public, max-age=300').json(await service.issuerMetadata())));
  r.get('/.well-known/oauth-authorization-server', limiter, (_req, res) => void res.set('Cache-Control', 'public, max-age=300').json(service.authorizationServerMetadata()));

  r.get('/oid4vci/offers/:secret', limiter, h(async (req, res) => void noStore(res).json(await service.offerDocument(String(req.params.secret)))));

  r.post(
    '/oid4vci/token',
    limiter,
    express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }),
    h(async (req, res) => {
      // RFC 6749 asks for a form; some wallets send JSON, which the app's JSON parser has read.
      if (!req.is('application/x-www-form-urlencoded') && !req.is('application/json')) {
        throw new Oid4vciError(400, 'invalid_request', 'send the token request as application/x-www-form-urlencoded');
      }
      const body = req.body as unknown;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new Oid4vciError(400, 'invalid_request', 'the token request has no parameters');
      noStore(res).json(await service.token(body as Record<string, unknown>));
    }),
  );
  r.post('/oid4vci/nonce', limiter, h(async (_req, res) => void noStore(res).json(await service.nonce())));
  r.post(
    '/oid4vci/credential',
    limiter,
    h(async (req, res) => {
      const body = req.is('application/json') ? (req.body as unknown) : undefined;
      noStore(res).json(await service.credential(req.get('authorization'), body));
    }),
  );
  for (const [path, allow] of [
    ['/oid4vci/token', 'POST'],
    ['/oid4vci/nonce', 'POST'],
    ['/oid4vci/credential', 'POST'],
    ['/oid4vci/offers/:secret', 'GET'],
  ] as const) {
    r.all(path, (_req, res) => {
      res.set('Allow', allow);
      sendOauthError(res, new Oid4vciError(405, 'invalid_request', `use ${allow}`));
    });
  }
  r.all('/oid4vci/*rest', (req, res) => sendOauthError(res, new Oid4vciError(404, 'invalid_request', `no OpenID4VCI endpoint at ${req.path}`)));

  // --- the learner's pages -------------------------------------------------------------------

  r.get(
    '/wallet/:secret',
    deps.pageLimit,
    h(async (req, res) => {
      const view = await service.offerView(String(req.params.secret));
      res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').set('X-Robots-Tag', 'noindex');
      if (!view) {
        res.status(404).type('html').send(walletNotFoundPage());
        return;
      }
      const credential = view.credential.credential as { issuer?: { name?: unknown }; credentialSubject?: { achievement?: { name?: unknown; description?: unknown } } };
      const achievement = credential.credentialSubject?.achievement ?? {};
      const uuid = view.credential.id.replace('urn:uuid:', '');
      const image = achievementImage(view.credential.credential);
      res.type('html').send(
        walletPage({
          achievementName: String(achievement.name ?? 'Micro-credential'),
          ...(typeof achievement.description === 'string' ? { achievementDescription: achievement.description } : {}),
          issuerName: String(credential.issuer?.name ?? ''),
          ...(image.dataUri ? { imageDataUri: image.dataUri } : {}),
          offerUri: view.offerUri,
          qrSvg: await QRCode.toString(view.offerUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
          status: view.status,
          needsPin: view.offer.txCodeHash !== null,
          expiresAt: view.offer.expiresAt,
          verificationUrl: issuing.verificationUrl(view.credential),
          downloads: [
            { label: 'Badge image with the credential inside (PNG)', href: `/api/v1/credentials/${uuid}/badge.png` },
            { label: 'Badge image with the credential inside (SVG)', href: `/api/v1/credentials/${uuid}/badge.svg` },
            { label: 'VC-JWT (.jwt)', href: `/api/v1/credentials/${uuid}.jwt` },
            { label: 'JSON (.json)', href: `/api/v1/credentials/${uuid}.json` },
          ],
          employer: [
            { label: 'Certificate (PDF)', href: `/api/v1/credentials/${uuid}/certificate.pdf` },
            { label: 'QR code of the verification page (PNG)', href: `/api/v1/credentials/${uuid}/qr.png` },
          ],
        }),
      );
    }),
  );

  // Baked badges (OB 3.0 §Baked Badge): the achievement's data: image when it has one, else a
  // generated badge. Public like the .jwt download: the credential id is the capability.
  r.get(
    '/api/v1/credentials/:uuid/badge.:format',
    deps.pageLimit,
    h(async (req, res) => {
      const format = String(req.params.format);
      if (format !== 'png' && format !== 'svg') throw new ServiceError(404, 'MC_NOT_FOUND', 'baked badges are badge.png or badge.svg');
      const c = await issuing.get(String(req.params.uuid));
      const file = `badge-${c.id.replace('urn:uuid:', '')}.${format}`;
      res.set('Content-Disposition', `attachment; filename="${file}"`).set('Cache-Control', 'public, max-age=3600');
      const badge = bakedBadge(c.credential, c.jwt, format);
      if (typeof badge !== 'string') res.type('image/png').send(Buffer.from(badge));
      else res.type('image/svg+xml').send(badge);
    }),
  );

  const errors: ErrorRequestHandler = (err, req, res, next) => {
    if (!PROTOCOL_PATH.test(req.path)) return next(err);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof Oid4vciError) return sendOauthError(res, err);
    const e = err as { status?: number; statusCode?: number; type?: string };
    const status = e.status ?? e.statusCode;
    if (status && status >= 400 && status < 500) {
      // body-parser: malformed JSON, a body too large, a bad charset.
      const code = req.path === '/oid4vci/credential' ? 'invalid_credential_request' : 'invalid_request';
      const description = e.type === 'entity.too.large' ? 'the request body is too large' : e.type === 'entity.parse.failed' ? 'the request body is not valid JSON' : 'the request body cannot be read';
      return sendOauthError(res, new Oid4vciError(e.type === 'entity.too.large' ? 413 : 400, code, description));
    }
    const correlationId = randomUUID();
    log.error({ err, correlationId, method: req.method, url: req.originalUrl }, 'OpenID4VCI request failed');
    sendOauthError(res, new Oid4vciError(500, 'server_error', `the server could not complete the request; quote correlation id ${correlationId}`));
  };
  return [r, errors];
}
