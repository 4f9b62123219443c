import type { IncomingMessage } from 'node:http';

/**
 * What the access log (pino-http) of both services may record (issue #9): no secrets and no
 * personal data. Bearer tokens, cookies, the Referer and Idempotency-Key headers are redacted, and
 * the query string is dropped: the verification page takes the recipient's email or student id
 * as `?recipient=…`, which must not end up in logs.
 */
// Response headers that may repeat a request's query string (the Link header's paging links hold
// a registrar's learner search, ?learner=<email>) are redacted too.
export const LOG_REDACT = ['req.headers.authorization', 'req.headers.cookie', 'req.headers.referer', 'req.headers["idempotency-key"]', 'res.headers.link', 'res.headers.location'];

/** pino-http `req` serializer step: the URL without its query string, and no parsed query. */
export function withoutQuery<T extends { url?: unknown; query?: unknown }>(req: T): T {
  const { query: _query, ...rest } = req;
  return { ...rest, url: typeof req.url === 'string' ? req.url.split('?')[0] : req.url } as T;
}

/** The URL of a failed request as the problem-details error log may record it (no query string). */
export const loggableUrl = (req: Pick<IncomingMessage, 'url'> & { originalUrl?: string }): string => (req.originalUrl ?? req.url ?? '').split('?')[0]!;
