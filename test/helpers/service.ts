/** Pieces shared by the tests that drive the issuer service over loopback HTTP. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './tokens.js';

/** The IN example as an achievement body and an issuance body for the API. */
export function exampleParts(): { achievement: Record<string, unknown>; issue: Record<string, unknown> } {
  const r = JSON.parse(readFileSync(join(REPO, 'examples/requests/in-ncrf-data-ethics.json'), 'utf8')) as Record<string, unknown>;
  const { id: _id, ...achievement } = r.achievement as Record<string, unknown>;
  const { achievement: _a, issuer: _i, validFrom: _v, awardedDate: _w, ...issue } = r;
  return { achievement, issue: issue as Record<string, unknown> };
}

export interface ApiResult {
  status: number;
  headers: Headers;
  text: string;
  /** The body parsed as JSON, or `{}` when it is not JSON (assert on `text` then). */
  json: Record<string, unknown>;
}

/** Read a whole response; problem details, OAuth errors and HTML pages alike. */
export async function readResult(res: Response): Promise<ApiResult> {
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, text, json };
}

export const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
