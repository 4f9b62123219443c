import { bearerAuth } from './auth.js';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { existsSync, readFileSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ServiceConfig } from '../config/config.js';
import { CHECKS } from '../benchmark/checks/index.js';
import { BASE_PROFILE, loadProfiles } from '../benchmark/registry.js';
import type { ProfileReport, RuleOutcome } from '../benchmark/types.js';
import { viewOf } from '../benchmark/view.js';
import { CSV_COLUMNS } from '../batch/rows.js';
import { lintRequest, type LintReport } from '../issuer/lint.js';
import type { IssuanceRequest } from '../issuer/request.js';
import { MicrocredError } from '../errors.js';
import { IssuingService, ServiceError } from '../service/issuing.js';
import type { Scope } from '../service/tokens.js';
import type { Storage } from '../storage/types.js';
import { CONSOLE_CSS } from '../web/console/styles.js';
import { consolePage, type ConsoleFieldOptions } from '../web/console/page.js';
import { readContextsFile } from '../lib/project-files.js';
import { QB_SCHEMA_FILE } from '../model/constants.js';

/**
 * The registrar console (issue #8): the page, its script and stylesheet, and the API endpoints
 * only the console needed (who am I, the profile list, live lint). Everything else the console
 * does goes through the ordinary API with the staff member's own bearer token.
 */
export interface ConsoleDeps {
  storage: Storage;
  issuing: IssuingService;
  config: ServiceConfig;
  log: Logger;
  limiter: RequestHandler;
  auth: (scope: Scope) => RequestHandler;
}

// The browser bundle is built into dist/web by `npm run build`; src/server and dist/server both sit two levels down.
const WEB_DIR = new URL('../../dist/web/', import.meta.url);
const ASSETS = new Set(['console.js', 'console.js.map']);
const SLUG = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** The learner an achievement is linted with: no data of its own, so per-learner rules show what a learner must bring. */
const PLACEHOLDER_SUBJECT = { id: 'did:example:achievement-check' };

const h = (fn: (req: Request, res: Response) => Promise<void> | void) => (req: Request, res: Response, next: NextFunction) => Promise.resolve(fn(req, res)).catch(next);
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Rules whose check reads the learner's part of the credential (credentialSubject, its
 * qualityBenchmarkRecord, evidence). Found by running each check on a view whose learner parts
 * record every read, so new checks are classified without a list to maintain.
 */
export function perLearnerRuleIds(credential: Record<string, unknown>, now: Date): Set<string> {
  const view = viewOf(credential, now);
  const ids = new Set<string>();
  for (const profile of loadProfiles().values()) {
    for (const rule of profile.rules) {
      let touched = false;
      const spy = <T extends object>(target: T, keys?: ReadonlySet<PropertyKey>): T =>
        new Proxy(target, {
          get(t, k, r) {
            if (!keys || keys.has(k)) touched = true;
            return Reflect.get(t, k, r) as unknown;
          },
        });
      try {
        CHECKS[rule.check]!({ ...view, credential: spy(view.credential, new Set(['evidence'])), subject: spy(view.subject), record: spy(view.record) }, rule.params ?? {});
      } catch {
        // A check that throws on this view is not classified; the real evaluation reports it.
      }
      if (touched) ids.add(rule.id);
    }
  }
  return ids;
}

export type ConsoleRule = RuleOutcome & { perLearner?: true };
export interface ConsoleLintReport extends LintReport {
  mode: 'achievement' | 'request';
  /**
   * Achievement mode: no structural problem in the achievement, and no error rule of the base
   * rules or a declared profile failed, leaving aside the rules that look at the learner's data
   * (marked `perLearner`; they are checked for each learner when a credential is issued).
   */
  achievementOk?: boolean;
}

/** Problems that concern the achievement itself (the same filter the service applies on save). */
const achievementProblem = (p: { path: string; code?: string }) => p.path.startsWith('/credentialSubject/achievement') || p.path.startsWith('/achievement') || p.code === 'MC_PROFILE_UNKNOWN' || p.code === 'MC_JSONLD_UNDEFINED_TERM';

