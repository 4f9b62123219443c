import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseStrictJson } from '../lib/strict-json.js';
import { ServiceError } from '../service/issuing.js';

/**
 * `verify` hook for `express.json` (issue #9): refuse a JSON request body nested deeper than
 * MAX_JSON_DEPTH (recursive code behind the handlers — JSON.stringify, JSON Schema validation,
 * JSON-LD — would overflow the stack and answer 500) or with duplicate member names (a request
 * that says two things) as 400 problem details. Invalid JSON is left to body-parser's own error.
 */
export function refuseHostileJson(_req: IncomingMessage, _res: ServerResponse, body: Buffer, encoding: string | null): void {
  let text: string;
  try {
    text = new TextDecoder(encoding ?? 'utf-8').decode(body);
  } catch {
    throw new ServiceError(415, 'MC_UNSUPPORTED_ENCODING', `unsupported charset "${String(encoding)}"; send UTF-8`);
  }
  const parsed = parseStrictJson(text);
  if (!parsed.ok && parsed.code !== 'MC_JSON_INVALID') throw new ServiceError(400, parsed.code, `the request body is refused: ${parsed.message}`);
}
