import { describe, expect, it } from 'vitest';
import * as jose from 'jose';
import { createPrivateKey, generateKeyPairSync, createHmac } from 'node:crypto';
import { verifyCredential, recipientMatches } from '../src/verifier/index.js';
import { decodeBase64url } from '../src/lib/base64url.js';
import { checkOf, forge, forgeFrom, issueWith, keyFor, offlineFetcher, signerFor } from './helpers/tokens.js';
import { jwtPayload, type JwsAlgorithm } from '../src/issuer/index.js';

const opts = { fetcher: offlineFetcher };

function decodePart(token: string, i: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[i]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

describe('round trip per algorithm', () => {
  it.each(['ES256', 'RS256', 'EdDSA'] as JwsAlgorithm[])('%s: issue then verify', async (alg) => {
    const { jwt, credential } = await issueWith(alg);
    const header = decodePart(jwt, 0);
    expect(header).toEqual({ alg, kid: expect.stringMatching(/^did:(key|jwk):/), typ: 'JWT' });
    const payload = decodePart(jwt, 1);
    expect(payload.iss).toBe((credential.issuer as { id: string }).id);
    expect(payload.jti).toBe(credential.id);
    expect(payload.nbf).toBe(Date.parse(credential.validFrom) / 1000);
    expect(payload.vc).toBeUndefined();
    const report = await verifyCredential(jwt, opts);
    expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(report.verified).toBe(true);
    expect(report.format).toBe('vc-jwt');
    expect(report.credential).toEqual(credential);
  });

  it('a did:key issuer is used for ES256 and EdDSA, did:jwk for RS256', async () => {
    expect(signerFor(keyFor('ES256')).issuerId).toMatch(/^did:key:zDn/);
    expect(signerFor(keyFor('EdDSA')).issuerId).toMatch(/^did:key:z6Mk/);
    expect(signerFor(keyFor('RS256')).issuerId).toMatch(/^did:jwk:/);
  });

  it('our VC-JWT verifies in jose, a third-party JOSE library', async () => {
    const { jwt, key } = await issueWith('ES256');
    const { payload, protectedHeader } = await jose.jwtVerify(jwt, await jose.importJWK(key.publicJwk, 'ES256'));
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload.iss).toMatch(/^did:key:/);
  });

  it('a VC-JWT built and signed directly with jose verifies in our verifier', async () => {
    const { credential } = await issueWith('EdDSA');
    const k = keyFor('EdDSA');
    const { kid } = signerFor(k);
    const privateKey = await jose.importJWK(k.privateJwk, 'EdDSA');
    const payload = jwtPayload(credential as never);
    const token = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'JWT' })
      .sign(privateKey);
    const report = await verifyCredential(token, opts);
    expect(report.verified).toBe(true);
  });
});

