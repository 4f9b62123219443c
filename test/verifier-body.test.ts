/**
 * POST /api/v1/verify on the verifier-only service: the request-body rules (issue #9) hold after
 * the body is parsed once instead of twice (issue #8), and the report goes out without an ETag.
 * Real HTTP on loopback, the service in this process, no network (did:key credentials).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../src/config/config.js';
import { startVerifierService, type RunningVerifier } from '../src/server/verifier-app.js';
import { issueCredential } from '../src/issuer/index.js';
import { baseRequest, keyFor, offlineFetcher, signerFor } from './helpers/tokens.js';

let verifier: RunningVerifier;
let jwt: string;

beforeAll(async () => {
  jwt = (await issueCredential(baseRequest(), signerFor(keyFor('ES256')))).jwt;
  verifier = await startVerifierService(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000' }), { fetcher: offlineFetcher });
});
afterAll(() => verifier.close());

async function post(body: string | Buffer, headers: Record<string, string>) {
  const res = await fetch(`${verifier.url}/api/v1/verify`, { method: 'POST', headers, body: typeof body === 'string' ? body : new Uint8Array(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as Record<string, unknown> };
}

const json = { 'content-type': 'application/json' };

describe('POST /api/v1/verify request bodies', () => {
  it('a JSON body is verified; the report has a Content-Length (or is compressed when asked) and no ETag', async () => {
    const r = await post(JSON.stringify({ credential: jwt }), { ...json, 'accept-encoding': 'identity' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ verdict: expect.any(String), verified: expect.any(Boolean) });
    expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(r.headers.get('etag')).toBeNull();
    expect(Number(r.headers.get('content-length'))).toBe(Buffer.byteLength(JSON.stringify(r.json)));
    const gz = await post(JSON.stringify({ credential: jwt }), { ...json, 'accept-encoding': 'gzip' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gz.json).toEqual(r.json);
  });

  it('without Accept-Encoding the report is sent as is, still with Vary: Accept-Encoding for caches', async () => {
    // node:http sends no Accept-Encoding unless told to (fetch always offers gzip).
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request(`${verifier.url}/api/v1/verify`, { method: 'POST', headers: json }, resolve);
      req.on('error', reject);
      req.end(JSON.stringify({ credential: jwt }));
    });
    res.resume();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers.vary).toBe('Accept-Encoding');
    expect(res.headers['x-content-type-options']).toBe('nosniff'); // helmet's headers are all there
  });

  it('gzip request bodies, UTF-16 and a byte-order mark are read as before', async () => {
    const text = JSON.stringify({ credential: jwt });
    expect((await post(gzipSync(text), { ...json, 'content-encoding': 'gzip' })).status).toBe(200);
    expect((await post(Buffer.from(text, 'utf16le'), { 'content-type': 'application/json; charset=utf-16le' })).status).toBe(200);
    expect((await post(`\uFEFF${text}`, json)).status).toBe(200);
    expect((await post(text, { 'content-type': 'application/json; charset="UTF-8"' })).status).toBe(200);
  });

  it.each([
    { name: 'invalid JSON', body: '{"credential": ', headers: json, status: 400, code: 'MC_JSON_INVALID' },
    { name: 'a top-level string (strict JSON: objects and arrays only)', body: '"eyJhbGciOiJFUzI1NiJ9.e30.c2ln"', headers: json, status: 400, code: 'MC_JSON_INVALID' },
    { name: 'a duplicate member name', body: '{"credential":"a.b.c","credential":"x"}', headers: json, status: 400, code: 'MC_JSON_DUPLICATE_KEY' },
    { name: 'nesting deeper than 64', body: `{"credential":${'['.repeat(100)}${']'.repeat(100)}}`, headers: json, status: 400, code: 'MC_JSON_TOO_DEEP' },
    { name: 'an empty body (no credential)', body: '', headers: json, status: 400, code: 'MC_REQUEST_INVALID' },
    { name: 'a charset other than UTF-8/16', body: '{"credential":"a.b.c"}', headers: { 'content-type': 'application/json; charset=latin1' }, status: 415, code: 'MC_UNSUPPORTED_ENCODING' },
    { name: 'a body over 512 kB', body: JSON.stringify({ credential: 'x'.repeat(600_000) }), headers: json, status: 413, code: 'MC_BODY_TOO_LARGE' },
    { name: 'an unknown media type', body: '{"credential":"a.b.c"}', headers: { 'content-type': 'application/octet-stream' }, status: 415, code: 'MC_UNSUPPORTED_MEDIA_TYPE' },
  ] as const)('$name: $status $code as problem details', async ({ body, headers, status, code }) => {
    const r = await post(body, headers);
    expect(r.status).toBe(status);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.json).toMatchObject({ status, code, type: `urn:microcred:problem:${code}` });
  });
});
