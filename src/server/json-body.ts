import express, { type RequestHandler } from 'express';
import { parseStrictJson } from '../lib/strict-json.js';
import { ServiceError } from '../service/issuing.js';

/** The media types read as JSON request bodies. */
export const JSON_BODY_TYPES = ['application/json', 'application/*+json'];

const UTF8 = new TextDecoder('utf-8');
const CHARSET = /;\s*charset\s*=\s*(?:"([^"]*)"|([^;\s]*))/i;

/**
 * JSON request bodies for every app (issues #8, #9): decoded and parsed once, strictly. Hostile
 * JSON would reach recursive code behind the handlers (JSON.stringify, JSON Schema, JSON-LD) or
 * say two things at once, so duplicate member names and nesting deeper than MAX_JSON_DEPTH are
 * refused as 400 problem details. body-parser still reads the body: the size limit (413),
 * Content-Encoding inflation and the media-type match are its own. Then: a charset other than
 * UTF-8/16 is 415; an empty body is `{}`; a body that is not an object or array, invalid JSON,
 * a duplicate member name or nesting deeper than MAX_JSON_DEPTH is 400 problem details.
 */
export function strictJsonBody(limit: string | number): RequestHandler {
  const raw = express.raw({ type: JSON_BODY_TYPES, limit });
  return (req, res, next) => {
    raw(req, res, (err?: unknown) => {
      if (err) return next(err);
      // Not a JSON media type, or no body: nothing was read.
      if (!Buffer.isBuffer(req.body)) return next();
      try {
        req.body = parseJsonBody(req.body, req.headers['content-type']);
        next();
      } catch (e) {
        next(e);
      }
    });
  };
}

/** Decode and parse one JSON request body (see strictJsonBody). */
export function parseJsonBody(body: Buffer, contentType: string | undefined): unknown {
  const m = contentType ? CHARSET.exec(contentType) : null;
  const charset = (m?.[1] ?? m?.[2] ?? 'utf-8').toLowerCase();
  let text: string;
  try {
    if (!charset.startsWith('utf-')) throw new RangeError(charset);
    text = charset === 'utf-8' ? UTF8.decode(body) : new TextDecoder(charset).decode(body);
  } catch {
    throw new ServiceError(415, 'MC_UNSUPPORTED_ENCODING', `unsupported charset "${charset.slice(0, 40)}"; send UTF-8`);
  }
  if (text.length === 0) return {};
  // Only an object or an array at the top, as body-parser's strict mode.
  const first = /[^\x20\x09\x0a\x0d]/.exec(text)?.[0];
  if (first !== '{' && first !== '[') throw new ServiceError(400, 'MC_JSON_INVALID', 'the request body is not valid JSON');
  const parsed = parseStrictJson(text);
  if (parsed.ok) return parsed.value;
  if (parsed.code === 'MC_JSON_INVALID') throw new ServiceError(400, 'MC_JSON_INVALID', 'the request body is not valid JSON');
  throw new ServiceError(400, parsed.code, `the request body is refused: ${parsed.message}`);
}
