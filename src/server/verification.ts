import express, { type Request, type Response, type NextFunction } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import type { RequestHandler } from 'express';
import { VERIFY_CSS } from '../web/assets.js';
import { FAVICON_SVG } from '../web/icon.js';
import { verificationPage, verifyFormPage } from '../web/pages.js';
import { issuerIdOf } from '../verifier/checks/claims.js';
import { verdictOf } from '../web/render.js';
import { recipientMatches } from '../verifier/recipient.js';
import { lookupIssuer, withTrust, type TrustRegistry } from '../verifier/trust.js';
import type { VerificationReport } from '../verifier/report.js';
import type { VerifierInput } from '../verifier/input.js';
import { ServiceError } from '../service/issuing.js';

export interface VerificationDeps {
  /** Verify one credential (the service's verifier, with its network policy and caches). */
  verify(input: VerifierInput): Promise<VerificationReport>;
  trust: TrustRegistry | null;
  limiter: RequestHandler;
}

// The browser bundle is built into dist/web by `npm run build`; src/server and dist/server both sit two levels down.
const WEB_DIR = new URL('../../dist/web/', import.meta.url);
const ASSETS = new Set(['verify-page.js', 'verify-page.js.map']);

const h = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

/**
 * A JSON response without the ETag res.json would add: a report answers a POST, which no cache
 * revalidates, and hashing every report (about 15 KB) is a measurable part of a verify (issue #8).
 * Ending with the string rather than a Buffer lets Node send headers and body in one write.
 */
function sendJsonNoEtag(res: Response, body: unknown): void {
  const text = JSON.stringify(body);
  res.set('Content-Type', 'application/json; charset=utf-8').set('Content-Length', String(Buffer.byteLength(text, 'utf8'))).end(text, 'utf8');
}

/** The verifier's report plus the trust check and a plain verdict for displays. */
export function verifyResponse(report: VerificationReport, trust: TrustRegistry | null) {
  const withTrustCheck = withTrust(report, trust);
  return { verdict: verdictOf(withTrustCheck), ...withTrustCheck };
}

/** Pages and API for verifying credentials that did not come from this issuer's links. */
export function verificationRouter(deps: VerificationDeps): express.Router {
  const r = express.Router();
  r.get('/verify', deps.limiter, (_req, res) => void res.type('html').send(verifyFormPage()));
  // Without JavaScript the form posts the credential here (the page says it then leaves the device).
  r.post(
    '/verify',
    deps.limiter,
    express.urlencoded({ extended: false, limit: '512kb' }),
    h(async (req, res) => {
      const text = typeof (req.body as { credential?: unknown })?.credential === 'string' ? ((req.body as { credential: string }).credential) : '';
      if (text.trim() === '') throw new ServiceError(400, 'MC_REQUEST_INVALID', 'paste a credential into the form');
      const report = await deps.verify(text);
      const listed = lookupIssuer(deps.trust, report.credential ? issuerIdOf(report.credential) : undefined);
      res.type('html').set('Cache-Control', 'no-store').send(
        verificationPage(withTrust(report, deps.trust), {
          ...(deps.trust ? { trust: listed ? { status: 'recognised', registryName: deps.trust.name, ...(listed.name ? { name: listed.name } : {}), ...(listed.accreditation ? { accreditation: listed.accreditation } : {}) } : { status: 'self-asserted' } } : {}),
        }),
      );
    }),
  );
  // One icon for the pages (linked as /favicon.svg) and for what the browser asks of its own accord.
  r.get(['/favicon.svg', '/favicon.ico'], (_req, res) => void res.type('image/svg+xml').set('Cache-Control', 'public, max-age=86400').send(FAVICON_SVG));
  r.get('/assets/verify.css', (_req, res) => void res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(VERIFY_CSS));
  r.get('/assets/:file', (req, res, next) => {
    const file = String(req.params.file);
    const url = new URL(file, WEB_DIR);
    if (!ASSETS.has(file) || !existsSync(url)) return next();
    res.type(file.endsWith('.map') ? 'application/json' : 'text/javascript').set('Cache-Control', 'public, max-age=3600').send(readFileSync(url));
  });
  r.post(
    '/api/v1/verify',
    deps.limiter,
    express.text({ type: ['text/plain', 'application/jwt', 'application/vc+jwt'], limit: '512kb' }),
    h(async (req, res) => {
      let input: VerifierInput;
      let recipient: { identityType?: string; identifier: string } | undefined;
      if (typeof req.body === 'string') {
        input = req.body;
      } else if (req.is('application/json') && req.body && typeof req.body === 'object') {
        const body = req.body as { credential?: unknown; recipient?: unknown };
        if (typeof body.credential === 'string') input = body.credential;
        else if (body.credential && typeof body.credential === 'object' && !Array.isArray(body.credential)) input = body.credential as Record<string, unknown>;
        else throw new ServiceError(400, 'MC_REQUEST_INVALID', 'send {"credential": "<compact JWS>" | {…}} as JSON, or the JWT as text/plain');
        const rc = body.recipient as { identityType?: unknown; identifier?: unknown } | undefined;
        if (rc !== undefined) {
          if (!rc || typeof rc.identifier !== 'string' || (rc.identityType !== undefined && typeof rc.identityType !== 'string')) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'recipient must be {"identifier": "…", "identityType"?: "emailAddress"}');
          recipient = rc.identityType ? { identityType: rc.identityType as string, identifier: rc.identifier } : { identifier: rc.identifier };
        }
      } else {
        throw new ServiceError(415, 'MC_UNSUPPORTED_MEDIA_TYPE', 'send application/json {"credential": …} or the JWT as text/plain');
      }
      const report = await deps.verify(input);
      const body = verifyResponse(report, deps.trust);
      sendJsonNoEtag(res, recipient ? { ...body, recipientMatches: recipientMatches(report, recipient) } : body);
    }),
  );
  return r;
}
