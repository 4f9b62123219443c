/**
 * Validators precompiled at build time (src/model/schema/precompiled.ts) stand in for Ajv's
 * run-time compilation in every Node process. They must be used when the build has them, and give
 * exactly the verdicts and problems that compiling the schemas gives, on valid credentials and on
 * thousands of broken ones.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it, vi } from 'vitest';
import { buildCredential, builtAchievement } from '../src/issuer/build.js';
import { precompiledValidator } from '../src/model/schema/precompiled.js';
import { OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA } from '../src/model/schema/ob3-schema.js';
import type { IssuanceRequest } from '../src/issuer/request.js';

const INDEX = new URL('../dist/model/schema/precompiled/index.cjs', import.meta.url);
const EXAMPLES = new URL('../examples/requests/', import.meta.url);
type ValidateModule = typeof import('../src/model/schema/validate.js');

/** A fresh instance of the validation module, with the build's validators or compiling every schema. */
async function validationModule(precompiled: boolean): Promise<ValidateModule> {
  vi.resetModules();
  const before = process.env.MICROCRED_PRECOMPILED;
  if (precompiled) delete process.env.MICROCRED_PRECOMPILED;
  else process.env.MICROCRED_PRECOMPILED = '0';
  try {
    return await import('../src/model/schema/validate.js');
  } finally {
    if (before === undefined) delete process.env.MICROCRED_PRECOMPILED;
    else process.env.MICROCRED_PRECOMPILED = before;
  }
}

/** Every example credential, and copies with one member at a time replaced by a wrong value or removed. */
function corpus(): Array<Record<string, unknown>> {
  const docs: Array<Record<string, unknown>> = [];
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.json')).sort()) {
    const request = JSON.parse(readFileSync(new URL(file, EXAMPLES), 'utf8')) as IssuanceRequest;
    const credential = buildCredential(request, { issuerId: 'did:example:issuer', now: new Date('2026-01-01T00:00:00Z') });
    docs.push(credential);
    const plain = structuredClone(credential) as Record<string, unknown>;
    const paths: Array<Array<string | number>> = [];
    const walk = (v: unknown, at: Array<string | number>) => {
      if (at.length) paths.push(at);
      if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...at, Array.isArray(v) ? Number(k) : k]);
    };
    walk(plain, []);
    for (const path of paths) {
      for (const wrong of [undefined, null, 42, 'not a date or uri', {}, []]) {
        const doc = structuredClone(plain);
        let parent = doc as Record<string | number, unknown>;
        for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
        const last = path[path.length - 1]!;
        if (wrong === undefined) delete parent[last];
        else parent[last] = wrong;
        docs.push(doc);
      }
    }
  }
  return docs;
}