async function lintAchievement(deps: ConsoleDeps, achievement: Record<string, unknown>, profiles: string[]): Promise<ConsoleLintReport> {
  const { id, ...body } = achievement;
  const slug = typeof id === 'string' && SLUG.test(id) ? id : 'draft';
  const now = new Date();
  const request = { issuer: deps.issuing.issuerProfile(), achievement: { ...body, id: deps.issuing.achievementUrl(slug, 1) }, credentialSubject: PLACEHOLDER_SUBJECT } as unknown as IssuanceRequest;
  const report = await lintRequest(request, { issuerId: deps.config.issuerId, now, profiles });
  const problems = report.problems.filter(achievementProblem);
  if (!report.benchmark || !report.credential) return { ...report, problems, mode: 'achievement', achievementOk: false };
  const perLearner = perLearnerRuleIds(report.credential as unknown as Record<string, unknown>, now);
  const reports: Array<ProfileReport & { rules: ConsoleRule[] }> = report.benchmark.reports.map((r) => ({ ...r, rules: r.rules.map((x) => (perLearner.has(x.id) ? { ...x, perLearner: true as const } : x)) }));
  const declared = report.benchmark.declared;
  const gate = reports.filter((r) => r.profile === BASE_PROFILE || declared.includes(r.profile));
  const achievementOk = problems.length === 0 && gate.every((r) => r.rules.every((x) => x.status !== 'failed' || (x as ConsoleRule).perLearner));
  return { ...report, problems, benchmark: { ...report.benchmark, reports }, mode: 'achievement', achievementOk };
}

async function lintIssuance(deps: ConsoleDeps, body: Record<string, unknown>, profiles: string[]): Promise<ConsoleLintReport> {
  const { achievementId, achievementVersion, achievement, issuer: _issuer, profiles: _profiles, ...rest } = body;
  let resolved: Record<string, unknown>;
  if (achievementId !== undefined) {
    if (typeof achievementId !== 'string' || achievementId === '') throw new ServiceError(400, 'MC_REQUEST_INVALID', 'achievementId must be a string');
    if (achievementVersion !== undefined && !(Number.isInteger(achievementVersion) && (achievementVersion as number) > 0)) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'achievementVersion must be a positive whole number');
    const stored = await deps.storage.getAchievement(achievementId, achievementVersion as number | undefined);
    if (!stored) throw new ServiceError(404, 'MC_NOT_FOUND', `no achievement ${achievementId}${achievementVersion ? ` version ${String(achievementVersion)}` : ''}`);
    resolved = stored.body;
  } else if (isObject(achievement)) {
    const { id, ...a } = achievement;
    resolved = { ...a, id: deps.issuing.achievementUrl(typeof id === 'string' && SLUG.test(id) ? id : 'draft', 1) };
  } else {
    throw new ServiceError(400, 'MC_REQUEST_INVALID', 'give achievementId (a stored achievement) or an inline achievement object', [{ path: '/achievementId', message: 'required' }]);
  }
  // As issued: the issuer is always this service's issuer profile.
  const request = { ...rest, issuer: deps.issuing.issuerProfile(), achievement: resolved } as unknown as IssuanceRequest;
  return { ...(await lintRequest(request, { issuerId: deps.config.issuerId, profiles })), mode: 'request' };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

/** The form's choices: enumerations of the extension's JSON Schema, and the assessment types profiles name. */
export function consoleFieldOptions(): ConsoleFieldOptions {
  const schema = readContextsFile(QB_SCHEMA_FILE) as { $defs?: { QualityBenchmark?: { properties?: Record<string, Record<string, unknown>> } } };
  const qb = schema.$defs?.QualityBenchmark?.properties ?? {};
  const props = (v: unknown) => (isObject(v) && isObject(v.properties) ? v.properties : {});
  const enumOf = (v: unknown): string[] => (isObject(v) ? [...strings(v.enum), ...(Array.isArray(v.anyOf) ? v.anyOf.flatMap((x) => (isObject(x) ? strings(x.enum) : [])) : [])] : []);
  const levelItem = isObject(qb.levels) && isObject(qb.levels.items) ? qb.levels.items : {};
  const assessmentTypes = new Set<string>();
  for (const p of loadProfiles().values()) for (const r of p.rules) if (r.params?.path === 'qb.assessment.types') strings(r.params.values).forEach((t) => assessmentTypes.add(t));
  return {
    creditSystems: enumOf(qb.creditSystem),
    levelFrameworks: enumOf(props(levelItem).framework),
    modesOfDelivery: enumOf(qb.modeOfDelivery),
    assessmentTypes: [...assessmentTypes].sort(),
    supervision: enumOf(props(qb.assessment).supervision),
    qaTypes: enumOf(props(qb.qualityAssurance).qaType),
  };
}

