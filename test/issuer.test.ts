import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { Ajv2019 } from 'ajv/dist/2019.js';
import addFormatsModule from 'ajv-formats';
import { createLocalSigner, generateKey, issueCredential, loadPrivateKeyFile, parsePrivateJwk, MicrocredError, type IssuanceRequest, type JwsAlgorithm } from '../src/issuer/index.js';
import { baseRequest, issueWith, keyFor, signerFor } from './helpers/tokens.js';
import { hasShared, readSharedJson, requireShared } from './helpers/shared.js';

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: unknown) => void;

async function refusal(request: unknown, alg: JwsAlgorithm = 'ES256', issuerId?: string): Promise<MicrocredError> {
  const { signer } = signerFor(keyFor(alg));
  try {
    await issueCredential(request as IssuanceRequest, { signer, ...(issuerId ? { issuerId } : {}) });
  } catch (e) {
    expect(e).toBeInstanceOf(MicrocredError);
    return e as MicrocredError;
  }
  throw new Error('expected the issuer to refuse');
}

describe('issuer builds OB 3.0 AchievementCredentials', () => {
  it('fills contexts, types, ids, dates and schema; MicroCredential by default', async () => {
    const { credential } = await issueWith('ES256', baseRequest(), new Date('2025-07-01T10:20:30.456Z'));
    expect(credential['@context']).toEqual([
      'https://www.w3.org/ns/credentials/v2',
      'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json',
      'https://purl.imsglobal.org/spec/ob/v3p0/extensions.json',
    ]);
    expect(credential.type).toEqual(['VerifiableCredential', 'OpenBadgeCredential']);
    expect(credential.id).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(credential.validFrom).toBe('2025-07-01T10:20:30Z');
    expect(credential.credentialSchema).toEqual([{ id: 'https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json', type: '1EdTechJsonSchemaValidator2019' }]);
    const subject = credential.credentialSubject as Record<string, unknown>;
    expect(subject.type).toEqual(['AchievementSubject']);
    expect(subject.creditsEarned).toBe(2);
    const achievement = subject.achievement as Record<string, unknown>;
    expect(achievement).toMatchObject({ type: ['Achievement'], achievementType: 'MicroCredential', creditsAvailable: 2 });
    expect((achievement.alignment as Array<{ type: string[] }>)[0]!.type).toEqual(['Alignment']);
    expect((credential.evidence as Array<{ type: string[] }>)[0]!.type).toEqual(['Evidence']);
    expect(credential.issuer).toMatchObject({ type: ['Profile'], name: 'Example Institute of Technology' });
  });

  it('turns single values of multi-valued properties into arrays', async () => {
    const r = baseRequest();
    (r.achievement as Record<string, unknown>).alignment = (r.achievement.alignment as unknown[])[0];
    (r as unknown as Record<string, unknown>).evidence = r.evidence![0];
    const { credential } = await issueWith('ES256', r);
    const a = (credential.credentialSubject as { achievement: { alignment: unknown } }).achievement;
    expect(Array.isArray(a.alignment)).toBe(true);
    expect(Array.isArray(credential.evidence)).toBe(true);
  });

  it('refuses an invalid request, listing every problem with its path', async () => {
    const r = baseRequest();
    delete (r.achievement as Record<string, unknown>).name;
    delete (r.achievement as Record<string, unknown>).criteria;
    (r.credentialSubject as Record<string, unknown>).creditsEarned = -2;
    r.validFrom = '2025-01-01 10:00';
    const e = await refusal(r);
    expect(e.code).toBe('MC_CREDENTIAL_INVALID');
    const paths = e.problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['/credentialSubject/achievement/name', '/credentialSubject/achievement/criteria', '/credentialSubject/creditsEarned', '/validFrom']));
  });

  it('refuses a request without a recipient, achievement or subject', async () => {
    expect((await refusal({})).problems.map((p) => p.path)).toEqual(['/achievement', '/credentialSubject']);
    const r = baseRequest();
    delete r.credentialSubject.identifier;
    const e = await refusal(r);
    expect(e.code).toBe('MC_REQUEST_INVALID');
    expect(e.problems[0]!.path).toBe('/credentialSubject');
  });

  it('refuses validUntil before validFrom', async () => {
    const r = baseRequest();
    r.validFrom = '2025-01-01T00:00:00Z';
    r.validUntil = '2024-01-01T00:00:00Z';
    expect((await refusal(r)).problems).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/validUntil' })]));
  });

  it('refuses to sign for an issuer the key does not belong to', async () => {
    const e = await refusal(baseRequest(), 'ES256', 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK');
    expect(e.problems.map((p) => p.path)).toContain('/issuer/id');
  });

  it('requires an issuer id when the key is not a DID key', async () => {
    const k = keyFor('ES256');
    const signer = createLocalSigner(k.privateJwk, 'https://example.edu/keys/1');
    await expect(issueCredential(baseRequest(), { signer })).rejects.toMatchObject({ code: 'MC_REQUEST_INVALID' });
    const { credential } = await issueCredential(baseRequest(), { signer, issuerId: 'https://example.edu/issuer' });
    expect((credential.issuer as { id: string }).id).toBe('https://example.edu/issuer');
  });

  it('keeps plaintext identifiers only when asked (hashed: false)', async () => {
    const r = baseRequest();
    r.credentialSubject.identifier = [{ identityType: 'ext:APAAR', identifier: '123456789012', hashed: false }];
    const { credential } = await issueWith('ES256', r);
    expect((credential.credentialSubject as { identifier: unknown[] }).identifier[0]).toEqual({ type: 'IdentityObject', identityType: 'ext:APAAR', hashed: false, identityHash: '123456789012' });
  });
});

