/**
 * Property-based tests (fast-check) of the verifier and of every HTTP endpoint (issue #9).
 *
 * - The verifier: arbitrary strings, bytes and objects always give a report (never a throw) and
 *   never `verified: true`; mutations of a genuine VC-JWT (characters flipped, inserted, deleted;
 *   bits flipped; a JSON value changed; the header replaced) never verify unless the mutation is
 *   a no-op (the same canonical token: the verifier trims surrounding whitespace and a BOM only).
 * - HTTP: every route of both OpenAPI documents (issuer service and verifier-only service), with
 *   GET/POST/PUT/DELETE/PATCH, arbitrary path parameters, queries, headers and bodies, with and
 *   without valid tokens: never a 5xx, errors always `application/problem+json` (OID4VCI
 *   endpoints: OAuth error JSON), and no response ever carries the key-encryption key.
 *
 * Runs are bounded and seeded: FC_SEED=<n> replays a failure (fast-check prints the seed and
 * the counterexample path); FC_RUNS=<n> changes the number of runs per property.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.js';
import { openApiDocument, openApiVerifierDocument } from '../src/server/openapi.js';
import { startVerifierService, type RunningVerifier } from '../src/server/verifier-app.js';
import { verifyCredential, type VerificationReport } from '../src/verifier/index.js';
import { bearer, exampleParts, startIssuer, type IssuerHarness } from './adversarial/harness.js';
import { issueWith, offlineFetcher } from './helpers/tokens.js';

const SEED = Number(process.env.FC_SEED ?? 20_260_909);
const RUNS = Number(process.env.FC_RUNS ?? 200);
const run = <T>(p: fc.IAsyncPropertyWithHooks<T> | fc.IAsyncProperty<T>, numRuns = RUNS) => fc.assert(p, { numRuns, seed: SEED, endOnFailure: true });

const opts = { fetcher: offlineFetcher };

function wellFormed(r: VerificationReport): boolean {
  return (
    typeof r.verified === 'boolean' &&
    Array.isArray(r.checks) &&
    r.checks.length > 0 &&
    r.checks.every((c) => typeof c.check === 'string' && typeof c.code === 'string' && typeof c.message === 'string' && ['passed', 'failed', 'warning', 'skipped'].includes(c.status))
  );
}

/** What the verifier treats as the same token: surrounding whitespace and a leading BOM are ignored. */
const canonical = (s: string) => s.replace(/^\uFEFF/, '').trim();

let tokens: string[] = [];
beforeAll(async () => {
  tokens = await Promise.all((['ES256', 'EdDSA', 'RS256'] as const).map(async (alg) => (await issueWith(alg)).jwt));
});