/** The token behind the Authorization header, whatever its scopes (401 without one). */
export function consoleRouter(deps: ConsoleDeps): express.Router {
  const r = express.Router();
  const fields = consoleFieldOptions();

  r.get('/console', deps.limiter, (_req, res) => {
    // The page holds no data or secrets: the script asks the API with the token the user pastes.
    res.type('html').set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer').send(consolePage({ issuerName: String(deps.issuing.issuerProfile().name ?? deps.config.issuerName), csvColumns: CSV_COLUMNS, fields }));
  });
  r.get('/assets/console.css', (_req, res) => void res.type('text/css').set('Cache-Control', 'public, max-age=3600').send(CONSOLE_CSS));
  r.get('/assets/:file', (req, res, next) => {
    const file = String(req.params.file);
    if (!ASSETS.has(file)) return next();
    const url = new URL(file, WEB_DIR);
    if (!existsSync(url)) return next();
    res.type(file.endsWith('.map') ? 'application/json' : 'text/javascript').set('Cache-Control', 'public, max-age=3600').send(readFileSync(url));
  });

  r.get(
    '/api/v1/tokens/current',
    bearerAuth(deps.storage, null),
    (_req, res) => {
      const t = res.locals.token as { id: string; label: string; scopes: Scope[]; createdAt: string };
      res.set('Cache-Control', 'no-store').json({ id: t.id, label: t.label, scopes: t.scopes, createdAt: t.createdAt });
    },
  );

  r.get('/api/v1/profiles', deps.limiter, (_req, res) => {
    const items = [...loadProfiles().values()].map((p) => ({
      id: p.id,
      name: p.name,
      version: p.version,
      description: p.description,
      base: p.id === BASE_PROFILE,
      rules: p.rules.map((x) => ({ id: x.id, severity: x.severity, confidence: x.confidence, message: x.message })),
    }));
    res.set('Cache-Control', 'public, max-age=300').json({ items });
  });

  r.post(
    '/api/v1/lint',
    deps.auth('issue'),
    h(async (req, res) => {
      if (!req.is('application/json')) throw new ServiceError(415, 'MC_UNSUPPORTED_MEDIA_TYPE', 'send the request body as application/json');
      const body = req.body as unknown;
      if (!isObject(body)) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'the request body must be a JSON object');
      const profiles = body.profiles ?? [];
      if (!Array.isArray(profiles) || profiles.length > 20 || !profiles.every((p) => typeof p === 'string' && p.length <= 100)) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'profiles must be an array of profile ids');
      let report: ConsoleLintReport;
      try {
        if (body.credentialSubject !== undefined) report = await lintIssuance(deps, body, profiles as string[]);
        else if (isObject(body.achievement)) report = await lintAchievement(deps, body.achievement, profiles as string[]);
        else throw new ServiceError(400, 'MC_REQUEST_INVALID', 'send {"achievement": {…}} to lint an achievement, or an issuance request (achievementId or achievement, and credentialSubject)');
      } catch (e) {
        if (e instanceof ServiceError) throw e;
        if (e instanceof MicrocredError) throw new ServiceError(422, e.code, e.message, e.problems);
        // A shape the builder did not expect: a client error, but log it, the builder should have said so.
        deps.log.warn({ err: e }, 'lint failed on an unexpected request shape');
        throw new ServiceError(422, 'MC_REQUEST_INVALID', 'the request could not be linted: check its structure against the issuance request format');
      }
      res.set('Cache-Control', 'no-store').json(report);
    }),
  );
  return r;
}