describe.skipIf(!requireShared('issuer cross-check with the official OB 3.0 schema'))('every issued credential validates against the official 1EdTech schema', () => {
  const ajv = new Ajv2019({ allErrors: true, strict: false });
  addFormats(ajv);
  const validate = hasShared ? ajv.compile(readSharedJson('spec/ob3/schema/json/achievementcredential.json') as object) : () => false;

  const requests: Array<[string, () => IssuanceRequest]> = [
    ['basic', baseRequest],
    ['with subject id, result and validUntil', () => {
      const r = baseRequest();
      r.credentialSubject.id = 'did:example:learner';
      r.validUntil = '2099-01-01T00:00:00Z';
      r.achievement.resultDescription = [{ id: 'urn:uuid:rd-1', name: 'Grade', resultType: 'LetterGrade', allowedValue: ['F', 'P', 'A'] }];
      r.credentialSubject.result = [{ resultDescription: 'urn:uuid:rd-1', value: 'A' }];
      return r;
    }],
  ];
  it.each((['ES256', 'RS256', 'EdDSA'] as JwsAlgorithm[]).flatMap((alg) => requests.map(([name, make]) => [alg, name, make] as const)))('%s %s', async (alg, _name, make) => {
    const { credential } = await issueWith(alg, make());
    const ok = validate(credential);
    expect(ajv.errorsText((validate as { errors?: unknown }).errors as never)).toBe('No errors');
    expect(ok).toBe(true);
  });
});

describe('key files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mc-keys-'));

  it('refuses a private key readable by others, accepts mode 0600', async () => {
    const k = generateKey('EdDSA');
    const file = join(dir, 'k.jwk');
    writeFileSync(file, JSON.stringify(k.privateJwk));
    chmodSync(file, 0o644);
    await expect(loadPrivateKeyFile(file)).rejects.toMatchObject({ code: 'MC_KEY_FILE_PERMISSIONS' });
    chmodSync(file, 0o600);
    expect((await loadPrivateKeyFile(file)).d).toBe(k.privateJwk.d);
  });

  it('never echoes key material in errors or when a signer is printed', () => {
    const k = generateKey('ES256');
    const broken = JSON.stringify(k.privateJwk).slice(0, -3);
    try {
      parsePrivateJwk(broken);
      throw new Error('expected failure');
    } catch (e) {
      expect((e as MicrocredError).code).toBe('MC_KEY_FILE_INVALID');
      expect((e as Error).message).not.toContain(k.privateJwk.d);
    }
    const signer = createLocalSigner(k.privateJwk, 'did:example:x#1');
    expect(JSON.stringify(signer)).not.toContain(k.privateJwk.d);
    expect(inspect(signer, { depth: 5 })).not.toContain(k.privateJwk.d);
  });

  it('refuses a key whose alg does not fit its type', () => {
    const k = generateKey('ES256');
    expect(() => parsePrivateJwk(JSON.stringify({ ...k.privateJwk, alg: 'RS256' }))).toThrow(expect.objectContaining({ code: 'MC_ALG_UNSUPPORTED' }));
  });
});
