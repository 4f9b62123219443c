import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ServiceError } from '../service/issuing.js';
import { loggableUrl } from './logging.js';

/** RFC 9457 problem details. `type` is a stable URN per code, `code` repeats it for clients. */
export function sendProblem(res: Response, status: number, code: string, detail: string, extra: Record<string, unknown> = {}): void {
  res
    .status(status)
    .type('application/problem+json')
    .json({ type: `urn:microcred:problem:${code}`, title: TITLES[status] ?? 'Error', status, code, detail, ...extra });
}

const TITLES: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable',
  409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type', 422: 'Unprocessable Content', 429: 'Too Many Requests',
  500: 'Internal Server Error', 503: 'Service Unavailable',
};

interface HttpishError {
  status?: number;
  statusCode?: number;
  type?: string;
  expose?: boolean;
  message?: string;
}

/**
 * Every error leaves as a problem document. Client errors say what is wrong; a 5xx says only
 * that something failed and gives a correlation id, while the detail goes to the log under it.
 */
export function problemHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (err instanceof ServiceError) {
      sendProblem(res, err.status, err.code, err.message, err.problems.length ? { problems: err.problems } : {});
      return;
    }
    const e = err as HttpishError;
    const status = e.status ?? e.statusCode;
    // body-parser and express errors: malformed JSON, too large, wrong charset.
    if (status && status >= 400 && status < 500) {
      const code = e.type === 'entity.too.large' ? 'MC_BODY_TOO_LARGE' : e.type === 'entity.parse.failed' ? 'MC_JSON_INVALID' : e.type === 'encoding.unsupported' || e.type === 'charset.unsupported' ? 'MC_UNSUPPORTED_ENCODING' : 'MC_BAD_REQUEST';
      const detail = code === 'MC_JSON_INVALID' ? 'the request body is not valid JSON' : code === 'MC_BODY_TOO_LARGE' ? 'the request body is larger than allowed' : (e.message ?? 'bad request').split('\n')[0]!;
      sendProblem(res, status, code, detail);
      return;
    }
    const correlationId = randomUUID();
    log.error({ err, correlationId, method: req.method, url: loggableUrl(req) }, 'request failed');
    sendProblem(res, 500, 'MC_INTERNAL', `the server could not complete the request; quote correlation id ${correlationId}`, { correlationId });
  };
}