describe('verifier: arbitrary input', () => {
  it('genuine tokens verify (the control for the mutation properties)', async () => {
    for (const t of tokens) expect((await verifyCredential(t, opts)).verified).toBe(true);
  });

  it('arbitrary strings: a report, never a throw, never verified', async () => {
    const text = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.json({ maxDepth: 6 }),
      fc.tuple(fc.base64String({ maxLength: 200 }), fc.base64String({ maxLength: 400 }), fc.base64String({ maxLength: 120 })).map(([a, b, c]) => `eyJ${a}.${b}.${c}`.replace(/\+/g, '-').replace(/\//g, '_')),
      fc.constantFrom('<svg', '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', '\uFEFF{}', '{"@context":', '[1,2]', 'null', '.', '..', 'a.b.c'),
    );
    await run(
      fc.asyncProperty(text, async (s) => {
        const r = await verifyCredential(s, opts);
        return wellFormed(r) && r.verified === false;
      }),
    );
  });

  it('arbitrary bytes: a report, never a throw, never verified', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.uint8Array({ maxLength: 500 }).map((b) => new Uint8Array([...png, ...b])));
    await run(
      fc.asyncProperty(bytes, async (b) => {
        const r = await verifyCredential(b, opts);
        return wellFormed(r) && r.verified === false;
      }),
    );
  });

  it('arbitrary objects, and credentials with arbitrary proofs and fields: a report, never a throw, never verified', async () => {
    const { credential } = await issueWith('ES256');
    const objects = fc.oneof(
      fc.object({ maxDepth: 4 }),
      fc.anything({ maxDepth: 3 }),
      fc.record({ proof: fc.anything({ maxDepth: 3 }) }).map((x) => ({ ...credential, ...x })),
      fc.record({ proof: fc.record({ type: fc.constantFrom('DataIntegrityProof', 'Ed25519Signature2020', 'x'), cryptosuite: fc.constantFrom('eddsa-rdfc-2022', 'eddsa-2022', 'ecdsa-rdfc-2019'), proofValue: fc.string(), verificationMethod: fc.constantFrom('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', 'https://127.0.0.1/key', 'x'), proofPurpose: fc.string(), created: fc.string() }, { requiredKeys: [] }) }).map((x) => ({ ...credential, ...x })),
      fc.dictionary(fc.constantFrom('@context', 'type', 'issuer', 'credentialSubject', 'validFrom', 'validUntil', 'credentialStatus', 'id', 'proof'), fc.anything({ maxDepth: 3 })).map((x) => ({ ...credential, ...x })),
    );
    await run(
      fc.asyncProperty(objects, async (o) => {
        const r = await verifyCredential(o as never, opts);
        return wellFormed(r) && r.verified === false;
      }),
      150,
    );
  });
});