describe('precompiled schema validators', () => {
  it('are what the verifier and issuer use when the build has them', async () => {
    expect(existsSync(INDEX), 'npm run build (run by npm install) writes dist/model/schema/precompiled/').toBe(true);
    const built = await validationModule(true);
    const index = readFileSync(INDEX, 'utf8');
    expect(built.validatorsFromBuild()).toBe(index.match(/require\(/g)!.length);
    expect((await validationModule(false)).validatorsFromBuild()).toBe(0);
  });

  it('give exactly the verdicts and problems of compiled schemas, for valid and broken credentials', async () => {
    const built = await validationModule(true);
    const compiled = await validationModule(false);
    expect(built.validatorsFromBuild()).toBeGreaterThan(0);
    const docs = corpus();
    expect(docs.length).toBeGreaterThan(2000);
    let invalid = 0;
    for (const doc of docs) {
      // Through the split validators too (the achievement and the rest apart), whenever there is an achievement object.
      const node = (doc.credentialSubject as { achievement?: unknown } | undefined)?.achievement;
      const part = builtAchievement(doc) ?? (node !== null && typeof node === 'object' && !Array.isArray(node) ? { node, key: JSON.stringify(node) } : undefined);
      const known = part ? [part] : [];
      const a = built.validateAchievementCredential(doc, known);
      expect(a).toEqual(compiled.validateAchievementCredential(doc, known));
      // Split at the shared top-level members as well (issuer, @context, type, credentialSchema):
      // the verdict and problems of the whole schema, wherever the document is broken.
      const members = ['@context', 'type', 'issuer', 'credentialSchema'].filter((m) => doc[m] !== null && typeof doc[m] === 'object').map((m) => ({ node: doc[m] as object, key: JSON.stringify(doc[m]) }));
      const whole = compiled.validateAchievementCredential(doc);
      expect(a).toEqual(whole);
      for (const v of [built, compiled]) for (let i = 0; i < 2; i++) expect(v.validateAchievementCredential(doc, part ? [part, ...members] : members)).toEqual(whole);
      expect(built.validateExtensionSchemas(doc, known)).toEqual(compiled.validateExtensionSchemas(doc, known));
      if (a.length) invalid++;
    }
    // Most of the broken copies are refused, or the comparison says little.
    expect(invalid).toBeGreaterThan(docs.length / 2);
  });

  it('check formats through formats.cjs, which gives ajv-formats\' own verdict for every value, also when asked again', async () => {
    const require = createRequire(import.meta.url);
    const remembered = require('../dist/model/schema/precompiled/formats.cjs') as Record<string, unknown>;
    const { fullFormats } = require('ajv-formats/dist/formats') as { fullFormats: Record<string, unknown> };
    expect(Object.keys(remembered).sort()).toEqual(Object.keys(fullFormats).sort());
    const values = ['2025-06-14T10:00:00Z', '2025-06-14T10:00:00', '2025-02-30', '2025-06-14', '10:00:00Z', 'urn:uuid:1529b961-0bec-4d91-a9a1-c49a91e1a2d3', 'https://example.org/a b', 'not a uri', 'a@b.example', '', '12', 'x'.repeat(300)];
    const verdict = (f: unknown, v: string): unknown => (typeof f === 'boolean' ? f : typeof f === 'function' ? (f as (x: string) => unknown)(v) : f instanceof RegExp ? f.test(v) : (f as { validate: (x: string) => unknown }).validate(v));
    let differing = 0;
    for (const name of Object.keys(fullFormats)) {
      const own = fullFormats[name];
      const mine = remembered[name];
      // The same form, so the call Ajv compiled (f(x), f.validate(x) or f.test(x)) still fits.
      expect(typeof mine, name).toBe(typeof own);
      expect(mine instanceof RegExp, name).toBe(own instanceof RegExp);
      for (let round = 0; round < 3; round++) for (const v of values) expect(verdict(mine, v), `${name}: ${v}`).toBe(verdict(own, v));
      if (new Set(values.map((v) => verdict(own, v))).size > 1) differing++;
    }
    // Formats that accept some of these values and refuse others, or the comparison says little.
    expect(differing).toBeGreaterThan(5);
    // Every generated validator uses them, and none uses ajv-formats directly.
    const dir = new URL('../dist/model/schema/precompiled/', import.meta.url);
    for (const name of readdirSync(dir).filter((n) => /^v\d+\.cjs$/.test(n))) {
      const text = readFileSync(new URL(name, dir), 'utf8');
      expect(text.includes('ajv-formats'), name).toBe(false);
    }
  });

  it('are found only for the very schema, options and formats they were built from', () => {
    const options = { allErrors: true, strict: false, verbose: true };
    const formats = ['date-time', 'date', 'uri', 'email'];
    expect(typeof precompiledValidator(options, formats, OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA)).toBe('function');
    expect(precompiledValidator(options, formats, { ...OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA, required: ['id'] })).toBeUndefined();
    expect(precompiledValidator({ ...options, allErrors: false }, formats, OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA)).toBeUndefined();
    expect(precompiledValidator(options, formats.slice(1), OB3_ACHIEVEMENT_CREDENTIAL_SCHEMA)).toBeUndefined();
  });
});