describe('tampering', () => {
  it('flipping any one byte of the payload breaks the signature', async () => {
    const { jwt } = await issueWith('ES256');
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const bytes = Buffer.from(decodeBase64url(p)!);
    for (const pos of [0, Math.floor(bytes.length / 2), bytes.length - 2]) {
      const copy = Buffer.from(bytes);
      copy[pos] = copy[pos]! ^ 0x01;
      const report = await verifyCredential(`${h}.${copy.toString('base64url')}.${s}`, opts);
      expect(report.verified).toBe(false);
      // A flipped byte either breaks JSON (parse) or keeps JSON and breaks the signature.
      const sig = report.checks.find((c) => c.check === 'signature');
      if (sig) expect(sig.code).toBe('MC_SIGNATURE_INVALID');
      else expect(report.checks[0]!.status).toBe('failed');
    }
  });

  it('changing a value in the payload (credits) fails the signature', async () => {
    const { jwt } = await issueWith('ES256');
    const [h, , s] = jwt.split('.') as [string, string, string];
    const payload = decodePart(jwt, 1);
    (payload.credentialSubject as Record<string, unknown>).creditsEarned = 5;
    const report = await verifyCredential(`${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`, opts);
    expect(checkOf(report, 'signature')).toMatchObject({ status: 'failed', code: 'MC_SIGNATURE_INVALID' });
    expect(report.verified).toBe(false);
  });

  it('flipping one byte of the signature fails', async () => {
    const { jwt } = await issueWith('EdDSA');
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const sig = Buffer.from(decodeBase64url(s)!);
    sig[10] = sig[10]! ^ 0x80;
    const report = await verifyCredential(`${h}.${p}.${sig.toString('base64url')}`, opts);
    expect(checkOf(report, 'signature')).toMatchObject({ status: 'failed', code: 'MC_SIGNATURE_INVALID' });
  });

  it('a credential signed by another key under the same kid fails', async () => {
    const { jwt, key } = await issueWith('ES256');
    const other = createPrivateKey(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const token = forge(decodePart(jwt, 0), decodePart(jwt, 1), other, 'ES256');
    expect(decodePart(token, 0).kid).toBe(signerFor(key).kid);
    const report = await verifyCredential(token, opts);
    expect(checkOf(report, 'signature')).toMatchObject({ status: 'failed', code: 'MC_SIGNATURE_INVALID' });
    expect(report.verified).toBe(false);
  });

  it('a header swapped in from another valid token fails', async () => {
    const a = await issueWith('ES256');
    const b = await issueWith('EdDSA');
    const [, p, s] = a.jwt.split('.') as [string, string, string];
    const report = await verifyCredential(`${b.jwt.split('.')[0]}.${p}.${s}`, opts);
    expect(report.verified).toBe(false);
  });

  it('non-canonical base64url (padding) is refused before any crypto', async () => {
    const { jwt } = await issueWith('ES256');
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const report = await verifyCredential(`${h}.${p}.${s}==`, opts);
    expect(checkOf(report, 'parse')).toMatchObject({ status: 'failed', code: 'MC_JWS_MALFORMED' });
  });
});

describe('JOSE header rules', () => {
  it.each([
    ['alg none', { alg: 'none' }, 'MC_ALG_NOT_ALLOWED'],
    ['alg HS256', { alg: 'HS256' }, 'MC_ALG_NOT_ALLOWED'],
    ['alg ES384', { alg: 'ES384' }, 'MC_ALG_NOT_ALLOWED'],
    ['crit header', { crit: ['exp'], exp: 1 }, 'MC_HEADER_CRIT_UNSUPPORTED'],
    ['b64 false', { b64: false, crit: ['b64'] }, 'MC_HEADER_CRIT_UNSUPPORTED'],
    ['typ other than JWT', { typ: 'at+jwt' }, 'MC_HEADER_TYP_INVALID'],
    ['no kid and no jwk', { kid: undefined }, 'MC_HEADER_KEY_MISSING'],
  ])('%s is refused', async (_name, change, code) => {
    const { token } = await forgeFrom({ header: (h) => JSON.parse(JSON.stringify({ ...h, ...change })) as Record<string, unknown> });
    const report = await verifyCredential(token, opts);
    expect(report.verified).toBe(false);
    const header = checkOf(report, 'jose-header');
    expect(header.status).toBe('failed');
    expect([header.code, ...(((header.details as { alsoFound?: Array<{ code: string }> })?.alsoFound ?? []).map((f) => f.code))]).toContain(code);
    expect(checkOf(report, 'key-resolution').status).toBe('skipped');
  });

  it('alg none with an empty signature is refused', async () => {
    const { credential } = await issueWith('ES256');
    const token = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify(jwtPayload(credential as never))).toString('base64url')}.`;
    const report = await verifyCredential(token, opts);
    expect(report.verified).toBe(false);
  });

  it('HMAC signed with the public key as secret is refused', async () => {
    const { credential, key } = await issueWith('ES256');
    const { kid } = signerFor(key);
    const input = `${Buffer.from(JSON.stringify({ alg: 'HS256', kid, typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(jwtPayload(credential as never))).toString('base64url')}`;
    const mac = createHmac('sha256', JSON.stringify(key.publicJwk)).update(input).digest('base64url');
    const report = await verifyCredential(`${input}.${mac}`, opts);
    expect(checkOf(report, 'jose-header')).toMatchObject({ status: 'failed', code: 'MC_ALG_NOT_ALLOWED' });
  });

  it('an algorithm outside the caller allow-list is refused', async () => {
    const { jwt } = await issueWith('EdDSA');
    const report = await verifyCredential(jwt, { ...opts, algorithms: ['ES256'] });
    expect(checkOf(report, 'jose-header')).toMatchObject({ status: 'failed', code: 'MC_ALG_NOT_ALLOWED' });
  });

  it('an embedded jwk with private key material is refused', async () => {
    const k = keyFor('ES256');
    const { token } = await forgeFrom({ header: () => ({ alg: 'ES256', typ: 'JWT', jwk: k.privateJwk }) });
    const report = await verifyCredential(token, opts);
    expect(checkOf(report, 'jose-header')).toMatchObject({ status: 'failed', code: 'MC_HEADER_JWK_PRIVATE' });
  });

  it('an EdDSA key under an ES256 header is an algorithm/key mismatch', async () => {
    const ed = keyFor('EdDSA');
    const { credential } = await issueWith('EdDSA');
    const token = forge({ alg: 'ES256', kid: signerFor(ed).kid, typ: 'JWT' }, jwtPayload(credential as never), keyFor('ES256'), 'ES256');
    const report = await verifyCredential(token, opts);
    expect(checkOf(report, 'key-resolution')).toMatchObject({ status: 'failed', code: 'MC_KEY_ALG_MISMATCH' });
    expect(checkOf(report, 'signature').status).toBe('skipped');
  });

  it('extra headers are a warning, not a failure', async () => {
    const { token } = await forgeFrom({ header: (h) => ({ ...h, x5u: 'https://attacker.example/cert' }) });
    const report = await verifyCredential(token, opts);
    expect(checkOf(report, 'jose-header')).toMatchObject({ status: 'warning', code: 'MC_HEADER_EXTRA' });
    expect(report.verified).toBe(true);
  });

  it('JWS JSON serialization is refused', async () => {
    const { jwt } = await issueWith('ES256');
    const [h, p, s] = jwt.split('.');
    const report = await verifyCredential(JSON.stringify({ payload: p, signatures: [{ protected: h, signature: s }] }), opts);
    expect(checkOf(report, 'parse')).toMatchObject({ status: 'failed', code: 'MC_JWS_MALFORMED' });
  });
});

describe('claim consistency', () => {
  const subjectRequest = async () => {
    const { baseRequest } = await import('./helpers/tokens.js');
    const r = baseRequest();
    r.credentialSubject.id = 'did:example:learner-42';
    return r;
  };

  it.each([
    ['iss differs from issuer.id', (p: Record<string, unknown>) => ({ ...p, iss: 'did:key:z6MkSomebodyElse' }), 'MC_CLAIM_ISS_MISMATCH'],
    ['iss missing', (p: Record<string, unknown>) => ({ ...p, iss: undefined }), 'MC_CLAIM_ISS_MISMATCH'],
    ['jti differs from id', (p: Record<string, unknown>) => ({ ...p, jti: 'urn:uuid:00000000-0000-4000-8000-000000000000' }), 'MC_CLAIM_JTI_MISMATCH'],
    ['nbf differs from validFrom', (p: Record<string, unknown>) => ({ ...p, nbf: (p.nbf as number) - 3600 }), 'MC_CLAIM_NBF_MISMATCH'],
    ['nbf not a number', (p: Record<string, unknown>) => ({ ...p, nbf: '2025-01-01' }), 'MC_CLAIM_INVALID'],
    ['exp without validUntil is taken as expiry, but exp disagreeing with validUntil fails', (p: Record<string, unknown>) => ({ ...p, validUntil: '2099-01-01T00:00:00Z', exp: 4070908800 + 60 }), 'MC_CLAIM_EXP_MISMATCH'],
    ['sub without credentialSubject.id', (p: Record<string, unknown>) => ({ ...p, sub: 'did:example:someone' }), 'MC_CLAIM_SUB_MISMATCH'],
  ])('%s', async (_name, change, code) => {
    const { token } = await forgeFrom({ payload: (p) => JSON.parse(JSON.stringify(change(p))) as Record<string, unknown> });
    const report = await verifyCredential(token, opts);
    expect(checkOf(report, 'signature').status).toBe('passed');
    expect(checkOf(report, 'claims')).toMatchObject({ status: 'failed', code });
    expect(report.verified).toBe(false);
  });

  it('sub must equal credentialSubject.id', async () => {
    const { issueCredential } = await import('../src/issuer/index.js');
    const k = keyFor('ES256');
    const { signer, kid } = signerFor(k);
    const { credential, jwt } = await issueCredential(await subjectRequest(), { signer });
    expect(decodePart(jwt, 1).sub).toBe('did:example:learner-42');
    expect((await verifyCredential(jwt, opts)).verified).toBe(true);
    const forged = forge({ alg: 'ES256', kid, typ: 'JWT' }, { ...jwtPayload(credential), sub: 'did:example:impostor' }, k);
    expect(checkOf(await verifyCredential(forged, opts), 'claims')).toMatchObject({ status: 'failed', code: 'MC_CLAIM_SUB_MISMATCH' });
    const noSub = forge({ alg: 'ES256', kid, typ: 'JWT' }, { ...jwtPayload(credential), sub: undefined }, k);
    const r = await verifyCredential(noSub, opts);
    expect(checkOf(r, 'claims')).toMatchObject({ status: 'warning', code: 'MC_CLAIM_SUB_MISSING' });
    expect(r.verified).toBe(true);
  });

  it('validUntil without exp is a warning, and expiry still comes from validUntil', async () => {
    const { token } = await forgeFrom({ payload: (p) => ({ ...p, validUntil: '2026-07-01T00:00:00Z', validFrom: '2025-07-01T00:00:00Z', nbf: Date.parse('2025-07-01T00:00:00Z') / 1000 }) });
    const during = await verifyCredential(token, { ...opts, now: new Date('2026-01-01T00:00:00Z') });
    expect(checkOf(during, 'claims')).toMatchObject({ status: 'warning', code: 'MC_CLAIM_EXP_MISSING' });
    expect(during.verified).toBe(true);
    const after = await verifyCredential(token, { ...opts, now: new Date('2026-08-01T00:00:00Z') });
    expect(checkOf(after, 'validity-period')).toMatchObject({ status: 'failed', code: 'MC_EXPIRED' });
  });

  it('missing jti and nbf are warnings (the spec examples omit them)', async () => {
    const { token } = await forgeFrom({ payload: (p) => ({ ...p, jti: undefined, nbf: undefined }) });
    const report = await verifyCredential(JSON.parse(JSON.stringify(token)) as string, opts);
    expect(checkOf(report, 'claims').status).toBe('warning');
    expect(report.verified).toBe(true);
  });

  it('a VCDM 1.1 vc claim verifies with a warning; a vc claim with a 2.0 context fails', async () => {
    const { credential, key } = await issueWith('ES256');
    const { kid, issuerId } = signerFor(key);
    const v1 = { ...credential, '@context': ['https://www.w3.org/2018/credentials/v1', ...(credential['@context'] as string[]).slice(1)], issuanceDate: credential.validFrom };
    delete (v1 as Record<string, unknown>).validFrom;
    const nbf = Date.parse(credential.validFrom) / 1000;
    const legacy = forge({ alg: 'ES256', kid, typ: 'JWT' }, { vc: v1, iss: issuerId, jti: credential.id, nbf }, key);
    const r1 = await verifyCredential(legacy, opts);
    expect(r1.format).toBe('vc-jwt-v1');
    expect(checkOf(r1, 'format')).toMatchObject({ status: 'warning', code: 'MC_LEGACY_VCDM11' });
    expect(r1.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(r1.verified).toBe(true);

    const mixed = forge({ alg: 'ES256', kid, typ: 'JWT' }, { vc: credential, iss: issuerId, jti: credential.id, nbf }, key);
    const r2 = await verifyCredential(mixed, opts);
    expect(checkOf(r2, 'format')).toMatchObject({ status: 'failed', code: 'MC_VC_CLAIM_CONTEXT_MISMATCH' });
    expect(r2.verified).toBe(false);
  });
});

describe('dates, context, type, schema, subject', () => {
  it('a credential not yet valid fails, and passes once the clock reaches it', async () => {
    const r = await (await import('./helpers/tokens.js')).baseRequest();
    r.validFrom = '2030-01-01T00:00:00Z';
    const { jwt } = await issueWith('ES256', r);
    const before = await verifyCredential(jwt, { ...opts, now: new Date('2029-12-31T23:00:00Z') });
    expect(checkOf(before, 'validity-period')).toMatchObject({ status: 'failed', code: 'MC_NOT_YET_VALID' });
    const within = await verifyCredential(jwt, { ...opts, now: new Date('2029-12-31T23:59:30Z') });
    expect(within.verified).toBe(true); // inside the 60 s default skew
    const strict = await verifyCredential(jwt, { ...opts, now: new Date('2029-12-31T23:59:30Z'), clockToleranceSec: 0 });
    expect(strict.verified).toBe(false);
  });

  it('an expired credential fails with MC_EXPIRED', async () => {
    const r = (await import('./helpers/tokens.js')).baseRequest();
    r.validFrom = '2025-07-01T00:00:00Z';
    r.validUntil = '2026-07-01T00:00:00Z';
    const { jwt } = await issueWith('ES256', r);
    expect(decodePart(jwt, 1).exp).toBe(Date.parse('2026-07-01T00:00:00Z') / 1000);
    expect((await verifyCredential(jwt, { ...opts, now: new Date('2026-01-01T00:00:00Z') })).verified).toBe(true);
    const after = await verifyCredential(jwt, { ...opts, now: new Date('2026-08-01T00:00:00Z') });
    expect(checkOf(after, 'validity-period')).toMatchObject({ status: 'failed', code: 'MC_EXPIRED' });
  });

  it.each([
    ['@context out of order', (p: Record<string, unknown>) => ({ ...p, '@context': [...(p['@context'] as string[])].reverse() }), 'context', 'MC_CONTEXT_INVALID'],
    ['type without OpenBadgeCredential', (p: Record<string, unknown>) => ({ ...p, type: ['VerifiableCredential'] }), 'type', 'MC_TYPE_INVALID'],
    ['non-numeric credits fail the schema', (p: Record<string, unknown>) => ({ ...p, credentialSubject: { ...(p.credentialSubject as object), creditsEarned: '2' } }), 'schema', 'MC_SCHEMA_INVALID'],
    ['negative credits fail the schema', (p: Record<string, unknown>) => ({ ...p, credentialSubject: { ...(p.credentialSubject as object), creditsEarned: -1 } }), 'schema', 'MC_SCHEMA_INVALID'],
    ['missing achievement', (p: Record<string, unknown>) => ({ ...p, credentialSubject: { ...(p.credentialSubject as object), achievement: undefined } }), 'schema', 'MC_SCHEMA_INVALID'],
    ['subject without id or identifier', (p: Record<string, unknown>) => ({ ...p, credentialSubject: { ...(p.credentialSubject as object), identifier: undefined } }), 'subject', 'MC_SUBJECT_NO_IDENTIFIER'],
  ])('%s', async (_name, change, check, code) => {
    const { token } = await forgeFrom({ payload: (p) => JSON.parse(JSON.stringify(change(p))) as Record<string, unknown> });
    const report = await verifyCredential(token, opts);
    expect(checkOf(report, 'signature').status).toBe('passed');
    expect(checkOf(report, check)).toMatchObject({ status: 'failed', code });
    expect(report.verified).toBe(false);
  });
});

describe('input handling', () => {
  it.each([
    ['empty', '', 'MC_INPUT_EMPTY'],
    ['garbage', 'hello world', 'MC_INPUT_UNRECOGNIZED'],
    ['two segments', 'abc.def', 'MC_INPUT_UNRECOGNIZED'],
    ['bad JSON', '{"@context": [', 'MC_JSON_INVALID'],
    ['too large', 'a.' + 'b'.repeat(600 * 1024) + '.c', 'MC_INPUT_TOO_LARGE'],
  ])('%s input gives a parse failure, never a throw', async (_n, input, code) => {
    const report = await verifyCredential(input, opts);
    expect(report.verified).toBe(false);
    expect(report.checks).toEqual([expect.objectContaining({ check: 'parse', status: 'failed', code })]);
  });

  it('misused options are a TypeError, not a verdict', async () => {
    await expect(verifyCredential('x', { algorithms: ['none' as never] })).rejects.toThrow(TypeError);
    await expect(verifyCredential('x', { clockToleranceSec: -1 })).rejects.toThrow(TypeError);
  });
});

describe('recipient check (hashed identifiers)', () => {
  it('matches the salted hash of the known email, and nothing else', async () => {
    const { jwt, credential } = await issueWith('ES256');
    const io = (credential.credentialSubject as { identifier: Array<Record<string, unknown>> }).identifier[0]!;
    expect(io).toMatchObject({ type: 'IdentityObject', identityType: 'emailAddress', hashed: true, identityHash: expect.stringMatching(/^sha256\$[0-9a-f]{64}$/) });
    expect(JSON.stringify(credential)).not.toContain('learner@example.com');
    const report = await verifyCredential(jwt, opts);
    expect(recipientMatches(report, { identityType: 'emailAddress', identifier: 'learner@example.com' })).toBe(true);
    expect(recipientMatches(report, 'learner@example.com')).toBe(true);
    expect(recipientMatches(report, { identityType: 'emailAddress', identifier: 'other@example.com' })).toBe(false);
    expect(recipientMatches(report, { identityType: 'sisSourcedId', identifier: 'learner@example.com' })).toBe(false);
    expect(recipientMatches({ ...report, verified: false }, 'learner@example.com')).toBe(false);
  });

  it('two credentials for the same learner carry different salts and hashes', async () => {
    const a = await issueWith('ES256');
    const b = await issueWith('ES256');
    const ia = (a.credential.credentialSubject as { identifier: Array<{ identityHash: string }> }).identifier[0]!;
    const ib = (b.credential.credentialSubject as { identifier: Array<{ identityHash: string }> }).identifier[0]!;
    expect(ia.identityHash).not.toBe(ib.identityHash);
  });
});
