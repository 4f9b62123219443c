/**
 * The quality-benchmark profiles end to end: every example request lints clean and passes JSON-LD
 * safe mode, issues and verifies with one benchmark check per profile; the extension schema and
 * context refuse what they do not define; stacking several credentials of one learner; and the
 * lint, stack and profiles commands of the CLI.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueCredential, jwtPayload, lintRequest, MicrocredError } from '../src/issuer/index.js';
import { loadProfiles, stackCredentials, verifyCredential, type ProfileReport, type StackReport } from '../src/verifier/index.js';
import { checkJsonLdTerms } from '../src/lib/jsonld/expand.js';
import { EXAMPLE_FILES, NOW, asRequest, example, qbOf, resizeNcrf, type Req } from './helpers/benchmark.js';
import { REPO, checkOf, forge, keyFor, offlineFetcher, signerFor } from './helpers/tokens.js';

const IN = 'in-ncrf-data-ethics.json';
const EU = 'eu-ects-data-literacy.json';
const APAAR = '123456789012';
const LEARNER = { identityType: 'ext:APAAR', identifier: APAAR };

const key = keyFor('ES256');
const { signer, kid } = signerFor(key);

async function issue(r: Req, now: Date = NOW) {
  return issueCredential(asRequest(r), { signer, now });
}

async function refusal(r: Req): Promise<MicrocredError> {
  const e = await issue(r).then(
    () => null,
    (x: unknown) => x,
  );
  expect(e, 'expected the issuer to refuse').toBeInstanceOf(MicrocredError);
  return e as MicrocredError;
}

/** Re-sign a credential after changing it, with the issuer's own key (what a dishonest issuer could do). */
function resign(credential: Record<string, unknown>, change: (payload: Req) => void): string {
  const payload = structuredClone(jwtPayload(credential as Parameters<typeof jwtPayload>[0])) as Req;
  change(payload);
  return forge({ alg: 'ES256', kid, typ: 'JWT' }, payload, key);
}

const benchmarkChecks = (report: { checks: Array<{ check: string }> }) =>
  report.checks.filter((c) => c.check === 'benchmark') as Array<{ check: string; status: string; code: string; message: string; details?: unknown }>;

describe('every example request', () => {
  it('there is one example per profile (and basic.json without the extension)', () => {
    const declared = EXAMPLE_FILES.flatMap((f) => (example(f).achievement.qualityBenchmark?.profile ?? []) as string[]);
    expect([...new Set(declared)].sort()).toEqual([...loadProfiles().keys()].filter((p) => p !== 'MC-BASE').sort());
    expect(EXAMPLE_FILES).toContain('basic.json');
  });

  it.each(EXAMPLE_FILES)('%s lints clean and every term is defined (JSON-LD safe mode)', async (file) => {
    const lint = await lintRequest(asRequest(example(file)), { now: NOW });
    expect(lint.problems).toEqual([]);
    expect(lint.ok).toBe(true);
    expect(lint.benchmark!.unknown).toEqual([]);
    expect(lint.benchmark!.reports.every((r) => r.status !== 'failed')).toBe(true);
    expect(await checkJsonLdTerms(lint.credential!)).toEqual([]);
  });
});