describe('verifier: mutated genuine credentials never verify', () => {
  const token = fc.integer({ min: 0, max: 2 }).map((i) => tokens[i]!);
  const printable = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));
  type Edit = { kind: 'flip' | 'insert' | 'delete'; at: number; ch: string };
  const edit: fc.Arbitrary<Edit> = fc.record({ kind: fc.constantFrom('flip', 'insert', 'delete'), at: fc.nat(), ch: fc.oneof(printable, fc.constantFrom('\n', ' ', '\u00e9', '=', '.', '-', '_', '+', '/')) });
  const apply = (t: string, edits: Edit[]) =>
    edits.reduce((s, e) => {
      const at = e.at % (s.length + 1);
      if (e.kind === 'insert') return s.slice(0, at) + e.ch + s.slice(at);
      if (s.length === 0) return s;
      const i = at % s.length;
      if (e.kind === 'delete') return s.slice(0, i) + s.slice(i + 1);
      return s.slice(0, i) + e.ch + s.slice(i + 1);
    }, t);

  it('characters flipped, inserted or deleted (1 to 3 edits)', async () => {
    await run(
      fc.asyncProperty(token, fc.array(edit, { minLength: 1, maxLength: 3 }), async (t, edits) => {
        const mutated = apply(t, edits);
        const r = await verifyCredential(mutated, opts);
        if (canonical(mutated) === t) return r.verified === true; // a no-op edit (whitespace around the token)
        return wellFormed(r) && r.verified === false;
      }),
      300,
    );
  });

  it('bits flipped in the token bytes (given as a Uint8Array)', async () => {
    await run(
      fc.asyncProperty(token, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 4 }), async (t, flips) => {
        const bytes = new TextEncoder().encode(t);
        for (const [at, bit] of flips) bytes[at % bytes.length] = bytes[at % bytes.length]! ^ (1 << bit);
        const mutated = new TextDecoder().decode(bytes);
        const r = await verifyCredential(bytes, opts);
        if (canonical(mutated) === t) return r.verified === true;
        return wellFormed(r) && r.verified === false;
      }),
      300,
    );
  });

  it('one JSON value of the payload replaced (signature kept)', async () => {
    const paths = (v: unknown, prefix: string[] = []): string[][] =>
      v !== null && typeof v === 'object' ? [prefix, ...Object.entries(v as Record<string, unknown>).flatMap(([k, x]) => paths(x, [...prefix, k]))] : [prefix];
    await run(
      fc.asyncProperty(token, fc.nat(), fc.jsonValue({ maxDepth: 2 }), async (t, pick, value) => {
        const [h, p, s] = t.split('.') as [string, string, string];
        const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
        const all = paths(payload).filter((x) => x.length > 0);
        const path = all[pick % all.length]!;
        let node = payload as Record<string, unknown>;
        for (const k of path.slice(0, -1)) node = node[k] as Record<string, unknown>;
        node[path.at(-1)!] = value;
        const text = JSON.stringify(payload);
        const mutated = `${h}.${Buffer.from(text).toString('base64url')}.${s}`;
        const r = await verifyCredential(mutated, opts);
        if (mutated === t) return r.verified === true;
        return wellFormed(r) && r.verified === false && r.checks.find((c) => c.check === 'signature')?.status !== 'passed';
      }),
    );
  });

  it('the header replaced by an arbitrary one (payload and signature kept)', async () => {
    const header = fc.record(
      { alg: fc.constantFrom('ES256', 'EdDSA', 'RS256', 'none', 'HS256', 'ES384'), kid: fc.oneof(fc.string(), fc.constantFrom('did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK', 'https://127.0.0.1/k')), typ: fc.constantFrom('JWT', 'vc+jwt', 'x'), jwk: fc.object({ maxDepth: 1 }), crit: fc.array(fc.string()), b64: fc.boolean() },
      { requiredKeys: [] },
    );
    await run(
      fc.asyncProperty(token, header, async (t, hdr) => {
        const [h, p, s] = t.split('.') as [string, string, string];
        const nh = Buffer.from(JSON.stringify(hdr)).toString('base64url');
        const r = await verifyCredential(`${nh}.${p}.${s}`, opts);
        if (nh === h) return r.verified === true;
        return wellFormed(r) && r.verified === false;
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// HTTP
// ---------------------------------------------------------------------------------------------

let issuer: IssuerHarness;
let verifier: RunningVerifier;
let issued: { uuid: string; jwt: string; code: string; digest: string; listId: string };

beforeAll(async () => {
  issuer = await startIssuer();
  const { issue } = exampleParts();
  const r = await issuer.api('POST', '/api/v1/credentials', { ...issue, achievementId: issuer.achievementId }, bearer(issuer.tokens.issue));
  if (r.status !== 201) throw new Error(`issue: ${r.status} ${r.text}`);
  const [code, digest] = new URL(r.json.verificationUrl as string).pathname.split('/').slice(2) as [string, string];
  const status = (r.json.credential as { credentialStatus: Array<{ statusListCredential: string }> }).credentialStatus[0]!.statusListCredential;
  issued = { uuid: (r.json.id as string).replace('urn:uuid:', ''), jwt: r.json.jwt as string, code, digest, listId: new URL(status).pathname.split('/')[2]! };
  verifier = await startVerifierService(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '1000000' }), { fetcher: issuer.fetcher });
}, 60_000);

afterAll(async () => {
  await verifier?.close();
  await issuer?.close();
});

/** OpenID4VCI endpoints answer errors as OAuth error JSON (RFC 6749 §5.2), not problem details. */
const OAUTH_STYLE = /^\/(oid4vci(\/|$)|\.well-known\/(openid-credential-issuer|oauth-authorization-server))/;
/** The learner's wallet page answers an unknown offer with an HTML page for people (its OpenAPI 404 is documented as HTML). */
const HTML_NOT_FOUND = /^\/wallet\/[^/]*$/;

interface Target {
  service: 'issuer' | 'verifier';
  template: string;
  methods: string[];
}

function targets(): Target[] {
  const of = (service: Target['service'], doc: Record<string, unknown>) =>
    Object.entries(doc.paths as Record<string, Record<string, unknown>>).map(([template, ops]) => ({ service, template, methods: Object.keys(ops).map((m) => m.toUpperCase()) }));
  return [
    ...of('issuer', openApiDocument('http://issuer.test')),
    ...of('verifier', openApiVerifierDocument('http://verifier.test')),
    // Not in the OpenAPI documents, but served: fuzz them too.
    ...['/', '/assets/verify.css', '/assets/verify-page.js', '/oid4vci/token', '/oid4vci/credential', '/oid4vci/nonce', '/.well-known/openid-credential-issuer', '/no/such/route'].map((template) => ({ service: 'issuer' as const, template, methods: ['GET'] })),
  ];
}

const hostile = fc.constantFrom('%', '%E0%A4%A', '%00', '..', '%2e%2e%2f', 'a'.repeat(3000), '%F0%9F%92%A9', '\u00e9', 'null', '-1', '0', '1e309', "'; DROP TABLE credentials;--");
function paramValue(name: string): fc.Arbitrary<string> {
  const valid: Record<string, () => string[]> = {
    uuid: () => [issued.uuid, `${issued.uuid}.jwt`, `${issued.uuid}.json`, '00000000-0000-4000-8000-000000000000'],
    listId: () => [issued.listId],
    purpose: () => ['revocation', 'suspension'],
    id: () => ['data-ethics-101'],
    version: () => ['1', '2'],
    code: () => [issued.code],
    digest: () => [issued.digest],
  };
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...(valid[name]?.() ?? ['x'])) },
    { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: hostile },
  );
}

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'];
const CONTENT_TYPES = [undefined, 'application/json', 'application/ld+json', 'application/vc+ld+json', 'text/plain', 'application/jwt', 'application/vc+jwt', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'application/json; charset=utf-16', 'application/octet-stream', 'image/png'];
const AUTH = ['none', 'admin', 'issue', 'revoke', 'garbage', 'basic', 'malformed'] as const;

