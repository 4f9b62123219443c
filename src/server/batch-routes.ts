import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { EventEmitter } from 'node:events';
import { createBatchJob, runBatchJob, type BatchDeps, type BatchProgress } from '../batch/runner.js';
import { CohortFileError } from '../batch/rows.js';
import { allRows, manifestHeader, manifestLine } from '../batch/manifest.js';
import { ServiceError } from '../service/issuing.js';
import type { StoredToken } from '../storage/types.js';
import type { Logger } from 'pino';

const h = (fn: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => fn(req, res).catch(next);

/**
 * Batch jobs over HTTP: upload (CSV or JSON Lines), validation report, start/resume, status,
 * per-row results, progress as server-sent events, and the manifest. Jobs run in the server
 * process; a second process running the same job is safe (rows are exactly-once per learner).
 */
export function batchRouter(deps: BatchDeps & { log: Logger; auth: (scope: 'issue') => RequestHandler }): express.Router {
  const r = express.Router();
  const running = new Map<string, Promise<unknown>>();
  const progress = new EventEmitter();
  progress.setMaxListeners(1000);
  const actor = (res: Response) => `token:${(res.locals.token as StoredToken).id}`;

  const start = (batchId: string, who: string) => {
    if (running.has(batchId)) return;
    const job = runBatchJob(deps, batchId, { actor: who, onProgress: (p: BatchProgress) => progress.emit(batchId, p) })
      .then((b) => progress.emit(batchId, { done: true, batch: b }))
      .catch(async (e: unknown) => {
        deps.log.error({ err: e, batchId }, 'batch failed');
        await deps.storage.setBatchState(batchId, 'failed').catch(() => {});
        progress.emit(batchId, { done: true, error: 'the batch stopped; resume it with POST …/start' });
      })
      .finally(() => running.delete(batchId));
    running.set(batchId, job);
  };

  const load = async (id: string) => {
    const b = await deps.storage.getBatch(id);
    if (!b) throw new ServiceError(404, 'MC_NOT_FOUND', `no batch ${id}`);
    return b;
  };

  r.post(
    '/',
    deps.auth('issue'),
    express.text({ type: ['text/csv', 'application/x-ndjson', 'application/jsonl', 'text/plain'], limit: '100mb' }),
    h(async (req, res) => {
      if (typeof req.body !== 'string') throw new ServiceError(415, 'MC_UNSUPPORTED_MEDIA_TYPE', 'upload the cohort as text/csv or application/x-ndjson');
      const achievementId = typeof req.query.achievementId === 'string' ? req.query.achievementId : '';
      if (!achievementId) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'give ?achievementId=<id> (and optionally &version=<n>)');
      const version = req.query.version === undefined ? undefined : Number(req.query.version);
      if (version !== undefined && !(Number.isInteger(version) && version > 0)) throw new ServiceError(400, 'MC_REQUEST_INVALID', 'version must be a positive whole number');
      if (!(await deps.storage.getAchievement(achievementId, version))) throw new ServiceError(404, 'MC_NOT_FOUND', `no achievement ${achievementId}`);
      const kind = req.is('text/csv') || req.is('text/plain') ? 'csv' : 'jsonl';
      let batch;
      try {
        batch = await createBatchJob(deps, { achievementId, ...(version ? { achievementVersion: version } : {}), text: req.body, kind, source: typeof req.query.source === 'string' ? req.query.source.slice(0, 200) : 'api upload', actor: actor(res) });
      } catch (e) {
        if (e instanceof CohortFileError) throw new ServiceError(422, 'MC_COHORT_INVALID', e.message);
        throw e;
      }
      const invalid = await deps.storage.listBatchRows(batch.id, { state: 'invalid', limit: 100, offset: 0 });
      if (req.query.start !== 'false') start(batch.id, actor(res));
      res.status(201).location(`${deps.config.baseUrl}/api/v1/batches/${batch.id}`).json({ batch, invalidRows: invalid.items.map((x) => ({ line: x.line, learner: x.learner, problems: x.problems })), invalidTotal: invalid.total, started: req.query.start !== 'false' });
    }),
  );
  r.get(
    '/',
    deps.auth('issue'),
    h(async (req, res) => {
      const limit = Math.min(100, Math.max(1, Number(req.query.limit ?? 20) || 20));
      const offset = Math.max(0, Number(req.query.offset ?? 0) || 0);
      res.json(await deps.storage.listBatches(limit, offset));
    }),
  );
  r.get('/:id', deps.auth('issue'), h(async (req, res) => void res.json({ ...(await load(String(req.params.id))), running: running.has(String(req.params.id)) })));
  r.post(
    '/:id/start',
    deps.auth('issue'),
    h(async (req, res) => {
      const b = await load(String(req.params.id));
      if (b.counts.pending === 0) throw new ServiceError(409, 'MC_BATCH_DONE', 'the batch has no pending rows');
      start(b.id, actor(res));
      res.status(202).json({ ...b, running: true });
    }),
  );
  r.get(
    '/:id/rows',
    deps.auth('issue'),
    h(async (req, res) => {
      await load(String(req.params.id));
      const state = req.query.state;
      if (state !== undefined && state !== 'pending' && state !== 'invalid' && state !== 'issued') throw new ServiceError(400, 'MC_REQUEST_INVALID', 'state must be pending, invalid or issued');
      const limit = Math.min(1000, Math.max(1, Number(req.query.limit ?? 100) || 100));
      const offset = Math.max(0, Number(req.query.offset ?? 0) || 0);
      const page = await deps.storage.listBatchRows(String(req.params.id), { ...(state ? { state } : {}), limit, offset });
      res.json({ total: page.total, items: page.items.map((x) => ({ line: x.line, learner: x.learner, state: x.state, credentialId: x.credentialId, problems: x.problems })) });
    }),
  );
  r.get(
    '/:id/events',
    deps.auth('issue'),
    h(async (req, res) => {
      const b = await load(String(req.params.id));
      // no-transform: the compression middleware would otherwise buffer the events until the stream ends.
      res.set({ 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store, no-transform', Connection: 'keep-alive' });
      res.flushHeaders();
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      send('status', b);
      if (!running.has(b.id)) {
        send('done', b);
        res.end();
        return;
      }
      const onProgress = (p: BatchProgress | { done: true }) => {
        if ('done' in p) {
          send('done', p);
          cleanup();
          res.end();
        } else send('progress', p);
      };
      const cleanup = () => progress.off(b.id, onProgress);
      progress.on(b.id, onProgress);
      req.on('close', cleanup);
    }),
  );
  r.get(
    '/:id/manifest.csv',
    deps.auth('issue'),
    h(async (req, res) => {
      const b = await load(String(req.params.id));
      res.type('text/csv').set('Content-Disposition', `attachment; filename="manifest-${b.id}.csv"`);
      res.write(manifestHeader());
      for await (const row of allRows(deps.storage, b.id)) {
        const c = row.credentialId ? await deps.storage.getCredential(row.credentialId) : null;
        res.write(manifestLine(row, c ? deps.issuing.verificationUrl(c) : null));
      }
      res.end();
    }),
  );
  return r;
}