describe('the extension is closed: undefined terms and values are refused', () => {
  it('a misspelt extension property (qualityBenchmark.credits) is an undefined JSON-LD term', async () => {
    const r = example(IN);
    qbOf(r).credits = 2;
    const e = await refusal(r);
    expect(e.code).toBe('MC_CREDENTIAL_INVALID');
    expect(e.problems).toContainEqual(expect.objectContaining({ code: 'MC_JSONLD_UNDEFINED_TERM', path: '/credentialSubject/achievement/qualityBenchmark/credits', message: expect.stringContaining('"credits"') }));
    // The extension schema (additionalProperties: false) says so too.
    expect(e.problems.some((p) => p.code === undefined && p.path.startsWith('/credentialSubject/achievement/qualityBenchmark'))).toBe(true);
  });

  it('an undefined property of the subject is caught by JSON-LD alone (the OB schema allows extra properties)', async () => {
    const r = example(IN);
    r.credentialSubject.favouriteColour = 'teal';
    const e = await refusal(r);
    expect(e.code).toBe('MC_CREDENTIAL_INVALID');
    expect(e.problems).toEqual([expect.objectContaining({ code: 'MC_JSONLD_UNDEFINED_TERM', path: '/credentialSubject/favouriteColour' })]);
  });

  it('a value outside the extension schema (modeOfDelivery "telepathy") is refused at its path', async () => {
    const r = example(IN);
    qbOf(r).modeOfDelivery = 'telepathy';
    const e = await refusal(r);
    expect(e.code).toBe('MC_CREDENTIAL_INVALID');
    expect(e.problems).toContainEqual(expect.objectContaining({ path: '/credentialSubject/achievement/qualityBenchmark/modeOfDelivery', message: expect.stringMatching(/must be one of/) }));
  });
});

describe('issue and verify every example', () => {
  const profiles = loadProfiles();

  it.each(EXAMPLE_FILES)('%s: verified, with one benchmark check per evaluated profile listing every rule', async (file) => {
    const r = example(file);
    const declared = (r.achievement.qualityBenchmark?.profile ?? []) as string[];
    const issued = await issue(r);
    const report = await verifyCredential(issued.jwt, { fetcher: offlineFetcher, now: NOW });
    expect(report.verified, JSON.stringify(report.checks.filter((c) => c.status !== 'passed'))).toBe(true);

    const checks = benchmarkChecks(report);
    expect(checks.map((c) => (c.details as ProfileReport).profile)).toEqual(['MC-BASE', ...declared]);
    for (const c of checks) {
      const details = c.details as ProfileReport;
      const profile = profiles.get(details.profile)!;
      expect(details.rules.map((x) => x.id)).toEqual(profile.rules.map((x) => x.id));
      for (const rule of details.rules) expect(['passed', 'not-applicable', 'warning', 'info']).toContain(rule.status);
      expect(c.status).toBe(details.status);
      expect(c.code).toBe(details.status === 'warning' ? 'MC_BENCHMARK_WARNINGS' : 'MC_OK');
      expect(c.message).toMatch(new RegExp(`^${details.profile}: \\d+ passed`));
    }

    if (declared.length) {
      const required = await verifyCredential(issued.jwt, { fetcher: offlineFetcher, now: NOW, requireProfiles: declared });
      expect(required.verified).toBe(true);
    }
  });

  it('requiring a profile the credential does not claim fails with MC_PROFILE_NOT_CLAIMED', async () => {
    const issued = await issue(example(IN));
    const report = await verifyCredential(issued.jwt, { fetcher: offlineFetcher, now: NOW, requireProfiles: ['EU-2022'] });
    expect(report.verified).toBe(false);
    const failed = benchmarkChecks(report).filter((c) => c.status === 'failed');
    expect(failed).toEqual([expect.objectContaining({ code: 'MC_PROFILE_NOT_CLAIMED', message: expect.stringContaining('EU-2022'), details: { profile: 'EU-2022' } })]);
    // It is not evaluated either: requiring is not the same as declaring.
    expect(benchmarkChecks(report).map((c) => (c.details as { profile: string }).profile)).toEqual(['MC-BASE', 'IN-NCrF', 'IN-ABC', 'EU-2022']);
  });

  it('a credential re-signed with more credits earned than available fails OB-CREDIT-EARNED at verify time', async () => {
    const { credential } = await issue(example(IN));
    const token = resign(credential, (p) => {
      p.credentialSubject.creditsEarned = 3;
    });
    const report = await verifyCredential(token, { fetcher: offlineFetcher, now: NOW });
    expect(checkOf(report, 'signature').status).toBe('passed');
    expect(report.verified).toBe(false);
    const base = benchmarkChecks(report).find((c) => (c.details as ProfileReport).profile === 'MC-BASE')!;
    expect(base).toMatchObject({ status: 'failed', code: 'MC_BENCHMARK_FAILED' });
    expect(base.message).toContain('OB-CREDIT-EARNED: creditsEarned 3 exceeds creditsAvailable 2');
    expect((base.details as ProfileReport).rules.find((x) => x.id === 'OB-CREDIT-EARNED')).toMatchObject({ status: 'failed', detail: 'creditsEarned 3 exceeds creditsAvailable 2' });
    // Only that: the other checks still pass.
    expect(report.checks.filter((c) => c.status === 'failed').map((c) => c.check)).toEqual(['benchmark']);
  });

  it('credits past their ABC shelf life are a note at verify time, not a failure', async () => {
    const { jwt } = await issue(example(IN));
    const report = await verifyCredential(jwt, { fetcher: offlineFetcher, now: new Date('2033-01-01T00:00:00Z') });
    expect(report.verified).toBe(true);
    const abc = benchmarkChecks(report).find((c) => (c.details as ProfileReport).profile === 'IN-ABC')!;
    expect((abc.details as ProfileReport).rules.find((x) => x.id === 'IN-ABC-EXPIRED')).toMatchObject({ status: 'info' });
    expect(abc.message).toMatch(/1 notes/);
  });
});