/** Bodies that broke (or could break) handlers: deep nesting, duplicate names, prototype keys, odd encodings. */
const HOSTILE_BODIES = [
  '['.repeat(10_000) + ']'.repeat(10_000),
  `{"credential":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
  `{"achievementId":"data-ethics-101","credentialSubject":${'['.repeat(10_000)}${']'.repeat(10_000)}}`,
  `{"name":"x","description":"y","criteria":${'{"narrative":'.repeat(3_000)}"z"${'}'.repeat(3_000)}}`,
  `{"reason":${'['.repeat(100)}${']'.repeat(100)}}`,
  '{"achievementId":"data-ethics-101","achievementId":"other"}',
  '{"reason":"a","reason":"b"}',
  '{"__proto__":{"admin":true},"scopes":["admin"]}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '{"credentialSubject":{"identifier":[{"identityType":"emailAddress","identifier":"a@b.c"}]},"achievementId":{"toString":1}}',
  `{"achievementId":"data-ethics-101","credentialSubject":{"identifier":[{"identityType":"emailAddress","identifier":"${'x'.repeat(200_000)}"}]}}`,
  '',
  '\u0000',
  '\uFEFF{}',
  'credential=' + 'x'.repeat(100),
];

function bodyArb(): fc.Arbitrary<string | undefined> {
  const { issue, achievement } = exampleParts();
  const mutate = (base: Record<string, unknown>) => fc.dictionary(fc.constantFrom(...Object.keys(base), 'achievementId', 'id', 'credential', 'recipient', 'reason', 'scopes'), fc.jsonValue({ maxDepth: 3 })).map((x) => JSON.stringify({ ...base, ...x }));
  return fc.oneof(
    fc.constant(undefined),
    fc.json({ maxDepth: 4 }),
    fc.string({ maxLength: 200 }),
    mutate({ ...issue, achievementId: 'data-ethics-101' }),
    mutate(achievement),
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_BODIES) },
    fc.constant(JSON.stringify({ credential: issued.jwt })),
    fc.constant(issued.jwt),
  );
}

interface Sent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Built at test time: valid values (tokens, ids) exist only once the services run. */
const requestArb = () => fc
  .tuple(
    fc.constantFrom(...targets()),
    fc.constantFrom(...METHODS),
    fc.dictionary(fc.constantFrom('limit', 'offset', 'state', 'since', 'achievementId', 'recipient', 'type', 'learner', 'x'), fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('5', '-1', '1e3', 'revoked', '2026-01-01T00:00:00Z', 'learner@example.com', '%_\\', ' ', 'x'.repeat(201))), { maxKeys: 3 }),
    fc.constantFrom(...AUTH),
    fc.constantFrom(...CONTENT_TYPES),
    fc.constantFrom(undefined, '*/*', 'text/html', 'application/json', 'image/png', 'application/vc+ld+json', 'text/plain', 'application/problem+json'),
    fc.constantFrom(undefined, undefined, undefined, 'gzip', 'deflate', 'br', 'identity', 'x-unknown'),
    fc.option(fc.string({ minLength: 1, maxLength: 250 }).filter((s) => /^[\x20-\x7e]*$/.test(s))),
    bodyArb(),
  )
  .chain(([target, method, query, auth, contentType, accept, encoding, idem, body]) => {
    const names = [...target.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    return fc.tuple(...names.map(paramValue)).map((values): Sent & { target: Target } => {
      let path = target.template;
      names.forEach((n, i) => (path = path.replace(`{${n}}`, values[i]!)));
      const qs = new URLSearchParams(query).toString();
      const tokenFor = { admin: issuer.admin, issue: issuer.tokens.issue, revoke: issuer.tokens.revoke } as Record<string, string>;
      const headers: Record<string, string> = {};
      if (auth in tokenFor) headers.authorization = `Bearer ${tokenFor[auth]}`;
      else if (auth === 'garbage') headers.authorization = 'Bearer mc_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx';
      else if (auth === 'basic') headers.authorization = 'Basic YWRtaW46YWRtaW4=';
      else if (auth === 'malformed') headers.authorization = 'Bearer';
      if (contentType) headers['content-type'] = contentType;
      if (accept !== undefined) headers.accept = accept;
      if (encoding) headers['content-encoding'] = encoding;
      if (idem !== null) headers['idempotency-key'] = idem;
      const withBody = method !== 'GET' && body !== undefined;
      return { target, method, path: qs ? `${path}?${qs}` : path, headers, ...(withBody ? { body } : {}) };
    });
  });

async function send(r: Sent & { target: Target }): Promise<{ status: number; type: string; text: string }> {
  const origin = r.target.service === 'issuer' ? `http://127.0.0.1:${issuer.port}` : verifier.url;
  const res = await fetch(`${origin}${r.path}`, { method: r.method, headers: r.headers, redirect: 'manual', ...(r.body !== undefined ? { body: r.body } : {}) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

describe('HTTP: every route, arbitrary requests', () => {
  it('the fuzzed routes cover every path of both OpenAPI documents', () => {
    const paths = new Set(targets().map((t) => `${t.service} ${t.template}`));
    for (const p of Object.keys(openApiDocument('http://x').paths as object)) expect(paths.has(`issuer ${p}`)).toBe(true);
    for (const p of Object.keys(openApiVerifierDocument('http://x').paths as object)) expect(paths.has(`verifier ${p}`)).toBe(true);
  });

  it('never a 5xx; errors are problem details (OAuth error JSON on OID4VCI endpoints); the KEK never appears', async () => {
    await run(
      fc.asyncProperty(requestArb(), async (r) => {
        const res = await send(r);
        const where = `${r.method} ${r.target.service}${r.path.slice(0, 200)} → ${res.status} ${res.type} ${res.text.slice(0, 300)}`;
        if (res.status >= 500) throw new Error(`5xx: ${where}`);
        if (res.text.includes(issuer.kek)) throw new Error(`KEK in response: ${where}`);
        if (res.status === 404 && r.method === 'GET' && HTML_NOT_FOUND.test(r.path.split('?')[0]!) && /^text\/html/.test(res.type)) return true;
        if (res.status >= 400) {
          const pathname = r.path.split('?')[0]!;
          const body = JSON.parse(res.text) as { code?: unknown; status?: unknown; error?: unknown };
          if (OAUTH_STYLE.test(pathname) && /^application\/json/.test(res.type)) {
            if (typeof body.error !== 'string') throw new Error(`OAuth error without "error": ${where}`);
          } else {
            if (!/^application\/problem\+json/.test(res.type)) throw new Error(`not problem+json: ${where}`);
            if (typeof body.code !== 'string' || body.status !== res.status) throw new Error(`malformed problem: ${where}`);
          }
        }
        return true;
      }),
      300,
    );
  }, 60_000);

  it('authenticated writes (the documented method, an admin token, JSON content type) with arbitrary bodies: never a 5xx', async () => {
    const writes = targets().flatMap((t) => t.methods.filter((m) => m !== 'GET').map((method) => ({ ...t, method })));
    expect(writes.length).toBeGreaterThan(5);
    const statuses = new Map<number, number>();
    await run(
      fc.asyncProperty(
        fc.constantFrom(...writes).chain((t) => {
          const names = [...t.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
          return fc.tuple(fc.constant(t), fc.tuple(...names.map(paramValue)), bodyArb(), fc.constantFrom('application/json', 'application/ld+json', 'text/plain'));
        }),
        async ([t, values, body, contentType]) => {
          let path = t.template;
          [...t.template.matchAll(/\{(\w+)\}/g)].forEach((m, i) => (path = path.replace(m[0], values[i]!)));
          const res = await send({ target: t, method: t.method, path, headers: { ...bearer(issuer.admin), 'content-type': contentType }, ...(body !== undefined ? { body } : {}) });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) throw new Error(`5xx: ${t.method} ${path} ${contentType} ${String(body).slice(0, 200)} → ${res.status} ${res.text.slice(0, 300)}`);
          if (res.status >= 400 && !OAUTH_STYLE.test(path) && !/^application\/problem\+json/.test(res.type)) throw new Error(`not problem+json: ${t.method} ${path} → ${res.status} ${res.type}`);
          return true;
        },
      ),
      250,
    );
    // Not vacuous: the fuzzing reached the handlers (successes and client errors both occur).
    expect([...statuses.keys()].some((s) => s < 300)).toBe(true);
    expect([...statuses.keys()].some((s) => s >= 400 && s < 500)).toBe(true);
  }, 60_000);

  it('every write route × every hostile body (exhaustive, with an admin token): 4xx problem details, never a 5xx', async () => {
    const writes = targets().flatMap((t) => t.methods.filter((m) => m !== 'GET').map((method) => ({ ...t, method })));
    const failures: string[] = [];
    for (const t of writes) {
      const path = t.template.replace(/\{uuid\}/g, issued.uuid).replace(/\{(\w+)\}/g, 'x');
      for (const body of HOSTILE_BODIES) {
        const res = await send({ target: t, method: t.method, path, headers: { ...bearer(issuer.admin), 'content-type': 'application/json' }, body });
        if (res.status >= 500 || (res.status >= 400 && !OAUTH_STYLE.test(path) && !/^application\/problem\+json/.test(res.type))) failures.push(`${t.method} ${path} ${body.slice(0, 60)} → ${res.status} ${res.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  }, 60_000);

  it('POST /api/v1/verify on both services: a mutated credential never verifies', async () => {
    const printable = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
    await run(
      fc.asyncProperty(fc.nat(), printable, fc.constantFrom('issuer', 'verifier'), fc.constantFrom('json', 'text'), async (at, ch, service, as) => {
        const t = issued.jwt;
        const i = at % t.length;
        const mutated = t.slice(0, i) + ch + t.slice(i + 1);
        const origin = service === 'issuer' ? `http://127.0.0.1:${issuer.port}` : verifier.url;
        const res = await fetch(`${origin}/api/v1/verify`, as === 'json' ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ credential: mutated }) } : { method: 'POST', headers: { 'content-type': 'text/plain' }, body: mutated });
        if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
        const body = (await res.json()) as { verified: boolean };
        return mutated === t ? body.verified === true : body.verified === false;
      }),
      100,
    );
  });
});
