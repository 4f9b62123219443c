/**
 * Issue #8's console: how the service records who a credential is for (src/service/learner.ts).
 * Names the credential shows in the clear are kept as they are; every identifier becomes a keyed
 * search token, equal for the same identifier however it is typed, and different under another key.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { learnerRecord, learnerToken } from '../src/service/learner.js';
import { createKek } from '../src/service/kek.js';
import { clearNames } from '../src/lib/subject-names.js';

const key = randomBytes(32);

describe('learnerRecord', () => {
  const subject = {
    id: 'did:example:asha',
    identifier: [
      { identityType: 'name', identifier: 'Asha Rao', hashed: false },
      { identityType: 'emailAddress', identifier: 'Asha.Rao@Example.edu' },
      { identityType: 'ext:APAAR', identifier: '123456789012' },
      { identityType: 'name', identifier: 'A. R. (hashed in the credential)' },
    ],
  };

  it('keeps only the names the credential shows in the clear, and a token for every identifier and the subject id', () => {
    const r = learnerRecord(subject, key);
    expect(r.name).toBe('Asha Rao');
    const tokens = r.keys.split(' ');
    expect(tokens).toHaveLength(5);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(r.keys).not.toMatch(/asha|example|1234/i);
    for (const typed of ['asha.rao@example.edu', ' ASHA.RAO@EXAMPLE.EDU', '1234 5678 9012', 'did:example:asha', 'asha rao', 'A. R. (hashed in the credential)']) expect(tokens).toContain(learnerToken(typed, key));
    for (const typed of ['asha.rao@example', '12345678901', 'asha']) expect(tokens).not.toContain(learnerToken(typed, key));
  });

  it('gives other tokens under another key, the same under the same key', () => {
    expect(learnerRecord(subject, key)).toEqual(learnerRecord(structuredClone(subject), Buffer.from(key)));
    const other = learnerRecord(subject, randomBytes(32)).keys.split(' ');
    for (const t of learnerRecord(subject, key).keys.split(' ')) expect(other).not.toContain(t);
  });

  it('reads a credential\'s own IdentityObjects (a wallet re-issue): the clear name, no hashed value', () => {
    const r = learnerRecord({ identifier: [{ type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: 'Asha Rao' }, { type: 'IdentityObject', identityType: 'emailAddress', hashed: true, identityHash: 'sha256$abc', salt: 's' }] }, key);
    expect(r).toEqual({ name: 'Asha Rao', keys: learnerToken('Asha Rao', key) });
  });

  it('keeps the subject\'s own name too, first and once, and finds it like any identifier', () => {
    expect(learnerRecord({ name: 'Rahul Verma', id: 'did:example:rahul' }, key)).toEqual({ name: 'Rahul Verma', keys: `${learnerToken('rahul verma', key)} ${learnerToken('did:example:rahul', key)}` });
    const r = learnerRecord({ name: ' Asha Rao ', identifier: [{ identityType: 'name', identifier: 'आशा राव', hashed: false }, { identityType: 'name', identifier: 'Asha Rao', hashed: false }] }, key);
    expect(r.name).toBe('Asha Rao · आशा राव');
    expect(r.keys.split(' ')).toEqual([learnerToken('asha rao', key), learnerToken('आशा राव', key)]);
    expect(learnerRecord({ name: '  ', id: 'did:example:x' }, key)).toEqual({ name: null, keys: learnerToken('did:example:x', key) });
    expect(learnerRecord({ name: 42, id: 'did:example:x' }, key).name).toBeNull();
  });

  it('names nobody for a subject without identifiers, and skips what is not an identifier', () => {
    expect(learnerRecord(undefined, key)).toEqual({ name: null, keys: '' });
    expect(learnerRecord({ identifier: 'x@example.edu' }, key)).toEqual({ name: null, keys: '' });
    expect(learnerRecord({ identifier: [null, 7, { identityType: 'name', identifier: '  ', hashed: false }, { identityType: 'name', identifier: 5 }] }, key)).toEqual({ name: null, keys: '' });
  });

  it('joins several clear names and caps the text at 300 characters', () => {
    expect(learnerRecord({ identifier: [{ identityType: 'name', identifier: 'Asha Rao', hashed: false }, { identityType: 'name', identifier: 'आशा राव', hashed: false }] }, key).name).toBe('Asha Rao · आशा राव');
    const long = learnerRecord({ identifier: [{ identityType: 'name', identifier: 'x'.repeat(400), hashed: false }] }, key).name!;
    expect(long).toHaveLength(300);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('the search key', () => {
  it('is derived from the KEK for its purpose: stable, 32 bytes, neither the KEK nor another purpose\'s key', () => {
    const kekBytes = randomBytes(32);
    const kek = createKek(kekBytes);
    const a = kek.derive('microcred learner search v1');
    expect(a).toHaveLength(32);
    expect(a.equals(createKek(Buffer.from(kekBytes)).derive('microcred learner search v1'))).toBe(true);
    expect(a.equals(kekBytes)).toBe(false);
    expect(a.equals(kek.derive('another purpose'))).toBe(false);
  });
});

describe('clearNames (what the verification page and the certificate show)', () => {
  it('gives the subject\'s name and its clear name identifiers in order, once each, and nothing hashed', () => {
    expect(
      clearNames({
        name: 'Asha Rao',
        identifier: [
          { type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: 'Asha Rao' },
          { type: 'IdentityObject', identityType: 'name', hashed: true, identityHash: 'sha256$abc', salt: 's' },
          { type: 'IdentityObject', identityType: 'emailAddress', hashed: false, identityHash: 'asha@example.edu' },
          { type: 'IdentityObject', identityType: 'name', hashed: false, identityHash: 'आशा राव' },
        ],
      }),
    ).toEqual(['Asha Rao', 'आशा राव']);
    expect(clearNames({ name: ' ', identifier: [{ identityType: 'name', hashed: false, identityHash: 7 }] })).toEqual([]);
    expect(clearNames(null)).toEqual([]);
    expect(clearNames(['Asha'])).toEqual([]);
  });
});