/** An IN request for the same learner and a different course of `credits` NCrF credits. */
function inCourse(slug: string, credits: number, apaar = APAAR): Req {
  const r = example(IN);
  resizeNcrf(r, credits);
  r.achievement.id = `https://eit.example.in/micro-credentials/${slug}/v1`;
  r.achievement.name = `Course ${slug}`;
  r.achievement.description = `A ${credits}-credit online micro-credential (NCrF level 5.5).`;
  r.credentialSubject.identifier[0].identifier = apaar;
  if (apaar !== APAAR) r.credentialSubject.identifier[1].identifier = 'rahul.verma@student.example.in';
  return r;
}

function tamper(jwt: string): string {
  const [h, p, s] = jwt.split('.') as [string, string, string];
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Req;
  payload.credentialSubject.creditsEarned = 5;
  return `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
}

describe('stacking credentials of one learner', () => {
  const jwts: Record<string, string> = {};

  beforeAll(async () => {
    jwts.ethics = (await issue(inCourse('data-ethics-101', 2))).jwt;
    jwts.ml = (await issue(inCourse('applied-ml-201', 4))).jwt;
    jwts.viz = (await issue(inCourse('data-viz-110', 3))).jwt;
    jwts.ethicsAgain = (await issue(inCourse('data-ethics-101', 2))).jwt;
    jwts.stranger = (await issue(inCourse('cloud-101', 2, '987654321098'))).jwt;
    jwts.tampered = tamper((await issue(inCourse('security-120', 2))).jwt);
    const short = inCourse('sql-090', 1);
    qbOf(short).creditBank.redeemableUntil = '2027-06-30';
    jwts.shortLived = (await issue(short)).jwt;
    const eu = example(EU);
    eu.credentialSubject.identifier = [{ identityType: 'ext:APAAR', identifier: APAAR }];
    jwts.ects = (await issue(eu)).jwt;
  });

  const bundle = (...names: string[]) => names.map((n) => ({ label: n, input: jwts[n]! }));
  const byLabel = (report: StackReport, label: string) => report.credentials.find((c) => c.label === label)!;

  it('totals verified, distinct credits of the learner; leaves out the duplicate, the stranger and the tampered one', async () => {
    const report = await stackCredentials(bundle('ethics', 'ml', 'viz', 'ethicsAgain', 'stranger', 'tampered'), { recipient: LEARNER, now: NOW, fetcher: offlineFetcher });
    expect(report.totals).toEqual([{ creditSystem: 'NCrF', level: 'NCrF 5.5', credits: 9, count: 3 }]);
    expect(report.pastShelfLife).toEqual([]);
    expect(report.credentials.map((c) => [c.label, c.credits, c.excluded])).toEqual([
      ['ethics', 2, null],
      ['ml', 4, null],
      ['viz', 3, null],
      ['ethicsAgain', 2, 'duplicate of ethics (same achievement)'],
      ['stranger', 2, 'not shown to belong to this learner'],
      ['tampered', 5, 'not verified'],
    ]);
    expect(byLabel(report, 'stranger')).toMatchObject({ verified: true, recipientConfirmed: false });
    expect(byLabel(report, 'tampered')).toMatchObject({ verified: false, recipientConfirmed: false });
    expect(byLabel(report, 'ethicsAgain')).toMatchObject({ verified: true, recipientConfirmed: true });
    // The bundle as handed in is not one learner's: someone else's badge is in it.
    expect(report.learner.confirmed).toBe(false);
    expect(report.notes).toEqual([{ rule: 'IN-EXIT-STACK', status: 'info', message: '9 NCrF credits; 31 more for a UG certificate (with a 4-credit vocational course)' }]);
    expect(report.reports).toHaveLength(6);
  });

  it('a bundle of the learner\'s own verified credentials confirms the learner (duplicates do not matter)', async () => {
    const report = await stackCredentials(bundle('ethics', 'ml', 'viz', 'ethicsAgain'), { recipient: LEARNER, now: NOW, fetcher: offlineFetcher });
    expect(report.learner).toEqual({ confirmed: true, how: 'each verified credential checked against the given recipient identifier' });
    expect(report.totals).toEqual([{ creditSystem: 'NCrF', level: 'NCrF 5.5', credits: 9, count: 3 }]);
  });

  it('without the learner\'s identifier, hashed identifiers confirm nobody', async () => {
    const report = await stackCredentials(bundle('ethics', 'ml'), { now: NOW, fetcher: offlineFetcher });
    expect(report.learner.confirmed).toBe(false);
    expect(report.learner.how).toMatch(/--recipient/);
    expect(report.totals).toEqual([]);
    expect(report.credentials.every((c) => c.excluded === 'not shown to belong to this learner')).toBe(true);
  });

  it('credits past their ABC shelf life are totalled apart and not counted', async () => {
    const at2028 = await stackCredentials(bundle('ethics', 'shortLived'), { recipient: LEARNER, now: new Date('2028-01-01T00:00:00Z'), fetcher: offlineFetcher });
    expect(at2028.totals).toEqual([{ creditSystem: 'NCrF', level: 'NCrF 5.5', credits: 2, count: 1 }]);
    expect(at2028.pastShelfLife).toEqual([{ creditSystem: 'NCrF', level: 'NCrF 5.5', credits: 1, count: 1 }]);
    expect(byLabel(at2028, 'shortLived')).toMatchObject({ verified: true, pastShelfLife: true, redeemableUntil: '2027-06-30', excluded: 'past its credit-bank shelf life (2027-06-30)' });
    expect(at2028.learner.confirmed).toBe(true);

    const at2033 = await stackCredentials(bundle('ethics', 'ml', 'viz'), { recipient: LEARNER, now: new Date('2033-01-01T00:00:00Z'), fetcher: offlineFetcher });
    expect(at2033.credentials.every((c) => c.verified && c.pastShelfLife)).toBe(true);
    expect(at2033.totals).toEqual([]);
    expect(at2033.pastShelfLife).toEqual([{ creditSystem: 'NCrF', level: 'NCrF 5.5', credits: 9, count: 3 }]);
    expect(at2033.notes).toEqual([]);
  });

  it('two credit systems are totalled separately and never converted', async () => {
    const report = await stackCredentials(bundle('ethics', 'ects', 'ml'), { recipient: LEARNER, now: NOW, fetcher: offlineFetcher });
    expect(report.learner.confirmed).toBe(true);
    expect(report.totals).toEqual([
      { creditSystem: 'ECTS', level: 'EQF 6', credits: 3, count: 1 },
      { creditSystem: 'NCrF', level: 'NCrF 5.5', credits: 6, count: 2 },
    ]);
    expect(report.notes).toContainEqual({ rule: 'X-NO-CROSS-CONVERSION', status: 'info', message: 'credits in NCrF, ECTS are totalled separately; credit systems are never converted into one another' });
    // The NCrF exit points count NCrF credits only.
    expect(report.notes).toContainEqual(expect.objectContaining({ rule: 'IN-EXIT-STACK', message: expect.stringMatching(/^6 NCrF credits/) }));
  });

  // Doubt/bug (src/verifier/stack.ts, stackCredentials, `confirmed = reports.map((r) =>
  // recipientMatches(r, options.recipient!))`): recipientMatches is false for any unverified
  // report, so a single tampered credential makes `learner.confirmed` false and the "how" claims
  // each credential was checked against the recipient, although every verified credential is the
  // learner's. What is wrong with that credential is already said by `verified: false` and
  // `excluded: 'not verified'` (and the CLI exits 1 for it). A stranger's credential, by contrast,
  // rightly makes the learner unconfirmed (see above). Fix: judge the learner on verified
  // credentials only, e.g. `learner.confirmed = confirmed.every((c, i) => c || !reports[i]!.verified)`.
  it('a tampered credential does not make the learner of the other, verified credentials unconfirmed', async () => {
    const report = await stackCredentials(bundle('ethics', 'ml', 'tampered'), { recipient: LEARNER, now: NOW, fetcher: offlineFetcher });
    expect(byLabel(report, 'tampered').excluded).toBe('not verified');
    expect(report.totals).toEqual([{ creditSystem: 'NCrF', level: 'NCrF 5.5', credits: 6, count: 2 }]);
    expect(report.learner.confirmed).toBe(true);
  });

  // Bug (src/verifier/stack.ts, stackCredentials, no-recipient branch: `const first = ids.find((x)
  // => typeof x === 'string')`): without --recipient the learner is the subject id of the first
  // credential that has one, whether or not that credential verified. A forged or tampered
  // credential placed first decides who the learner is, and every genuine credential is then
  // "not shown to belong to this learner"; the same bundle in another order gives another total.
  // Fix: take `first` from verified reports only (ids.find((x, i) => reports[i]!.verified && …)).
  it('without a recipient, an unverified credential does not decide who the learner is', async () => {
    const withId = (slug: string, credits: number, did: string) => {
      const r = inCourse(slug, credits);
      r.credentialSubject.id = did;
      return r;
    };
    const mallory = tamper((await issue(withId('security-120', 2, 'did:example:mallory'))).jwt);
    const a = (await issue(withId('data-ethics-101', 2, 'did:example:priya'))).jwt;
    const b = (await issue(withId('applied-ml-201', 4, 'did:example:priya'))).jwt;
    const inputs = [
      { label: 'forged', input: mallory },
      { label: 'a', input: a },
      { label: 'b', input: b },
    ];
    const genuineFirst = await stackCredentials([inputs[1]!, inputs[2]!, inputs[0]!], { now: NOW, fetcher: offlineFetcher });
    expect(genuineFirst.totals).toEqual([{ creditSystem: 'NCrF', level: 'NCrF 5.5', credits: 6, count: 2 }]);
    const forgedFirst = await stackCredentials(inputs, { now: NOW, fetcher: offlineFetcher });
    expect(forgedFirst.totals).toEqual(genuineFirst.totals);
  });

  it('IN-MC-50: 9 micro-credential credits toward a 10-credit degree exceed the 50 % cap', async () => {
    const over = await stackCredentials(bundle('ethics', 'ml', 'viz'), { recipient: LEARNER, now: NOW, fetcher: offlineFetcher, degreeCredits: 10 });
    expect(over.notes).toContainEqual({ rule: 'IN-MC-50', status: 'failed', message: '9 micro-credential credits against a cap of 5 (50 % of 10) for a degree at a general university' });
    const within = await stackCredentials(bundle('ethics', 'ml', 'viz'), { recipient: LEARNER, now: NOW, fetcher: offlineFetcher, degreeCredits: 120 });
    expect(within.notes).toContainEqual(expect.objectContaining({ rule: 'IN-MC-50', status: 'passed' }));
  });
});

