/**
 * The shortcuts on the issue and verify hot paths (issue #8) give exactly the answers of the
 * plain computation: the per-achievement caches (benchmark rules, JSON-LD shape), the spliced
 * JWT payload, the interned achievement, and the strict base64url decoder. Each test compares a
 * cached or fast result with the uncached or reference one, including the cases where sharing
 * an achievement must not share a verdict (learners who fail a rule the first learner passed).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeBase64url } from '../src/lib/base64url.js';
import { assignOwn, copyOwn } from '../src/lib/copy.js';
import { matchesSnapshot, snapshotJson } from '../src/lib/json-snapshot.js';
import { parseStrictJson } from '../src/lib/strict-json.js';
import { isPackedJwt, packJwt, packSigned, packedPartHash, partHash, unpackJwt } from '../src/storage/packed-jwt.js';
import { knownAchievementText, parseCredentialJson } from '../src/verifier/known-achievements.js';
import { validateAchievementCredential, validateExtensionSchemas } from '../src/model/schema/validate.js';
import { checkJsonLdTerms, checkJsonLdTermsCached, jsonLdShape, jsonLdShapeTree, matchesShape } from '../src/lib/jsonld/expand.js';
import { evaluateBenchmarks } from '../src/benchmark/evaluate.js';
import { dateMs } from '../src/benchmark/view.js';
import { dateTimeZMs, parseDateTimeZ } from '../src/lib/date-time.js';
import { buildCredential, builtAchievement, prepareAchievement, sharedParts } from '../src/issuer/build.js';
import { encodeAround, jwtPayload, serializePayload, signCredentialJwtParts } from '../src/issuer/jwt/sign.js';
import { createPublicKey, verify as cryptoVerify, type JsonWebKey } from 'node:crypto';
import { issueCredential, issueCredentials, MicrocredError, type IssuanceRequest, type Signer } from '../src/issuer/index.js';
import { createVerifier, type CheckResult } from '../src/verifier/index.js';
import { NOW, asRequest, example, type Req } from './helpers/benchmark.js';
import { keyFor, offlineFetcher, signerFor } from './helpers/tokens.js';

const GRADES = 'urn:uuid:6f1f4c1e-7c55-4c0e-9d1e-2b8f3a1c0e10';
const ISSUER = 'did:example:issuer';

/** Learners of one achievement, each breaking a different learner-specific rule (or none). */
const LEARNERS: Array<[string, (r: Req) => void]> = [
  ['passes everything', () => {}],
  ['failing grade with credit', (r) => (r.credentialSubject.result = [{ resultDescription: GRADES, achievedLevel: `${GRADES}#F`, status: 'Failed' }])],
  ['more credits than available', (r) => (r.credentialSubject.creditsEarned = 5)],
  ['completed with fewer credits than available', (r) => (r.credentialSubject.creditsEarned = 1)],
  ['learning ended after the award', (r) => (r.credentialSubject.activityEndDate = '2025-08-01T00:00:00Z')],
  ['grade not in the scheme', (r) => (r.credentialSubject.result = [{ resultDescription: GRADES, achievedLevel: `${GRADES}#Z`, status: 'Completed' }])],
];

function learner(change: (r: Req) => void): Req {
  const r = example('in-ncrf-data-ethics.json');
  change(r);
  return r;
}

