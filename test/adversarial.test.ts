/**
 * The adversarial corpus (test/adversarial/corpus.ts): every hostile or broken input is refused,
 * `verified === false`, with the stable code of the check that must catch it. The verifier never
 * throws on any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyCredential, type VerificationReport } from '../src/verifier/index.js';
import fc from 'fast-check';
import { visit } from 'jsonc-parser';
import { parseStrictJson, checkJsonValue, MAX_JSON_DEPTH } from '../src/lib/strict-json.js';
import { cases, fixture } from './adversarial/corpus.js';
import { issueWith, offlineFetcher } from './helpers/tokens.js';
import { trustRegistryFromReport } from '../src/verifier/trust.js';

beforeAll(() => fixture.start());
afterAll(() => fixture.stop());

const summary = (r: VerificationReport) => r.checks.map((c) => `${c.check}:${c.status}:${c.code}`).join(' ');

describe('adversarial corpus', () => {
  it('has at least 40 cases with unique ids', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const input = await c.make();
    const report = await verifyCredential(input, c.options ? c.options() : { fetcher: offlineFetcher });
    expect(report.verified, `${c.description}\n${summary(report)}`).toBe(false);
    const check = report.checks.find((x) => x.check === c.expect.check);
    expect(check, `${c.description}: no ${c.expect.check} check in ${summary(report)}`).toBeDefined();
    expect({ status: check!.status, code: check!.code }, `${c.description}: ${check!.message}`).toEqual({ status: 'failed', code: c.expect.code });
  });
});

describe('controls: the same paths accept genuine input', () => {
  it('a genuine credential verifies (so the corpus failures are the mutations, not the set-up)', async () => {
    const { jwt } = await issueWith('ES256');
    const r = await verifyCredential(jwt, { fetcher: offlineFetcher });
    expect(r.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(r.verified).toBe(true);
  });

  it('a trailing newline after a token is tolerated (files end with one); anything more is not', async () => {
    const { jwt } = await issueWith('ES256');
    expect((await verifyCredential(`${jwt}\n`, { fetcher: offlineFetcher })).verified).toBe(true);
    expect((await verifyCredential(`${jwt}\nx`, { fetcher: offlineFetcher })).checks[0]).toMatchObject({ check: 'parse', code: 'MC_JWS_MALFORMED' });
  });
});

describe('strict JSON (src/lib/strict-json.ts)', () => {
  it(`accepts nesting of exactly ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1}`, () => {
    const at = (n: number) => '['.repeat(n) + ']'.repeat(n);
    expect(parseStrictJson(at(MAX_JSON_DEPTH))).toMatchObject({ ok: true });
    expect(parseStrictJson(at(MAX_JSON_DEPTH + 1))).toMatchObject({ ok: false, code: 'MC_JSON_TOO_DEEP' });
    expect(parseStrictJson(at(100_000))).toMatchObject({ ok: false, code: 'MC_JSON_TOO_DEEP' });
  });

  it('finds duplicates per object, after unescaping, and not across objects or in values', () => {
    expect(parseStrictJson('{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}],"d":"a"}')).toMatchObject({ ok: true });
    expect(parseStrictJson('{"a":{"x":1,"x":2}}')).toMatchObject({ ok: false, code: 'MC_JSON_DUPLICATE_KEY' });
    expect(parseStrictJson('{"a":1,"\\u0061":2}')).toMatchObject({ ok: false, code: 'MC_JSON_DUPLICATE_KEY' });
    expect(parseStrictJson('{"a":"b","b":"a"}')).toMatchObject({ ok: true });
    expect(parseStrictJson('[{"k":1},{"k":1}]')).toMatchObject({ ok: true });
    expect(parseStrictJson('{"a":1')).toMatchObject({ ok: false, code: 'MC_JSON_INVALID' });
    expect(parseStrictJson('"scalar"')).toEqual({ ok: true, value: 'scalar' });
  });

  it('agrees with a full JSON scanner on duplicates, whatever the escapes and whitespace (property)', () => {
    // The fast path counts member names instead of scanning; this holds it to the slow scanner's verdict.
    const reference = (text: string): boolean => {
      const stack: Array<Set<string> | null> = [];
      let dup = false;
      visit(text, {
        onObjectBegin: () => void stack.push(new Set()),
        onArrayBegin: () => void stack.push(null),
        onObjectEnd: () => void stack.pop(),
        onArrayEnd: () => void stack.pop(),
        onObjectProperty: (name) => {
          const keys = stack[stack.length - 1];
          if (keys?.has(name)) dup = true;
          keys?.add(name);
        },
      });
      return dup;
    };
    // Few distinct names (so duplicates are common), spelled raw or escaped, with quotes, backslashes and colons inside.
    const name = fc.constantFrom('a', 'b', '"', '\\', 'a:', ':"', 'x\\"');
    const spell = (n: string, escaped: boolean) => (escaped ? `"${[...n].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"` : JSON.stringify(n));
    const ws = fc.constantFrom('', ' ', '\n\t ', '\r\n');
    const value: fc.Arbitrary<string> = fc.letrec((tie) => ({
      leaf: fc.oneof(fc.constantFrom('1', 'true', 'null', '"v:"', '"\\":"', '"a"'), name.map((n) => JSON.stringify(n))),
      obj: fc.array(fc.tuple(name, fc.boolean(), ws, tie('any')), { maxLength: 4 }).map((members) => `{${members.map(([n, esc, w, v]) => `${spell(n, esc)}${w}:${w}${v}`).join(',')}}`),
      arr: fc.array(tie('any'), { maxLength: 3 }).map((xs) => `[${xs.join(', ')}]`),
      any: fc.oneof({ depthSize: 'small' }, tie('leaf'), tie('obj'), tie('arr')),
    })).any as fc.Arbitrary<string>;
    fc.assert(
      fc.property(value, (text) => {
        const r = parseStrictJson(text);
        expect(r.ok ? false : r.code === 'MC_JSON_DUPLICATE_KEY').toBe(reference(text));
      }),
      { numRuns: 3000 },
    );
  });

  it('bounds already-parsed values: depth, cycles and shared sub-objects that expand', () => {
    expect(checkJsonValue({ a: [1, { b: 2 }] })).toEqual({ ok: true });
    let wide: unknown = [0];
    for (let i = 0; i < 40; i++) wide = [wide, wide]; // 2^40 paths through 41 objects
    expect(checkJsonValue(wide)).toMatchObject({ ok: false, code: 'MC_INPUT_TOO_LARGE' });
  });
});

describe('trust registry signer pinning (src/verifier/trust.ts)', () => {
  const registry = { name: 'National registry', issuers: [{ id: 'https://univ.example/issuer' }] };
  const report = (verified: boolean, issuer: string): VerificationReport => ({ verified, format: 'vc-jwt', credential: { issuer, credentialSubject: registry }, checks: [] });

  it('a signed registry is accepted only from the pinned operator, and only when it verifies', () => {
    expect(trustRegistryFromReport(report(true, 'did:web:registry.example'), 'did:web:registry.example').issuers).toEqual(registry.issuers);
    expect(() => trustRegistryFromReport(report(true, 'did:key:z6MkSomebodyElse'), 'did:web:registry.example')).toThrow(/signed by did:key:z6MkSomebodyElse/);
    expect(() => trustRegistryFromReport(report(false, 'did:web:registry.example'), 'did:web:registry.example')).toThrow(/does not verify/);
  });
});