// ─── CLI ──────────────────────────────────────────────────────────────────────────────────────

const BIN = join(REPO, 'dist/cli/main.js');
const dir = mkdtempSync(join(tmpdir(), 'mc-bench-'));

function cli(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, input, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('CLI: stack', () => {
  const files: Record<string, string> = {};

  beforeAll(async () => {
    const write = (name: string, jwt: string) => {
      files[name] = join(dir, `${name}.jwt`);
      writeFileSync(files[name], jwt + '\n');
    };
    write('ethics', (await issue(inCourse('data-ethics-101', 2))).jwt);
    write('ml', (await issue(inCourse('applied-ml-201', 4))).jwt);
    write('viz', (await issue(inCourse('data-viz-110', 3))).jwt);
    write('stranger', (await issue(inCourse('cloud-101', 2, '987654321098'))).jwt);
    write('tampered', tamper((await issue(inCourse('security-120', 2))).jwt));
  });

  const stack = (names: string[], ...extra: string[]) => cli(['stack', ...names.map((n) => files[n]!), '--recipient', APAAR, '--identity-type', 'ext:APAAR', '--now', '2026-01-01T00:00:00Z', ...extra]);

  it('--json prints the report without the full verification reports; exit 0 when all is well', () => {
    const r = stack(['ethics', 'ml', 'viz'], '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown> & StackReport;
    expect(Object.keys(out)).toEqual(['learner', 'credentials', 'totals', 'pastShelfLife', 'notes']);
    expect(out.learner.confirmed).toBe(true);
    expect(out.totals).toEqual([{ creditSystem: 'NCrF', level: 'NCrF 5.5', credits: 9, count: 3 }]);
    expect(out.credentials.map((c) => c.label)).toEqual([files.ethics, files.ml, files.viz]);
    expect(Object.keys(out.credentials[0]!).sort()).toEqual(['achievementId', 'creditSystem', 'credits', 'excluded', 'id', 'index', 'label', 'level', 'name', 'pastShelfLife', 'recipientConfirmed', 'redeemableUntil', 'verified'].sort());
  });

  it('exit 1 when a credential is not verified or not the learner\'s', () => {
    const r = stack(['ethics', 'ml', 'viz', 'stranger', 'tampered'], '--json');
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as StackReport;
    expect(out.totals).toEqual([{ creditSystem: 'NCrF', level: 'NCrF 5.5', credits: 9, count: 3 }]);
    expect(out.credentials.map((c) => c.excluded)).toEqual([null, null, null, 'not shown to belong to this learner', 'not verified']);
    expect(stack(['ethics', 'tampered']).code).toBe(1);
  });

  it('exit 1 when a stacking rule fails (--degree-credits)', () => {
    const r = stack(['ethics', 'ml', 'viz'], '--degree-credits', '10');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ IN-MC-50: 9 micro-credential credits against a cap of 5/m);
  });

  it('the table shows each credential and the totals line', () => {
    const r = stack(['ethics', 'ml', 'viz', 'stranger']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^learner: NOT confirmed \(each verified credential checked against the given recipient identifier\)$/m);
    expect(r.stdout).toMatch(/^file +achievement +system +credits +level +status *$/m);
    expect(r.stdout).toMatch(/Course applied-ml-201 +NCrF +4 +NCrF 5\.5 +counted/);
    expect(r.stdout).toMatch(/Course cloud-101 +NCrF +2 +NCrF 5\.5 +not shown to belong to this learner/);
    expect(r.stdout).toContain('verified credits:\n  NCrF at NCrF 5.5: 9 credits from 3 credential(s)\n');
    expect(r.stdout).toMatch(/^i IN-EXIT-STACK: 9 NCrF credits; 31 more for a UG certificate/m);
  });

  it('past shelf life is listed apart (--now after redeemableUntil)', () => {
    const r = cli(['stack', files.ethics!, files.ml!, '--recipient', APAAR, '--identity-type', 'ext:APAAR', '--now', '2033-01-01T00:00:00Z']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('verified credits:\n  none\n  past shelf life, not counted: 6 NCrF credits\n');
  });

  it('usage errors exit 2', () => {
    const zero = stack(['ethics'], '--degree-credits', '0');
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/MC_USAGE: --degree-credits must be a positive number/);
    const soon = cli(['stack', files.ethics!, '--now', 'soon']);
    expect(soon.code).toBe(2);
    expect(soon.stderr).toMatch(/MC_USAGE: --now soon is not a date-time/);
  });
});

describe('CLI: lint and profiles', () => {
  it('lint exits 0 on the IN example', () => {
    const r = cli(['lint', 'examples/requests/in-ncrf-data-ethics.json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^✓ structure: Open Badges 3\.0 schema, extension schema and JSON-LD terms$/m);
    expect(r.stdout).toMatch(/^✓ IN-NCrF \(.*, rules v1\.0\.0\): passed$/m);
    expect(r.stdout.trimEnd().split('\n').pop()).toBe('OK: this request can be issued');
  });

  it('lint exits 1 on a broken request and names the failed rule with its detail', () => {
    const bad = example(IN);
    bad.credentialSubject.creditsEarned = 3;
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = cli(['lint', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ MC-BASE \(.*\): failed$/m);
    expect(r.stdout).toMatch(/^ +✗ OB-CREDIT-EARNED +Credits earned are between zero and the credits available\.\n +→ creditsEarned 3 exceeds creditsAvailable 2$/m);
    expect(r.stdout).toContain('NOT OK: issuing this request would be refused');

    const json = cli(['lint', file, '--json']);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { ok: boolean; problems: unknown[]; benchmark: { ok: boolean } };
    expect(report).toMatchObject({ ok: false, problems: [], benchmark: { ok: false } });
  });

  it('lint exits 1 listing structural problems (unknown profile)', () => {
    const bad = example(IN);
    qbOf(bad).profile = ['IN-NCrF', 'XX-FAKE'];
    const file = join(dir, 'fake-profile.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = cli(['lint', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^✗ 1 problem\(s\) in the credential:\n +\/credentialSubject\/achievement\/qualityBenchmark\/profile: unknown profile XX-FAKE/m);
  });

  it('lint --profile EU-2022 on the IN example also shows the EU report, marked as not declared', () => {
    const r = cli(['lint', 'examples/requests/in-ncrf-data-ethics.json', '--profile', 'EU-2022']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^! EU-2022 \(.*\): warning$/m);
    expect(r.stdout).toMatch(/^ +! EU-MC-WORKLOAD-ECTS .*\n +→ credit system is NCrF, expected ECTS$/m);
    expect(r.stdout).toMatch(/\[not declared by the request: issuing would not check it\]$/m);
    // The declared profiles are not marked.
    expect(r.stdout).not.toMatch(/IN-NCrF \(.*\[not declared/);
  });

  it('profiles lists the 7 profiles with their rule counts', () => {
    const r = cli(['profiles']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(7);
    const profiles = loadProfiles();
    for (const p of profiles.values()) expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^${p.id} +.*\\(v${p.version.replace(/\./g, '\\.')}, ${p.rules.length} rules\\)$`)));
    const json = JSON.parse(cli(['profiles', '--json']).stdout) as Array<{ id: string }>;
    expect(json.map((p) => p.id).sort()).toEqual([...profiles.keys()].sort());
  });

  it('profiles IN-NCrF shows its rules and sources', () => {
    const r = cli(['profiles', 'IN-NCrF']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^IN-NCrF +India: National Credit Framework/);
    expect(r.stdout).toMatch(/^ {2}IN-MC-SIZE +warning +\(unconfirmed: warns only\) A micro-credential carries 1 to 5 credits\. \[I12\]$/m);
    expect(r.stdout).toMatch(/^ {2}IN-NCRF-CREDIT-HOURS +error +One NCrF credit is 30 notional learning hours/m);
    expect(r.stdout).toContain('\nsources:\n');
    for (const k of Object.keys(loadProfiles().get('IN-NCrF')!.sources)) expect(r.stdout).toMatch(new RegExp(`^ {2}${k}: `, 'm'));
    expect(r.stdout).toContain('<https://www.thehindu.com/');
  });
});