describe('dates parsed for the rules', () => {
  it('are what Date.parse gives, also for local times read again after the time zone changed', () => {
    const strings = ['2025-06-14', '2025-06-14T10:00:00Z', '2025-06-14T10:00:00.5+05:30', '2025-06-14T10:00:00-08:00', '2025-06-14T10:00:00', '2025/06/14', 'Jun 14 2025', '2025-13-01', 'not a date', '', 'Z', '+05:30'];
    const before = process.env.TZ;
    try {
      for (const tz of ['UTC', 'Asia/Kolkata', 'America/Los_Angeles', 'UTC']) {
        process.env.TZ = tz;
        for (const s of strings) {
          const t = Date.parse(s);
          for (let i = 0; i < 2; i++) expect(dateMs(s), `${s} in ${tz}`).toBe(Number.isNaN(t) ? undefined : t);
        }
      }
      // The zone really changed the local readings, or the loop above proves little.
      process.env.TZ = 'Asia/Kolkata';
      const kolkata = Date.parse('2025-06-14T10:00:00');
      process.env.TZ = 'America/Los_Angeles';
      expect(Date.parse('2025-06-14T10:00:00')).not.toBe(kolkata);
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
    expect(dateMs(5)).toBeUndefined();
  });

  it('date-times with a timezone (validFrom, validUntil) are read as the plain regex and Date.parse read them, the epoch included', () => {
    const reference = (s: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(s) && !Number.isNaN(Date.parse(s)) ? Date.parse(s) : null);
    const strings = ['1970-01-01T00:00:00Z', '2025-06-14T10:00:00Z', '2025-06-14T10:00:00.123456789012345678901234567890+05:30', `${'9'.repeat(5000)}Z`, '2025-06-14t10:00:00.123z', '2025-06-14T10:00:00+05:30', '2025-06-14T10:00:00', '2025-02-30T00:00:00Z', '2025-06-14', 'x'];
    for (let i = 0; i < 2; i++) for (const s of strings) expect(dateTimeZMs(s), s).toBe(reference(s));
    expect(dateTimeZMs('1970-01-01T00:00:00Z')).toBe(0);
    expect(parseDateTimeZ('2025-06-14T10:00:00Z')).not.toBe(parseDateTimeZ('2025-06-14T10:00:00Z'));
    expect(dateTimeZMs(undefined)).toBeNull();
  });
});

describe('benchmark rules: outcomes cached per achievement', () => {
  it('every learner gets the outcome of an uncached evaluation, in either order', () => {
    for (const order of [LEARNERS, [...LEARNERS].reverse()]) {
      for (const [name, change] of order) {
        const credential = buildCredential(asRequest(learner(change)), { issuerId: ISSUER, now: NOW });
        const part = builtAchievement(credential);
        expect(part, 'the issuer interns the achievement').toBeDefined();
        const cached = evaluateBenchmarks(credential, { now: NOW, achievementKey: part!.key });
        const plain = evaluateBenchmarks(structuredClone(credential), { now: NOW });
        expect(cached, name).toEqual(plain);
      }
    }
    // The variants really differ (each fails or warns on something else): otherwise the comparison above proves nothing.
    const failed = LEARNERS.map(([, change]) => evaluateBenchmarks(structuredClone(buildCredential(asRequest(learner(change)), { issuerId: ISSUER, now: NOW })), { now: NOW }))
      .map((b) => b.reports.flatMap((r) => r.rules.filter((x) => x.status !== 'passed' && x.status !== 'not-applicable').map((x) => `${x.id}:${x.status}`)).join(','));
    expect(new Set(failed).size).toBe(LEARNERS.length);
  });

  it('facts derived from the achievement (a grading scheme\'s levels) follow its content: achievements alternated, each learner judged against their own', () => {
    const variants: Array<(r: Req) => void> = [
      () => {},
      // The grade a learner holds is no longer a level of the scheme.
      (r) => (r.achievement.resultDescription[0].rubricCriterionLevel = r.achievement.resultDescription[0].rubricCriterionLevel.filter((l: Req) => !String(l.id).endsWith('#A+'))),
      // A level's points differ from the scheme's.
      (r) => (r.achievement.resultDescription[0].rubricCriterionLevel[0].points = '99'),
    ];
    const verdicts = new Set<string>();
    for (let round = 0; round < 2; round++) {
      for (const variant of variants) {
        for (const [name, change] of LEARNERS) {
          const r = learner(change);
          variant(r);
          const credential = buildCredential(asRequest(r), { issuerId: ISSUER, now: NOW });
          const cached = evaluateBenchmarks(credential, { now: NOW, achievementKey: builtAchievement(credential)!.key });
          const plain = evaluateBenchmarks(structuredClone(credential), { now: NOW });
          expect(cached, name).toEqual(plain);
          verdicts.add(JSON.stringify(plain.reports.flatMap((x) => x.rules.filter((y) => y.id === 'IN-UGC-GRADE-MAP').map((y) => [y.status, y.detail]))));
        }
      }
    }
    // The variants give the grade-map rule different verdicts, or the comparison proves little.
    expect(verdicts.size).toBeGreaterThanOrEqual(3);
  });

  it('rules that read the clock are not cached: the same credential expires later', () => {
    const credential = buildCredential(asRequest(example('in-ncrf-data-ethics.json')), { issuerId: ISSUER, now: NOW });
    const key = builtAchievement(credential)!.key;
    const later = new Date('2040-01-01T00:00:00Z');
    const status = (now: Date, achievementKey?: string) =>
      evaluateBenchmarks(credential, achievementKey ? { now, achievementKey } : { now }).reports.flatMap((r) => r.rules).find((r) => r.id === 'IN-ABC-EXPIRED')?.status;
    expect(status(NOW, key)).toBe(status(NOW));
    expect(status(later, key)).toBe(status(later));
    expect(status(later)).not.toBe(status(NOW));
  });
});

describe('the interned achievement', () => {
  it('is frozen, detached from the request, and follows the request when it changes', () => {
    const r = example('in-ncrf-data-ethics.json');
    const first = buildCredential(asRequest(r), { issuerId: ISSUER, now: NOW });
    const a1 = builtAchievement(first)!.node;
    expect(Object.isFrozen(a1)).toBe(true);
    expect(Object.isFrozen((a1.qualityBenchmark as Req).assessment)).toBe(true);
    r.achievement.name = 'Applied Data Ethics (revised)';
    const second = buildCredential(asRequest(r), { issuerId: ISSUER, now: NOW });
    expect(builtAchievement(second)!.node.name).toBe('Applied Data Ethics (revised)');
    expect(a1.name).toBe('Applied Data Ethics');
    // Same content again: the same shared object.
    r.achievement.name = 'Applied Data Ethics';
    expect(builtAchievement(buildCredential(asRequest(r), { issuerId: ISSUER, now: NOW }))!.node).toBe(a1);
  });

  it('a prepared achievement gives exactly the credential the plain one gives, in every example', () => {
    for (const file of ['basic.json', 'in-ncrf-data-ethics.json', 'eu-ects-data-literacy.json', 'au-nmf-cyber-awareness.json', 'nz-cloud-fundamentals.json', 'uk-research-data.json']) {
      const r = example(file);
      const plain = buildCredential(asRequest(r), { issuerId: ISSUER, now: NOW });
      const prepared = prepareAchievement(structuredClone(r.achievement));
      expect(Object.isFrozen(prepared)).toBe(true);
      expect(prepareAchievement(prepared)).toBe(prepared);
      const viaPrepared = buildCredential({ ...asRequest(r), id: plain.id, achievement: prepared }, { issuerId: ISSUER, now: NOW });
      const strip = (c: Record<string, unknown>) => JSON.parse(JSON.stringify(c, (k, v: unknown) => (k === 'salt' || k === 'identityHash' ? '' : v))) as unknown;
      expect(strip(viaPrepared)).toEqual(strip(plain));
      expect(builtAchievement(viaPrepared)!.node).toBe(builtAchievement(plain)!.node);
    }
  });

  it('the spliced JWT payload is byte for byte JSON.stringify, whatever the learner data holds', () => {
    fc.assert(
      // Any UTF-16 code units (controls, quotes, backslashes, lone surrogates) in the learner's
      // members and in the payload's top-level strings, which are quoted without JSON.stringify.
      fc.property(fc.string(), fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (name, narrative, title, id) => {
        const r = example('in-ncrf-data-ethics.json');
        r.credentialSubject.name = name;
        r.evidence[0].narrative = `${narrative}"microcred-achievement-${name}`;
        r.name = title;
        r.id = id;
        const payload = jwtPayload(buildCredential(asRequest(r), { issuerId: ISSUER, now: NOW }));
        expect(serializePayload(payload)).toBe(JSON.stringify(payload));
      }),
      { numRuns: 500 },
    );
  });

  it('the payload encoded around the cached achievement is the plain base64url, at every alignment and with any characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), fc.string({ unit: 'binary', maxLength: 40 }), (before, after, achievementName) => {
        const text = JSON.stringify({ name: achievementName });
        const { head, mid, tail } = encodeAround(before, text, after);
        expect(head + mid + tail).toBe(Buffer.from(before + text + after, 'utf8').toString('base64url'));
      }),
      { numRuns: 500 },
    );
    for (const before of ['', 'a', 'ab']) {
      const { head, mid, tail } = encodeAround(before, '{}', 'z');
      expect(head + mid + tail).toBe(Buffer.from(`${before}{}z`).toString('base64url'));
    }
    // Pieces larger than the reused buffer (it grows), then small ones again.
    for (const [before, after] of [['é'.repeat(9000), '😀'.repeat(5000)], ['x', 'y'], ['a'.repeat(70000), '']]) {
      const text = JSON.stringify({ name: 'z'.repeat(30000) });
      const { head, mid, tail } = encodeAround(before!, text, after!);
      expect(head + mid + tail).toBe(Buffer.from(before! + text + after!, 'utf8').toString('base64url'));
    }
  });

  it('signs exactly the plain signing input: the JWT verifies and its payload is JSON.stringify of the credential\'s payload', async () => {
    const { signer } = signerFor(keyFor('ES256'));
    const publicKey = createPublicKey({ key: keyFor('ES256').publicJwk as JsonWebKey, format: 'jwk' });
    // Names of 0, 1 and 2 bytes modulo 3 (multi-byte characters included) start the achievement at each alignment.
    for (const name of ['A', 'Ab', 'Abc', 'é', 'éé', '日本', '😀x']) {
      const r = example('in-ncrf-data-ethics.json');
      r.credentialSubject.name = name;
      const request = { ...asRequest(r), achievement: prepareAchievement(asRequest(r).achievement) };
      const { jwt, credential } = await issueCredential(request, { signer });
      const [h, p, sig] = jwt.split('.') as [string, string, string];
      expect(Buffer.from(p, 'base64url').toString('utf8')).toBe(JSON.stringify(jwtPayload(credential)));
      expect(Buffer.from(p, 'base64url').toString('base64url')).toBe(p);
      expect(cryptoVerify('sha256', Buffer.from(`${h}.${p}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(sig, 'base64url'))).toBe(true);
      // What a batch stores, packed from the signer's pieces, is the packed form of the JWT itself.
      const parts = await signCredentialJwtParts(credential, signer);
      const { before, achievement, after, header, signature } = parts.split!;
      const part = { hash: partHash(achievement), text: achievement };
      expect(packSigned(part, header, signature, before, after)).toBe(packJwt(parts.jwt, part, before, after));
      expect(unpackJwt(packSigned(part, header, signature, before, after), achievement).jwt).toBe(parts.jwt);
    }
  });
});

describe('JSON snapshots', () => {
  it('a value matches a snapshot only if it serializes exactly as the snapshot\'s value does; plain JSON data always has one, and matches it (property)', () => {
    const leaf = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constantFrom(undefined, Number.NaN, -0, Infinity, new Date(0), 1n, 'a', 0, null, () => 1));
    const { value } = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        leaf,
        fc.array(tie('value'), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom('a', 'b', '0', '__proto__', 'toJSON'), tie('value'), { maxKeys: 3 }),
      ),
    }));
    const json = (v: unknown): string | undefined => {
      try {
        return JSON.stringify(v);
      } catch {
        return 'throws';
      }
    };
    let snapshots = 0;
    fc.assert(
      fc.property(value, value, (a, b) => {
        const snapshot = snapshotJson(b);
        const text = json(b);
        // Plain JSON data (what JSON.parse gives) always has a snapshot, and matches it, also as a copy.
        if (text !== undefined && text !== 'throws') {
          const plain = JSON.parse(text) as unknown;
          const own = snapshotJson(plain);
          expect(own).toBeDefined();
          expect(matchesSnapshot(plain, own!)).toBe(true);
          expect(matchesSnapshot(structuredClone(plain), own!)).toBe(true);
        }
        if (snapshot === undefined) return;
        snapshots++;
        expect(text).not.toBe('throws');
        expect(matchesSnapshot(b, snapshot)).toBe(true);
        if (matchesSnapshot(a, snapshot)) expect(json(a)).toBe(text);
      }),
      { numRuns: 3000 },
    );
    expect(snapshots).toBeGreaterThan(500);
    // A value changed in place no longer matches; values JSON would change get no snapshot.
    const given = { name: 'A', address: { city: 'B' } };
    const snapshot = snapshotJson(given)!;
    expect(matchesSnapshot(given, snapshot)).toBe(true);
    given.address.city = 'C';
    expect(matchesSnapshot(given, snapshot)).toBe(false);
    for (const v of [{ a: undefined }, [1, , 2], { d: new Date(0) }, { n: Number.NaN }, { f: () => 1 }]) expect(snapshotJson(v)).toBeUndefined();
    let deep: unknown = 1;
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(snapshotJson(deep)).toBeUndefined();
  });
});

describe('the shared issuer profile, @context, type and credentialSchema', () => {
  /** The issuer profile as the issuer built it before sharing: the request's profile, the id, Profile among the types. */
  function reference(given: Record<string, unknown> | undefined, id: string): unknown {
    const out: Record<string, unknown> = { ...(given ?? {}), id };
    const types = out.type === undefined ? [] : Array.isArray(out.type) ? out.type : [out.type];
    out.type = types.includes('Profile') ? types : ['Profile', ...types];
    return JSON.parse(JSON.stringify(out)) as unknown;
  }

  it('a cohort shares one frozen profile; each credential carries exactly the profile its request gives, also when the caller changes it in place (property)', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(undefined, Number.NaN, -0, Infinity, new Date(0), 'Profile', ['Profile', 'X']));
    const profile = fc.dictionary(fc.constantFrom('name', 'url', 'type', 'id', 'address', '__proto__', '0', 'é'), value, { maxKeys: 4 });
    const step = fc.oneof(
      fc.record({ kind: fc.constant('new' as const), given: fc.option(profile, { nil: undefined }) }),
      fc.record({ kind: fc.constant('mutate' as const), key: fc.constantFrom('name', 'url', 'address'), v: value }),
      fc.record({ kind: fc.constant('id' as const), id: fc.constantFrom(ISSUER, 'did:example:other') }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 8 }), (steps) => {
        let given: Record<string, unknown> | undefined;
        let id = ISSUER;
        let previous: { node: unknown; text: string } | undefined;
        for (const s of steps) {
          if (s.kind === 'new') given = s.given;
          else if (s.kind === 'mutate') (given ??= {})[s.key] = s.v;
          else id = s.id;
          const request = { ...asRequest(example('basic.json')), issuer: given as IssuanceRequest['issuer'] };
          const issuer = buildCredential(request, { issuerId: id, now: NOW }).issuer;
          expect(JSON.parse(JSON.stringify(issuer))).toEqual(reference(given, id));
          expect(Object.isFrozen(issuer)).toBe(true);
          const text = JSON.stringify(issuer);
          if (previous && previous.text === text) expect(issuer, 'the same content is the same shared object').toBe(previous.node);
          previous = { node: issuer, text };
        }
      }),
      { numRuns: 500 },
    );
  });

  it('every example\'s credential has its issuer, @context, type and credentialSchema shared, with their JSON text known', () => {
    for (const file of ['basic.json', 'in-ncrf-data-ethics.json', 'eu-ects-data-literacy.json', 'uk-research-data.json']) {
      const credential = buildCredential(asRequest(example(file)), { issuerId: ISSUER, now: NOW });
      const again = buildCredential(asRequest(example(file)), { issuerId: ISSUER, now: NOW });
      for (const m of ['@context', 'type', 'issuer', 'credentialSchema']) {
        expect(again[m], m).toBe(credential[m]);
        expect(Object.isFrozen(credential[m])).toBe(true);
        expect(sharedParts(credential).find((p) => p.node === credential[m])?.key).toBe(JSON.stringify(credential[m]));
      }
    }
  });

  it('a payload with a toJSON method anywhere on the spliced path serializes as JSON.stringify does', () => {
    const payload = jwtPayload(buildCredential(asRequest(example('in-ncrf-data-ethics.json')), { issuerId: ISSUER, now: NOW }));
    const withDate = { ...payload, awardedDate: new Date(0) };
    const subjectToJson = { ...payload, credentialSubject: { ...(payload.credentialSubject as object), toJSON: (k: string) => `subject under ${k}` } };
    const rootToJson = { ...payload, toJSON: () => ({ replaced: true }) };
    // A learner's member with a toJSON method, the achievement still last in the subject.
    const subjectDate = { ...payload, credentialSubject: { ...(payload.credentialSubject as object) } as Record<string, unknown> };
    (subjectDate.credentialSubject as Record<string, unknown>).activityEndDate = new Date(0);
    expect(Object.keys(subjectDate.credentialSubject as object).at(-1)).toBe('achievement');
    for (const p of [withDate, subjectToJson, rootToJson, subjectDate]) expect(serializePayload(p)).toBe(JSON.stringify(p));
    // A learner's member named __proto__ (as JSON.parse makes it) is a member, not a prototype.
    const r = example('in-ncrf-data-ethics.json');
    r.credentialSubject = { ...(JSON.parse('{"__proto__":{"x":1}}') as object), ...r.credentialSubject } as Req['credentialSubject'];
    const odd = jwtPayload(buildCredential(asRequest(r), { issuerId: ISSUER, now: NOW }));
    expect(JSON.stringify(odd)).toContain('"__proto__":{"x":1}');
    expect(serializePayload(odd)).toBe(JSON.stringify(odd));
  });

  it('the built achievement is the subject\'s last member even when the request\'s subject names one, so the payload is still split around it', async () => {
    const r = example('in-ncrf-data-ethics.json');
    r.credentialSubject = { achievement: { name: 'not this one' }, ...r.credentialSubject } as Req['credentialSubject'];
    const credential = buildCredential(asRequest(r), { issuerId: ISSUER, now: NOW });
    const subject = credential.credentialSubject as Record<string, unknown>;
    expect(Object.keys(subject).at(-1)).toBe('achievement');
    expect(subject.achievement).toBe(builtAchievement(credential)!.node);
    expect((r.credentialSubject as Record<string, unknown>).achievement).toEqual({ name: 'not this one' });
    const payload = jwtPayload(credential);
    expect(serializePayload(payload)).toBe(JSON.stringify(payload));
    const parts = await signCredentialJwtParts(credential, signerFor(keyFor('ES256')).signer);
    expect(parts.split?.achievement).toBe(JSON.stringify(subject.achievement));
  });
});

describe('issueCredentials: a cohort checked first, then signed in a run', () => {
  /** What issueCredential gives for a request: warnings, or the error's code and problems. */
  async function single(request: IssuanceRequest, signer: Signer) {
    try {
      const { warnings } = await issueCredential(request, { signer, now: NOW });
      return { ok: true, warnings };
    } catch (e) {
      if (!(e instanceof MicrocredError)) throw e;
      return { ok: false, code: e.code, problems: e.problems };
    }
  }

  it('gives each request, in order, what issueCredential gives it; failed rows do not stop the others; every JWT verifies', async () => {
    const verify = createVerifier({ fetcher: offlineFetcher, now: NOW });
    const { signer } = signerFor(keyFor('ES256'));
    const syncOnly = signer;
    // A signer without signSync (a KMS, say) takes the other path: a fresh input per signature.
    const asyncOnly: Signer = { alg: signer.alg, kid: signer.kid, publicJwk: signer.publicJwk, sign: (data) => signer.sign(Buffer.from(data)) };
    const achievement = prepareAchievement(asRequest(example('in-ncrf-data-ethics.json')).achievement);
    const requests: IssuanceRequest[] = [
      ...LEARNERS.map(([, change]) => ({ ...asRequest(learner(change)), achievement })),
      { ...asRequest(learner(() => {})), credentialSubject: undefined } as unknown as IssuanceRequest,
      // Shapes no earlier credential had: their JSON-LD verdicts are not known yet, so these rows wait for an expansion.
      { ...asRequest(learner((r) => r.evidence.push(...Array.from({ length: 6 }, () => ({ ...r.evidence[0] }))))), achievement },
      { ...asRequest(learner((r) => (r.credentialSubject[`notATerm${Date.now()}`] = 1))), achievement },
      ...LEARNERS.map(([, change]) => asRequest(learner(change))),
    ];
    for (const s of [syncOnly, asyncOnly]) {
      const many = await issueCredentials(requests, { signer: s, now: NOW });
      expect(many).toHaveLength(requests.length);
      const expected = await Promise.all(requests.map((r) => single(r, s)));
      // Some rows pass and some fail, or the comparison proves little.
      expect(new Set(expected.map((x) => x.ok)).size).toBe(2);
      for (let i = 0; i < requests.length; i++) {
        const got = many[i]!;
        if (!got.ok) {
          expect({ ok: false, code: got.error.code, problems: got.error.problems }, `row ${i}`).toEqual(expected[i]);
          continue;
        }
        expect({ ok: true, warnings: got.warnings }, `row ${i}`).toEqual(expected[i]);
        const [, p] = got.jwt!.split('.') as [string, string, string];
        expect(Buffer.from(p, 'base64url').toString('utf8')).toBe(JSON.stringify(jwtPayload(got.credential)));
        const report = await verify(got.jwt!);
        expect(report.verified, `row ${i}: ${JSON.stringify(report.checks.filter((c: CheckResult) => c.status === 'failed'))}`).toBe(true);
      }
    }
  });

  it('Data Integrity: one proof per credential, each verifying', async () => {
    const verify = createVerifier({ fetcher: offlineFetcher, now: NOW });
    const { signer } = signerFor(keyFor('EdDSA'));
    const many = await issueCredentials([asRequest(learner(() => {})), asRequest(learner(() => {}))], { signer, format: 'di', now: NOW });
    for (const r of many) {
      expect(r.ok && r.jwt === null).toBe(true);
      if (r.ok) expect((await verify(r.credential as Record<string, unknown>)).verified).toBe(true);
    }
  });
});

describe('shallow copies without spread', () => {
  it('copyOwn and assignOwn give what spread gives: the same keys, values and order, and __proto__ as an own property (property)', () => {
    const keys = fc.constantFrom('type', 'id', '__proto__', 'constructor', 'a', 'b', '0', '10', 'é');
    const object = fc.dictionary(keys, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 6 }).map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
    fc.assert(
      fc.property(object, object, (a, b) => {
        const copy = copyOwn(a);
        expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
        expect(Object.entries(copy)).toEqual(Object.entries({ ...a }));
        const merged = assignOwn(copyOwn(a), b);
        expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
        expect(Object.entries(merged)).toEqual(Object.entries({ ...a, ...b }));
        expect(JSON.stringify(merged)).toBe(JSON.stringify({ ...a, ...b }));
      }),
      { numRuns: 1000 },
    );
  });
});

/**
 * A validator told the achievement's content (the per-achievement cache) gives the problems it
 * gives without it, for each case: once filling the cache, once reading it. Only 'valid' is valid.
 */
function expectSameVerdictWithPart(validate: (doc: Req, known?: ReadonlyArray<{ node: object; key: string }>) => unknown[], cases: Array<[string, (c: Req) => void]>): void {
  for (const [name, change] of cases) {
    const doc = structuredClone(buildCredential(asRequest(example('in-ncrf-data-ethics.json')), { issuerId: ISSUER, now: NOW })) as Req;
    change(doc);
    const node = doc.credentialSubject.achievement as object;
    const expected = validate(structuredClone(doc));
    for (let i = 0; i < 2; i++) expect(validate(doc, [{ node, key: JSON.stringify(node) }]), name).toEqual(expected);
    expect(expected.length === 0, name).toBe(name === 'valid');
  }
}

describe('OB 3.0 schema: the achievement validated once per content', () => {
  it('gives the full schema\'s verdict and problems, whether the achievement or the rest is wrong', () => {
    const cases: Array<[string, (c: Req) => void]> = [
      ['valid', () => {}],
      ['achievement name is a number', (c) => (c.credentialSubject.achievement.name = 5)],
      ['achievement without criteria', (c) => delete c.credentialSubject.achievement.criteria],
      ['validFrom is not a date-time', (c) => (c.validFrom = 'yesterday')],
      ['subject without type', (c) => delete c.credentialSubject.type],
    ];
    expectSameVerdictWithPart(validateAchievementCredential, cases);
  });
});

describe('extension schema: the achievement validated once per content', () => {
  it('gives the full extension schema\'s verdict and problems, whether the achievement\'s qualityBenchmark or the learner\'s record is wrong', () => {
    const cases: Array<[string, (c: Req) => void]> = [
      ['valid', () => {}],
      ['qualityBenchmark.profile is not an array', (c) => (c.credentialSubject.achievement.qualityBenchmark.profile = 'IN-NCRF')],
      ['qualityBenchmark with an unknown member', (c) => (c.credentialSubject.achievement.qualityBenchmark.unknownMember = 1)],
      ['qualityBenchmark is not an object', (c) => (c.credentialSubject.achievement.qualityBenchmark = 'x')],
      ['record with a wrong identityVerified', (c) => (c.credentialSubject.qualityBenchmarkRecord.identityVerified = 'yes')],
      ['both wrong', (c) => {
        c.credentialSubject.achievement.qualityBenchmark.creditValue = -1;
        c.credentialSubject.qualityBenchmarkRecord.unknownMember = 1;
      }],
    ];
    expectSameVerdictWithPart(validateExtensionSchemas, cases);
  });
});

describe('JSON-LD shape', () => {
  it('a part stands for its content: the verdict is that of a full expansion, with or without it', async () => {
    const ok = buildCredential(asRequest(example('in-ncrf-data-ethics.json')), { issuerId: ISSUER, now: NOW });
    const badReq = example('in-ncrf-data-ethics.json');
    badReq.achievement.notATerm = 'x';
    const bad = buildCredential(asRequest(badReq), { issuerId: ISSUER, now: NOW });
    for (const doc of [ok, bad, ok, bad]) {
      const expected = await checkJsonLdTerms(structuredClone(doc));
      expect(await checkJsonLdTermsCached(doc, [builtAchievement(doc)!])).toEqual(expected);
      expect(await checkJsonLdTermsCached(doc, sharedParts(doc))).toEqual(expected);
      expect(await checkJsonLdTermsCached(structuredClone(doc))).toEqual(expected);
    }
    expect((await checkJsonLdTerms(bad)).map((p) => p.code)).toContain('MC_JSONLD_UNDEFINED_TERM');
  });

  it('member names cannot imitate the encoding of other members (no shape collisions)', async () => {
    const doc = structuredClone(buildCredential(asRequest(example('basic.json')), { issuerId: ISSUER, now: NOW })) as Req;
    // Under a plain "name\0shape," encoding these two objects would share a shape.
    const honest = { ...doc, name: 'A', description: 'B' };
    const forged = { ...doc, ['name\u0000s,description']: 'A' } as Req;
    delete forged.name;
    delete forged.description;
    expect(jsonLdShape(forged)).not.toBe(jsonLdShape(honest));
    await checkJsonLdTermsCached(honest);
    expect((await checkJsonLdTermsCached(forged)).map((p) => p.code)).toContain('MC_JSONLD_UNDEFINED_TERM');
  });

  it('a document matches a shape in place exactly when its own shape equals it (property)', () => {
    // Few names and values, so that equal and nearly equal shapes come up often.
    const { doc } = fc.letrec((tie) => ({
      doc: fc.oneof(
        { depthSize: 'small' },
        fc.constantFrom(null, undefined, true, 0, 12, 'x', 'https:x', 'a:b', '', 'Profile', 'ProfileX'),
        fc.array(tie('doc'), { maxLength: 4 }),
        fc.sparseArray(tie('doc'), { maxLength: 4 }),
        fc.dictionary(fc.constantFrom('type', '@context', 'id', 'a', 'b', 'name\u0000s', 'é', 'k'.repeat(12)), tie('doc'), { maxKeys: 4 }),
      ),
    }));
    fc.assert(
      fc.property(doc, doc, (a, b) => {
        expect(matchesShape(a, jsonLdShapeTree(a))).toBe(true);
        expect(matchesShape(a, jsonLdShapeTree(b))).toBe(jsonLdShape(a) === jsonLdShape(b));
        expect(matchesShape(b, jsonLdShapeTree(a))).toBe(jsonLdShape(a) === jsonLdShape(b));
      }),
      { numRuns: 3000 },
    );
    const credential = buildCredential(asRequest(example('in-ncrf-data-ethics.json')), { issuerId: ISSUER, now: NOW });
    const parts = sharedParts(credential);
    // The achievement, issuer profile, @context, type and credentialSchema.
    expect(parts.map((p) => (p.node === (credential.credentialSubject as Req).achievement ? 'achievement' : Object.keys(credential).find((k) => credential[k] === p.node)))).toEqual(['achievement', '@context', 'type', 'issuer', 'credentialSchema']);
    for (const p of [parts, [parts[0]!]]) {
      expect(matchesShape(credential, jsonLdShapeTree(credential, p), p)).toBe(true);
      expect(matchesShape(credential, jsonLdShapeTree(credential, p))).toBe(false);
      expect(matchesShape({ ...credential, validFrom: 5 }, jsonLdShapeTree(credential, p), p)).toBe(false);
    }
  });

  it('absolute IRIs are told from other strings as RFC 3986 says (property)', () => {
    const scheme = /^[a-z][a-z0-9+.-]*:/i;
    const chars = fc.constantFrom(...'aZz09+.-:/ é_@[`{'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 12 }).map((c) => c.join('')), (s) => {
        expect(jsonLdShape({ x: s })).toBe(`{1\u0000x${scheme.test(s) ? 'i' : 's'},}`);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('strict base64url', () => {
  it('refuses exactly the non-canonical encodings (property, against re-encoding)', () => {
    const reference = (s: string): boolean => /^[A-Za-z0-9_-]*$/.test(s) && s.length % 4 !== 1 && Buffer.from(s, 'base64url').toString('base64url') === s;
    const alphabet = fc.constantFrom(...'AQgwBCDEFG_-z09+/='.split(''));
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 11 }).map((c) => c.join('')), (s) => {
        const out = decodeBase64url(s);
        expect(out !== null).toBe(reference(s));
        if (out) expect(Buffer.from(out).toString('base64url')).toBe(s);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('credential text with a known achievement', () => {
  const achievement = { id: 'urn:uuid:0d3c9c57-7a4f-4a35-9d0c-4c2b8f1f2e01', type: ['Achievement'], name: 'Data \\ "ethics"', criteria: { narrative: 'a "quoted" narrative: {"achievement":1}' }, alignment: [{ targetCode: 'x', n: 2 }] };
  const A = JSON.stringify(achievement);
  const doc = (subject: string, before = '', after = '') => `{${before}"id":"urn:x","credentialSubject":${subject}${after}}`;

  it('is parsed once and shared, frozen, with its text as the cache key', () => {
    const first = parseCredentialJson(doc(`{"id":"did:a","achievement":${A}}`));
    const second = parseCredentialJson(doc(`{"id":"did:b","achievement":${A}}`));
    expect(first.ok && second.ok).toBe(true);
    const a1 = (first as { value: { credentialSubject: { achievement: object } } }).value.credentialSubject.achievement;
    const a2 = (second as { value: { credentialSubject: { achievement: object; id: string } } }).value.credentialSubject;
    expect(a2.id).toBe('did:b');
    expect(a2.achievement).toEqual(achievement);
    expect(Object.isFrozen(a2.achievement) && Object.isFrozen((a2.achievement as { criteria: object }).criteria)).toBe(true);
    expect(knownAchievementText(a2.achievement)).toBe(A);
    expect(knownAchievementText(a1)).toBe(A);
  });

  it('gives exactly the strict parser\'s answer for any text around it, hostile or broken (property)', () => {
    parseCredentialJson(doc(`{"achievement":${A}}`)); // learned
    const pieces = fc.constantFrom(
      `{"achievement":${A}}`, `{"achievement":${A},"achievement":{}}`, `{"achievement": ${A}}`, `[{"achievement":${A}}]`,
      `{"achievement":${A}5}`, `{"achievement":${JSON.stringify(A)}}`, `{"achievement":"\\"}`, '{"id":"\\","achievement":', `"achievement":${A}`, A, '{', '}', ',', '"', '\\', ':', '"a":1,', '"achievement":', `${A}}`,
    );
    const text = fc.tuple(fc.array(pieces, { minLength: 1, maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })).map(([parts, extra]) => {
      const body = parts.join('');
      return [doc(body), doc(body, `"x":${JSON.stringify(extra)},`), `{"achievement":${A},"credentialSubject":${body}}`, doc(`{"achievement":${A}}`, '', `,"v":${body}`)];
    });
    const same = (t: string) => {
      const fast = parseCredentialJson(t);
      const reference = parseStrictJson(t);
      expect(fast.ok, t).toBe(reference.ok);
      if (fast.ok && reference.ok) expect(fast.value, t).toEqual(reference.value);
      if (!fast.ok && !reference.ok) expect(fast.code, t).toBe(reference.code);
    };
    fc.assert(fc.property(text, (texts) => texts.forEach(same)), { numRuns: 3000 });
  });

  it('an achievement too deep to share is still refused by depth, and a shared one counts toward it', () => {
    const deep = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    // The achievement object sits at depth 3, so its own depth of 62 reaches the limit of 64.
    const nested = JSON.stringify({ id: 'urn:deep', x: JSON.parse(deep(61)) });
    expect(parseCredentialJson(doc(`{"achievement":${nested}}`)).ok).toBe(true);
    expect(parseCredentialJson(doc(`{"id":"did:other","achievement":${nested}}`)).ok).toBe(true);
    const deeper = doc(`{"achievement":${nested}}`).replace('"id":"urn:x"', `"w":${deep(64)}`);
    expect(parseCredentialJson(deeper)).toMatchObject({ ok: false, code: 'MC_JSON_TOO_DEEP' });
    const tooDeep = JSON.stringify({ id: 'urn:deeper', x: JSON.parse(deep(62)) });
    expect(parseCredentialJson(doc(`{"achievement":${tooDeep}}`))).toMatchObject({ ok: false, code: 'MC_JSON_TOO_DEEP' });
  });
});

describe('packed batch JWTs', () => {
  it('unpack gives back the signed JWT and payload for any text around any part (property)', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 40 });
    fc.assert(
      fc.property(text, text, text, fc.base64String(), (before, part, after, sig) => {
        const payloadText = before + part + after;
        const jwt = `eyJhbGciOiJFZERTQSJ9.${Buffer.from(payloadText).toString('base64url')}.${Buffer.from(sig).toString('base64url')}`;
        const p = { hash: partHash(part), text: part };
        const packed = packJwt(jwt, p, before, after);
        expect(isPackedJwt(packed) && !isPackedJwt(jwt)).toBe(true);
        expect(packedPartHash(packed)).toBe(p.hash);
        expect(unpackJwt(packed, part)).toEqual({ jwt, payloadText });
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses parts that do not make up the payload', () => {
    const jwt = `eyJhbGciOiJFZERTQSJ9.${Buffer.from('{"a":{"b":1},"c":2}').toString('base64url')}.c2ln`;
    expect(() => packJwt(jwt, { hash: partHash('{"b":1}'), text: '{"b":1}' }, '{"a":', ',"c":2}')).not.toThrow();
    expect(() => packJwt(jwt, { hash: partHash('{"b":12}'), text: '{"b":12}' }, '{"a":', ',"c":2}')).toThrow(/do not make up/);
    expect(() => packJwt('not-a-jws', { hash: 'h', text: '' }, '', '')).toThrow(/compact JWS/);
  });
});

describe('the verifier with the caches', () => {
  it('two learners of one achievement: each report equals the report of a verifier that never cached', async () => {
    const key = keyFor('ES256');
    const { signer } = signerFor(key);
    const verify = createVerifier({ fetcher: offlineFetcher, now: NOW });
    const benchmarkOf = (checks: CheckResult[]) => checks.filter((c) => c.check === 'benchmark');
    for (const [name, change] of [LEARNERS[0]!, LEARNERS[2]!, LEARNERS[0]!, LEARNERS[3]!]) {
      const r = learner(change);
      // The issuer refuses failing learners; sign what a careless issuer could have signed.
      const built = buildCredential(asRequest(r), { issuerId: signer.kid.split('#')[0]!, now: NOW });
      const { jwt } = await issueCredential({ ...asRequest(r), id: built.id }, { signer, now: NOW }).catch(async () => {
        const { signCredentialJwt } = await import('../src/issuer/jwt/sign.js');
        return { jwt: await signCredentialJwt(built, signer) };
      });
      const report = await verify(jwt);
      // Reference: the same credential as an object (never cached), judged by the rules directly.
      const reference = evaluateBenchmarks(structuredClone(report.credential!), { now: NOW });
      expect(benchmarkOf(report.checks).map((c) => c.details), name).toEqual(reference.reports);
    }
  });
});
