/**
 * Baked badges (OB 3.0 §Baked Badge): baking into and out of PNG (iTXt `openbadgecredential`)
 * and SVG (`<openbadges:credential>`), the verifier taking images directly, the security limits
 * (CRC, truncation, sizes, DOCTYPE/XXE) and the `bake` / `unbake` / `verify` CLI.
 *
 * Images are made here (pngjs, a small SVG string) and read from the official validator's
 * baked fixtures in ../shared.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { DOMParser } from '@xmldom/xmldom';
import encodeChunks from 'png-chunks-encode';
import extractChunks from 'png-chunks-extract';
import pngjs from 'pngjs';
import { describe, expect, it } from 'vitest';
import { bakePng, bakeSvg, countCredentialChunks, countCredentialElements, unbake, unbakePng, unbakeSvg, OB3_SVG_NAMESPACE } from '../src/baking/index.js';
import { MicrocredError } from '../src/errors.js';
import { verifyCredential, type VerificationReport } from '../src/verifier/index.js';
import { SHARED_DIR, readSharedJson, requireShared } from './helpers/shared.js';
import { REPO, checkOf, issueWith, offlineFetcher } from './helpers/tokens.js';

const { PNG } = pngjs;

// ---------------------------------------------------------------------------------------------
// Test images and credentials
// ---------------------------------------------------------------------------------------------

/** A small RGBA PNG with a pixel pattern (so a changed pixel would show). */
function makePng(width = 7, height = 5): Buffer {
  const png = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    png.data[i * 4] = (i * 37) & 0xff;
    png.data[i * 4 + 1] = (i * 91) & 0xff;
    png.data[i * 4 + 2] = (i * 13) & 0xff;
    png.data[i * 4 + 3] = 255 - i;
  }
  return PNG.sync.write(png);
}

/** A PNG of pseudo-random pixels, which compresses badly: `side`² × 4 bytes. */
function noisyPng(side: number): Buffer {
  const png = new PNG({ width: side, height: side });
  let x = 0x12345678;
  for (let i = 0; i < png.data.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    png.data[i] = x & 0xff;
  }
  return PNG.sync.write(png);
}

const SMALL_SVG = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">
  <circle cx="32" cy="32" r="30" fill="#0a7"/>
  <text x="32" y="38" text-anchor="middle">OB</text>
</svg>
`;

/** A JSON credential text, with a "]]>" inside a string (it must survive CDATA). */
const JSON_CREDENTIAL = JSON.stringify({
  '@context': ['https://www.w3.org/ns/credentials/v2', 'https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json'],
  id: 'urn:uuid:5a7e5b4e-2f07-4a5f-9d2a-0ad2f0a8b1c1',
  type: ['VerifiableCredential', 'OpenBadgeCredential'],
  name: 'Tricky ]]> name & <markup> "quoted" — ünïcødé',
  proof: [{ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofValue: 'zabc' }],
});
const JWS = 'eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJkaWQ6a2V5OnoifQ.c2lnbmF0dXJl';

/** The text chunks of a PNG named `name`, split into keyword and the rest (png-chunks-extract checks CRCs). */
function textChunks(png: Uint8Array, name = 'iTXt'): Array<{ keyword: string; data: Buffer }> {
  return extractChunks(png)
    .filter((c) => c.name === name)
    .map((c) => {
      const data = Buffer.from(c.data);
      const nul = data.indexOf(0);
      return { keyword: data.subarray(0, nul).toString('latin1'), data: data.subarray(nul + 1) };
    });
}

/** An iTXt chunk's data: keyword, flags, empty language and translated keyword, text. */
function iTxtData(keyword: string, text: Uint8Array, compressed = false): Uint8Array {
  return Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, compressed ? 1 : 0, 0, 0, 0]), text]);
}

/** A PNG with extra chunks inserted before IEND (encoded with correct CRCs). */
function withChunks(png: Uint8Array, extra: Array<{ name: string; data: Uint8Array }>): Uint8Array {
  const chunks = extractChunks(png);
  chunks.splice(chunks.length - 1, 0, ...extra);
  return encodeChunks(chunks);
}

function expectMicrocredError(f: () => unknown, code: string, message?: RegExp): MicrocredError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error').toBeInstanceOf(MicrocredError);
  const e = caught as MicrocredError;
  expect({ code: e.code, message: e.message }).toEqual({ code, message: message ? expect.stringMatching(message) : e.message });
  return e;
}

const parseXml = (svg: string) => new DOMParser().parseFromString(svg, 'image/svg+xml');

/** A report's checks without the `parse` check, which names the image. */
const checksAfterParse = (r: VerificationReport) => r.checks.filter((c) => c.check !== 'parse');

// ---------------------------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------------------------

describe('PNG baking', () => {
  const original = makePng();

  it.each([
    ['a VC-JWT', JWS],
    ['a JSON credential', JSON_CREDENTIAL],
  ])('round trip: %s', (_, credential) => {
    const baked = bakePng(original, credential);
    expect(unbake(baked)).toEqual({ format: 'png', credential });
    expect(unbakePng(baked)).toBe(credential);
  });

  it('writes one uncompressed iTXt chunk just before IEND: flag 0, method 0, empty language and translated keyword', () => {
    const baked = bakePng(original, JWS);
    const chunks = extractChunks(baked);
    expect(chunks[0]!.name).toBe('IHDR');
    expect(chunks.map((c) => c.name).slice(-2)).toEqual(['iTXt', 'IEND']);
    const [itxt] = textChunks(baked);
    expect(itxt!.keyword).toBe('openbadgecredential');
    // compression flag, method, "" NUL (language), "" NUL (translated keyword), then the text
    expect([...itxt!.data.subarray(0, 4)]).toEqual([0, 0, 0, 0]);
    expect(itxt!.data.subarray(4).toString('utf8')).toBe(JWS);
    // Every chunk of the original is kept, byte for byte, in order.
    const before = extractChunks(original).map((c) => [c.name, Buffer.from(c.data).toString('hex')]);
    expect(chunks.filter((c) => c.name !== 'iTXt').map((c) => [c.name, Buffer.from(c.data).toString('hex')])).toEqual(before);
  });

  it('the baked PNG still decodes as the same image (pngjs): width, height and every pixel', () => {
    const baked = Buffer.from(bakePng(original, JSON_CREDENTIAL));
    const a = PNG.sync.read(original);
    const b = PNG.sync.read(baked);
    expect({ width: b.width, height: b.height }).toEqual({ width: a.width, height: a.height });
    expect(b.data.equals(a.data)).toBe(true);
  });

  it('baking twice leaves exactly one openbadgecredential chunk, with the new content', () => {
    const once = bakePng(original, JWS);
    const twice = bakePng(once, JSON_CREDENTIAL);
    const credentialChunks = textChunks(twice).filter((c) => c.keyword === 'openbadgecredential');
    expect(credentialChunks).toHaveLength(1);
    expect(countCredentialChunks(twice)).toBe(1);
    expect(unbake(twice).credential).toBe(JSON_CREDENTIAL);
    // Same credential again: the same bytes.
    expect(Buffer.from(bakePng(once, JWS)).equals(Buffer.from(once))).toBe(true);
  });

  it('re-baking replaces every earlier credential chunk, even duplicates and compressed ones, and keeps other text chunks', () => {
    const messy = withChunks(original, [
      { name: 'tEXt', data: Buffer.from('Comment\0keep me', 'latin1') },
      { name: 'iTXt', data: iTxtData('openbadgecredential', Buffer.from('old.one.x')) },
      { name: 'iTXt', data: iTxtData('openbadgecredential', deflateSync(Buffer.from('old.two.x')), true) },
    ]);
    expect(countCredentialChunks(messy)).toBe(2);
    const baked = bakePng(messy, JWS);
    expect(countCredentialChunks(baked)).toBe(1);
    expect(unbake(baked).credential).toBe(JWS);
    expect(textChunks(baked, 'tEXt')).toEqual([{ keyword: 'Comment', data: Buffer.from('keep me') }]);
  });

  it('extraction reads the first openbadgecredential chunk and ignores later ones', () => {
    const two = withChunks(original, [
      { name: 'iTXt', data: iTxtData('openbadgecredential', Buffer.from('first.a.b')) },
      { name: 'iTXt', data: iTxtData('openbadgecredential', Buffer.from('second.a.b')) },
    ]);
    expect(unbake(two).credential).toBe('first.a.b');
  });

  it('extraction accepts a zlib-compressed iTXt chunk (flag 1, method 0)', () => {
    const compressed = withChunks(original, [{ name: 'iTXt', data: iTxtData('openbadgecredential', deflateSync(Buffer.from(JSON_CREDENTIAL)), true) }]);
    expect(unbake(compressed)).toEqual({ format: 'png', credential: JSON_CREDENTIAL });
  });

  it('a compressed chunk that inflates past the credential limit is refused (zip bomb)', () => {
    const bomb = withChunks(original, [{ name: 'iTXt', data: iTxtData('openbadgecredential', deflateSync(Buffer.alloc(4 * 1024 * 1024, 0x41)), true) }]);
    expectMicrocredError(() => unbake(bomb), 'MC_INPUT_TOO_LARGE', /inflates to more than 1048576 bytes/);
  });

  it('other keywords are not a credential; an OB 2.0 "openbadges" chunk is named as such', () => {
    const other = withChunks(original, [{ name: 'iTXt', data: iTxtData('Description', Buffer.from('a.b.c')) }]);
    expectMicrocredError(() => unbake(other), 'MC_BAKED_NOT_FOUND', /no iTXt chunk with the keyword "openbadgecredential"/);
    expectMicrocredError(() => unbake(original), 'MC_BAKED_NOT_FOUND');
    const ob2 = withChunks(original, [{ name: 'tEXt', data: Buffer.from('openbadges\0https://example.org/assertion/1', 'latin1') }]);
    expectMicrocredError(() => unbake(ob2), 'MC_BAKED_NOT_FOUND', /Open Badges 2\.0 assertion/);
  });

  it('a PNG with a corrupted CRC is refused, when unbaking and when baking', () => {
    const baked = Buffer.from(bakePng(original, JWS));
    // The last 4 bytes of the iTXt chunk (just before IEND's 12 bytes) are its CRC.
    const crcAt = baked.length - 12 - 4;
    const broken = Buffer.from(baked);
    broken[crcAt] = broken[crcAt]! ^ 0xff;
    expectMicrocredError(() => unbake(broken), 'MC_BAKED_INVALID', /CRC values for iTXt header do not match/);
    // A flipped data byte is caught by the CRC as well.
    const flipped = Buffer.from(baked);
    flipped[crcAt - 3] = flipped[crcAt - 3]! ^ 0x01;
    expectMicrocredError(() => unbake(flipped), 'MC_BAKED_INVALID', /CRC/);
    const badIhdr = Buffer.from(original);
    badIhdr[29] = badIhdr[29]! ^ 0xff; // IHDR CRC (8 signature + 4 length + 4 type + 13 data)
    expectMicrocredError(() => bakePng(badIhdr, JWS), 'MC_BAKED_INVALID', /CRC values for IHDR/);
  });

  it('truncated PNGs and absurd chunk lengths are refused without allocating them', () => {
    const baked = Buffer.from(bakePng(original, JWS));
    expectMicrocredError(() => unbake(baked.subarray(0, baked.length - 20)), 'MC_BAKED_INVALID', /truncated/);
    expectMicrocredError(() => unbake(baked.subarray(0, 8)), 'MC_BAKED_INVALID', /no IEND/);
    const huge = Buffer.from(baked);
    huge.writeUInt32BE(0x7ffffff0, 8); // IHDR length
    expectMicrocredError(() => unbake(huge), 'MC_BAKED_INVALID', /runs past the end/);
    const noSignature = Buffer.concat([Buffer.from('GIF89a..'), baked.subarray(8)]);
    expectMicrocredError(() => unbakePng(noSignature), 'MC_BAKED_INVALID', /signature/);
  });

  it('size limits: images over maxImageBytes, credentials over maxCredentialBytes', () => {
    expectMicrocredError(() => unbake(bakePng(original, JWS), { maxImageBytes: 100 }), 'MC_INPUT_TOO_LARGE', /PNG image is \d+ bytes; the limit is 100/);
    expectMicrocredError(() => bakePng(original, JSON_CREDENTIAL, { maxCredentialBytes: 50 }), 'MC_INPUT_TOO_LARGE', /limit is 50/);
    expectMicrocredError(() => unbake(bakePng(original, JSON_CREDENTIAL), { maxCredentialBytes: 50 }), 'MC_INPUT_TOO_LARGE');
  });

  it('refuses to bake text that is neither a compact JWS nor a JSON object', () => {
    expectMicrocredError(() => bakePng(original, 'hello world'), 'MC_INPUT_UNRECOGNIZED');
    expectMicrocredError(() => bakePng(original, '[1,2]'), 'MC_INPUT_UNRECOGNIZED');
    expectMicrocredError(() => bakePng(original, '{"a":'), 'MC_INPUT_UNRECOGNIZED', /not valid JSON/);
    expectMicrocredError(() => bakePng(original, '  '), 'MC_INPUT_UNRECOGNIZED', /empty/);
  });
});

// ---------------------------------------------------------------------------------------------
// SVG
// ---------------------------------------------------------------------------------------------

describe('SVG baking', () => {
  it('a VC-JWT goes in the verify attribute of an empty <openbadges:credential>, the first child of <svg>', () => {
    const baked = bakeSvg(SMALL_SVG, JWS);
    const doc = parseXml(baked);
    const root = doc.documentElement!;
    expect(root.getAttribute('xmlns:openbadges')).toBe(OB3_SVG_NAMESPACE);
    const first = root.firstChild as unknown as { nodeName: string; namespaceURI: string; getAttribute(n: string): string | null; childNodes: { length: number } };
    expect(first.nodeName).toBe('openbadges:credential');
    expect(first.namespaceURI).toBe(OB3_SVG_NAMESPACE);
    expect(first.getAttribute('verify')).toBe(JWS);
    expect(first.childNodes.length).toBe(0);
    expect(baked).toMatch(/<svg [^>]*><openbadges:credential verify="[^"]+"\/>\n/);
    expect(unbake(Buffer.from(baked))).toEqual({ format: 'svg', credential: JWS });
    expect(unbakeSvg(baked)).toBe(JWS);
  });

  it('a JSON credential goes in CDATA, without verify; "]]>" inside it survives', () => {
    const baked = bakeSvg(SMALL_SVG, JSON_CREDENTIAL);
    const element = parseXml(baked).getElementsByTagNameNS(OB3_SVG_NAMESPACE, 'credential')[0]!;
    expect(element.hasAttribute('verify')).toBe(false);
    expect([...Array.from(element.childNodes)].every((n) => n.nodeType === 4 /* CDATA */)).toBe(true);
    expect(element.textContent).toBe(JSON_CREDENTIAL);
    expect(unbake(baked)).toEqual({ format: 'svg', credential: JSON_CREDENTIAL });
  });

  it('the rest of the SVG is kept', () => {
    const baked = bakeSvg(SMALL_SVG, JWS);
    expect(baked).toContain('<circle cx="32" cy="32" r="30" fill="#0a7"/>');
    expect(baked).toContain('<text x="32" y="38" text-anchor="middle">OB</text>');
    expect(baked.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  });

  it('re-baking replaces the element (one only), and baking the same credential again changes nothing', () => {
    const once = bakeSvg(SMALL_SVG, JWS);
    const twice = bakeSvg(once, JSON_CREDENTIAL);
    expect(countCredentialElements(twice)).toBe(1);
    expect(twice.match(/openbadges:credential/g)).toHaveLength(2); // open and close tag of one element
    expect(unbake(twice).credential).toBe(JSON_CREDENTIAL);
    expect(bakeSvg(once, JWS)).toBe(once);
  });

  it('extraction matches the namespace, whatever the prefix; verify first, else the text', () => {
    const other = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:ob="${OB3_SVG_NAMESPACE}"><ob:credential verify=" a.b.c ">ignored</ob:credential></svg>`;
    expect(unbake(other).credential).toBe('a.b.c');
    const text = `<svg xmlns="http://www.w3.org/2000/svg"><x:credential xmlns:x="${OB3_SVG_NAMESPACE}">\n  {"a":1}\n</x:credential></svg>`;
    expect(unbake(text).credential).toBe('{"a":1}');
    // The right local name in another namespace is not it.
    const wrongNs = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://example.org/other"><openbadges:credential verify="a.b.c"/></svg>';
    expectMicrocredError(() => unbake(wrongNs), 'MC_BAKED_NOT_FOUND');
  });

  it('an SVG without a credential, an OB 2.0 SVG, an empty element', () => {
    expectMicrocredError(() => unbake(SMALL_SVG), 'MC_BAKED_NOT_FOUND', /no baked credential/);
    const ob2 = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"><openbadges:assertion verify="https://example.org/a/1"/></svg>';
    expectMicrocredError(() => unbake(ob2), 'MC_BAKED_NOT_FOUND', /Open Badges 2\.0/);
    const empty = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="${OB3_SVG_NAMESPACE}"><openbadges:credential/></svg>`;
    expectMicrocredError(() => unbake(empty), 'MC_BAKED_INVALID', /empty/);
  });

  it('XXE: a DOCTYPE declaring an external entity is refused, and the file is never read into the result', () => {
    const xxe = `<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="${OB3_SVG_NAMESPACE}"><openbadges:credential>&x;</openbadges:credential></svg>`;
    const e = expectMicrocredError(() => unbake(Buffer.from(xxe)), 'MC_BAKED_INVALID', /DOCTYPE with an internal subset/);
    expect(e.message).not.toMatch(/root:/);
    expectMicrocredError(() => bakeSvg(xxe, JWS), 'MC_BAKED_INVALID', /DOCTYPE with an internal subset/);
    // Also when the entity is not referenced, and for internal (billion laughs) entities.
    const declaredOnly = xxe.replace('&x;', 'a.b.c');
    expectMicrocredError(() => unbake(declaredOnly), 'MC_BAKED_INVALID', /internal subset/);
    const laughs = `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="${OB3_SVG_NAMESPACE}"><openbadges:credential>&b;</openbadges:credential></svg>`;
    expectMicrocredError(() => unbake(laughs), 'MC_BAKED_INVALID', /internal subset/);
    // An undeclared entity is an error too.
    const undeclared = `<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="${OB3_SVG_NAMESPACE}"><openbadges:credential>&x;</openbadges:credential></svg>`;
    expectMicrocredError(() => unbake(undeclared), 'MC_BAKED_INVALID', /entity/);
  });

  it('a DOCTYPE with only an external identifier is accepted and never fetched', () => {
    const svg = `<?xml version="1.0"?>\n<!DOCTYPE svg SYSTEM "file:///etc/passwd">\n<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="${OB3_SVG_NAMESPACE}"><openbadges:credential verify="a.b.c"/></svg>`;
    expect(unbake(svg).credential).toBe('a.b.c');
  });

  it('malformed XML, a non-SVG root, bad UTF-8 and oversized SVGs are refused', () => {
    expectMicrocredError(() => unbake('<svg xmlns="http://www.w3.org/2000/svg"><g></svg>'), 'MC_BAKED_INVALID', /not well-formed/);
    expectMicrocredError(() => unbake('<?xml version="1.0"?><html><body/></html>'), 'MC_BAKED_INVALID', /root element is <html>/);
    expectMicrocredError(() => bakeSvg('<?xml version="1.0"?><html/>', JWS), 'MC_BAKED_INVALID', /not an SVG/);
    expectMicrocredError(() => unbake(Buffer.concat([Buffer.from('<svg>'), Buffer.from([0xff, 0xfe])])), 'MC_BAKED_INVALID', /UTF-8/);
    expectMicrocredError(() => unbake(bakeSvg(SMALL_SVG, JWS), { maxImageBytes: 64 }), 'MC_INPUT_TOO_LARGE');
    expectMicrocredError(() => bakeSvg(Buffer.concat([Buffer.from('<svg>'), Buffer.from([0xc3, 0x28])]), JWS), 'MC_BAKED_INVALID', /UTF-8/);
    expect(unbake(bakeSvg(Buffer.from(SMALL_SVG), JWS)).credential).toBe(JWS);
    const clash = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://example.org/other"/>';
    expectMicrocredError(() => bakeSvg(clash, JWS), 'MC_BAKED_INVALID', /binds the prefix "openbadges"/);
  });
});

describe('unbake: what is an image', () => {
  it('a non-image is refused', () => {
    expectMicrocredError(() => unbake(Buffer.from('just some text')), 'MC_INPUT_UNRECOGNIZED', /not a PNG or SVG image/);
    expectMicrocredError(() => unbake(Buffer.from(JWS)), 'MC_INPUT_UNRECOGNIZED');
    expectMicrocredError(() => unbake(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46])), 'MC_INPUT_UNRECOGNIZED'); // JPEG
    expectMicrocredError(() => unbake(new Uint8Array(0)), 'MC_INPUT_UNRECOGNIZED');
  });

  it('PNG by its 8-byte signature; SVG by XML prolog, comment, DOCTYPE or <svg (after a BOM and whitespace)', () => {
    expect(unbake(bakePng(makePng(), JWS)).format).toBe('png');
    const baked = bakeSvg(SMALL_SVG, JWS);
    const withoutProlog = baked.replace(/^<\?xml[^>]*>\s*/, '');
    for (const svg of [baked, withoutProlog, `\uFEFF  ${withoutProlog}`, `<!-- badge -->\n${withoutProlog}`]) {
      expect(unbake(Buffer.from(svg)).format).toBe('svg');
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The official validator's baked fixtures
// ---------------------------------------------------------------------------------------------

const VF = 'spec/ob3/examples/validator-fixtures/ob30';
const readFixture = (name: string): Buffer => readFileSync(path.join(SHARED_DIR, VF, name));
const decodeJwsPart = (jws: string, i: number) => JSON.parse(Buffer.from(jws.split('.')[i]!, 'base64url').toString('utf8')) as Record<string, unknown>;
const REGISTERED = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti'];
const withoutProof = (c: Record<string, unknown>) => Object.fromEntries(Object.entries(c).filter(([k]) => k !== 'proof'));

describe.skipIf(!requireShared('baking: official validator fixtures'))('the official validator\'s baked fixtures', () => {
  const simple = () => readSharedJson(`${VF}/simple.json`) as Record<string, unknown>;

  it.each(['simple-jwt.png', 'simple-jwt.svg'])('%s carries a VC-JWT of the simple.json credential from another issuer (header jwk; iss, aud, nbf, jti, iat, no sub)', (name) => {
    const { format, credential } = unbake(readFixture(name));
    expect(format).toBe(name.slice(-3));
    expect(credential).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const header = decodeJwsPart(credential, 0);
    expect(header).toMatchObject({ alg: 'RS256', jwk: { kty: 'RSA' } });
    const payload = decodeJwsPart(credential, 1);
    expect(Object.keys(payload).filter((k) => REGISTERED.includes(k)).sort()).toEqual(['aud', 'iat', 'iss', 'jti', 'nbf']);
    const vc = Object.fromEntries(Object.entries(payload).filter(([k]) => !REGISTERED.includes(k)));
    const issuer = { id: 'https://1edtech.edu/issuers/565049', type: ['Profile'], url: 'https://www.imsglobal.org', name: 'Example Corp' };
    expect(vc).toEqual({ ...withoutProof(simple()), issuer });
    expect(payload).toMatchObject({ iss: issuer.id, jti: vc.id, aud: (vc.credentialSubject as { id: string }).id, nbf: Date.parse(vc.validFrom as string) / 1000 });
  });

  it.each(['simple-jwt_v1.png', 'simple-jwt_v1.svg'])('%s carries a VCDM 1.1 VC-JWT (credential under vc)', (name) => {
    const { credential } = unbake(readFixture(name));
    const payload = decodeJwsPart(credential, 1);
    expect(payload.vc).toMatchObject({ type: ['VerifiableCredential', 'OpenBadgeCredential'] });
    expect((payload.vc as { '@context': string[] })['@context'][0]).toBe('https://www.w3.org/2018/credentials/v1');
  });

  it.each(['simple-json.png', 'simple-json.svg'])('%s carries the simple.json credential with one eddsa-rdfc-2022 DataIntegrityProof', (name) => {
    const { credential } = unbake(readFixture(name));
    const doc = JSON.parse(credential) as Record<string, unknown>;
    expect(withoutProof(doc)).toEqual(withoutProof(simple()));
    expect(doc.proof).toEqual([expect.objectContaining({ type: 'DataIntegrityProof', cryptosuite: 'eddsa-rdfc-2022', proofPurpose: 'assertionMethod' })]);
  });

  it('the PNG and the SVG of each fixture carry the same credential (the JWTs were signed apart: other key, other iat); each PNG has exactly one credential chunk', () => {
    const claimsBut = (jws: string) => Object.fromEntries(Object.entries(decodeJwsPart(jws, 1)).filter(([k]) => k !== 'iat'));
    for (const stem of ['simple-jwt', 'simple-jwt_v1', 'simple-json']) {
      const png = unbake(readFixture(`${stem}.png`)).credential;
      const svg = unbake(readFixture(`${stem}.svg`)).credential;
      if (stem === 'simple-json') expect(JSON.parse(png)).toEqual(JSON.parse(svg));
      else expect(claimsBut(png)).toEqual(claimsBut(svg));
      expect(countCredentialChunks(readFixture(`${stem}.png`))).toBe(1);
    }
  });

  it('re-baking a fixture keeps its image and still gives one chunk / one element', () => {
    const png = readFixture('simple-json.png');
    const rebaked = Buffer.from(bakePng(png, JWS));
    expect(countCredentialChunks(rebaked)).toBe(1);
    expect(unbake(rebaked).credential).toBe(JWS);
    const a = PNG.sync.read(png);
    const b = PNG.sync.read(rebaked);
    expect([b.width, b.height]).toEqual([a.width, a.height]);
    expect(b.data.equals(a.data)).toBe(true);
    const svg = bakeSvg(readFixture('simple-jwt.svg').toString('utf8'), JSON_CREDENTIAL);
    expect(countCredentialElements(svg)).toBe(1);
    expect(unbake(svg).credential).toBe(JSON_CREDENTIAL);
    expect(svg).toContain('<!DOCTYPE svg PUBLIC');
  });

  it.each(['simple-jwt.png', 'simple-jwt_v1.svg', 'simple-json.png', 'simple-json.svg'])(
    '%s: the verifier gives the same report for the image as for the credential inside, but for the parse message',
    async (name) => {
      const now = new Date('2026-01-01T00:00:00Z');
      const fromImage = await verifyCredential(readFixture(name), { now, fetcher: offlineFetcher });
      const fromText = await verifyCredential(unbake(readFixture(name)).credential, { now, fetcher: offlineFetcher });
      expect(checksAfterParse(fromImage)).toEqual(checksAfterParse(fromText));
      expect({ verified: fromImage.verified, format: fromImage.format, credential: fromImage.credential }).toEqual({
        verified: fromText.verified,
        format: fromText.format,
        credential: fromText.credential,
      });
      expect(checkOf(fromImage, 'parse')).toEqual({
        ...checkOf(fromText, 'parse'),
        message: `a baked ${name.slice(-3).toUpperCase()} badge containing ${checkOf(fromText, 'parse').message}`,
        details: { bakedImage: name.slice(-3) },
      });
    },
  );
});

// ---------------------------------------------------------------------------------------------
// The verifier takes baked images
// ---------------------------------------------------------------------------------------------

describe('verifyCredential on baked images', () => {
  it.each(['png', 'svg'] as const)('a VC-JWT issued by our issuer, baked in %s, verifies', async (kind) => {
    const { jwt, credential } = await issueWith('ES256');
    const image = kind === 'png' ? bakePng(makePng(), jwt) : Buffer.from(bakeSvg(SMALL_SVG, jwt));
    const report = await verifyCredential(image, { fetcher: offlineFetcher });
    expect(report.checks.filter((c) => c.status === 'failed')).toEqual([]);
    expect(report.verified).toBe(true);
    expect(report.format).toBe('vc-jwt');
    expect(report.credential).toEqual(credential);
    expect(checkOf(report, 'parse').message).toBe(`a baked ${kind.toUpperCase()} badge containing a compact JWS (VC-JWT)`);
  });

  it('an SVG given as a string is taken too', async () => {
    const { jwt } = await issueWith('EdDSA');
    const report = await verifyCredential(bakeSvg(SMALL_SVG, jwt), { fetcher: offlineFetcher });
    expect(report.verified).toBe(true);
  });

  it.each(['png', 'svg'] as const)('a tampered credential baked in %s (one payload byte changed) fails the signature', async (kind) => {
    const { jwt } = await issueWith('ES256');
    const [h, p, s] = jwt.split('.') as [string, string, string];
    const payload = Buffer.from(p, 'base64url');
    const at = payload.indexOf('"name":"') + 8;
    payload[at] = payload[at]! ^ 0x01; // a letter of the name becomes another character: still JSON
    expect(() => JSON.parse(payload.toString('utf8'))).not.toThrow();
    const tampered = `${h}.${payload.toString('base64url')}.${s}`;
    const image = kind === 'png' ? bakePng(makePng(), tampered) : Buffer.from(bakeSvg(SMALL_SVG, tampered));
    const report = await verifyCredential(image, { fetcher: offlineFetcher });
    expect(report.verified).toBe(false);
    expect(checkOf(report, 'signature')).toMatchObject({ status: 'failed', code: 'MC_SIGNATURE_INVALID' });
  });

  it('an image larger than the 512 KiB input limit is accepted (images have their own 10 MiB limit)', async () => {
    const { jwt } = await issueWith('ES256');
    const big = noisyPng(420); // ≈ 700 KB: random pixels do not compress
    expect(big.length).toBeGreaterThan(512 * 1024);
    const report = await verifyCredential(bakePng(big, jwt), { fetcher: offlineFetcher });
    expect(report.verified).toBe(true);
    const limited = await verifyCredential(bakePng(big, jwt), { fetcher: offlineFetcher, maxImageBytes: 512 * 1024 });
    expect(limited.checks).toEqual([{ check: 'parse', status: 'failed', code: 'MC_INPUT_TOO_LARGE', message: expect.stringMatching(/^a baked PNG badge: the PNG image is \d+ bytes; the limit is 524288$/) }]);
    await expect(verifyCredential(big, { maxImageBytes: 0 })).rejects.toThrow(TypeError);
  });

  it.each([
    ['a PNG without a credential', () => makePng(), 'MC_BAKED_NOT_FOUND', /^a baked PNG badge: the PNG carries no baked credential/],
    ['an SVG without a credential', () => Buffer.from(SMALL_SVG), 'MC_BAKED_NOT_FOUND', /^a baked SVG badge: the SVG carries no baked credential/],
    [
      'a PNG with a corrupted CRC',
      () => {
        const b = Buffer.from(bakePng(makePng(), JWS));
        b[b.length - 16] = b[b.length - 16]! ^ 0xff;
        return b;
      },
      'MC_BAKED_INVALID',
      /CRC/,
    ],
    ['an SVG with an XXE DOCTYPE', () => Buffer.from(`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg" xmlns:o="${OB3_SVG_NAMESPACE}"><o:credential>&x;</o:credential></svg>`), 'MC_BAKED_INVALID', /internal subset/],
  ] as const)('%s: the parse check fails with a clear code', async (_, make, code, message) => {
    const report = await verifyCredential(make(), { fetcher: offlineFetcher });
    expect(report).toEqual({ verified: false, format: 'unknown', credential: null, checks: [{ check: 'parse', status: 'failed', code, message: expect.stringMatching(message) }] });
  });

  it('a baked credential that is not a credential fails parse, saying where it came from', async () => {
    const image = withChunks(makePng(), [{ name: 'iTXt', data: iTxtData('openbadgecredential', Buffer.from('not a credential')) }]);
    const report = await verifyCredential(image, { fetcher: offlineFetcher });
    expect(report.checks).toEqual([
      { check: 'parse', status: 'failed', code: 'MC_INPUT_UNRECOGNIZED', message: expect.stringMatching(/^the credential in a baked PNG badge: the input is neither/), details: { bakedImage: 'png' } },
    ]);
  });

  it('non-images are verified as before', async () => {
    const { jwt } = await issueWith('ES256');
    expect((await verifyCredential(Buffer.from(jwt), { fetcher: offlineFetcher })).verified).toBe(true);
    expect(checkOf(await verifyCredential(Buffer.from('hello'), { fetcher: offlineFetcher }), 'parse').code).toBe('MC_INPUT_UNRECOGNIZED');
  });
});

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

describe('CLI: bake, unbake, verify', () => {
  const BIN = path.join(REPO, 'dist/cli/main.js');
  const dir = mkdtempSync(path.join(tmpdir(), 'mc-bake-'));
  const file = (name: string) => path.join(dir, name);
  const cli = (args: string[], input?: string | Buffer) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, input, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it('bake → unbake → verify round trip, PNG and SVG, JWT and JSON', async () => {
    const { jwt } = await issueWith('ES256');
    writeFileSync(file('badge.png'), makePng());
    writeFileSync(file('badge.svg'), SMALL_SVG);
    writeFileSync(file('c.jwt'), jwt + '\n');
    writeFileSync(file('c.json'), JSON_CREDENTIAL);

    for (const ext of ['png', 'svg']) {
      const b = cli(['bake', file(`badge.${ext}`), '--credential', file('c.jwt'), '--out', file(`baked.${ext}`)]);
      expect({ code: b.code, stderr: b.stderr }).toEqual({ code: 0, stderr: '' });
      expect(b.stdout).toBe(`baked the VC-JWT into ${ext.toUpperCase()} ${file(`baked.${ext}`)}\n`);
      const u = cli(['unbake', file(`baked.${ext}`)]);
      expect({ code: u.code, stdout: u.stdout, stderr: u.stderr }).toEqual({ code: 0, stdout: `${jwt}\n`, stderr: '' });
      const o = cli(['unbake', file(`baked.${ext}`), '--out', file(`out-${ext}.jwt`)]);
      expect({ code: o.code, stdout: o.stdout }).toEqual({ code: 0, stdout: '' });
      expect(readFileSync(file(`out-${ext}.jwt`), 'utf8')).toBe(`${jwt}\n`);
      const v = cli(['verify', file(`baked.${ext}`)]);
      expect(v.code).toBe(0);
      expect(v.stdout).toMatch(new RegExp(`^✓ parse +a baked ${ext.toUpperCase()} badge containing a compact JWS \\(VC-JWT\\)$`, 'm'));
      expect(v.stdout).toMatch(/^VERIFIED .*\(vc-jwt\)$/m);

      // Re-bake the baked image with the JSON credential: replaced, not added.
      const j = cli(['bake', file(`baked.${ext}`), '--credential', file('c.json'), '--out', file(`json.${ext}`)]);
      expect(j.code).toBe(0);
      expect(cli(['unbake', file(`json.${ext}`)]).stdout).toBe(`${JSON_CREDENTIAL}\n`);
    }
    expect(countCredentialChunks(readFileSync(file('json.png')))).toBe(1);
    expect(countCredentialElements(readFileSync(file('json.svg'), 'utf8'))).toBe(1);
    // The baked PNG is still the same picture.
    expect(PNG.sync.read(readFileSync(file('baked.png'))).data.equals(PNG.sync.read(makePng()).data)).toBe(true);
  });

  it('unbake reads stdin', () => {
    const r = cli(['unbake', '-'], Buffer.from(bakePng(makePng(), JWS)));
    expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 0, stdout: `${JWS}\n` });
  });

  it('unusable input: one line with a stable code, exit 2', () => {
    writeFileSync(file('plain.png'), makePng());
    writeFileSync(file('text.txt'), 'not an image');
    const broken = Buffer.from(bakePng(makePng(), JWS));
    broken[broken.length - 16] = broken[broken.length - 16]! ^ 0xff;
    writeFileSync(file('broken.png'), broken);
    writeFileSync(file('c.jwt'), JWS);

    const cases: Array<[string[], RegExp]> = [
      [['unbake', file('plain.png')], /^microcred: MC_BAKED_NOT_FOUND: the PNG carries no baked credential/],
      [['unbake', file('text.txt')], /^microcred: MC_INPUT_UNRECOGNIZED: not a PNG or SVG image$/],
      [['unbake', file('broken.png')], /^microcred: MC_BAKED_INVALID: the PNG is corrupt: CRC/],
      [['unbake', file('missing.png')], /^microcred: MC_INPUT_UNREADABLE: cannot read .*missing\.png: no such file$/],
      [['bake', file('text.txt'), '--credential', file('c.jwt'), '--out', file('x.png')], /^microcred: MC_INPUT_UNRECOGNIZED: .*text\.txt is not a PNG or SVG image$/],
      [['bake', file('plain.png'), '--credential', file('text.txt'), '--out', file('x.png')], /^microcred: MC_INPUT_UNRECOGNIZED: the credential to bake is neither/],
      [['bake', file('broken.png'), '--credential', file('c.jwt'), '--out', file('x.png')], /^microcred: MC_BAKED_INVALID: /],
    ];
    for (const [args, stderr] of cases) {
      const r = cli(args);
      expect({ args: args.join(' '), code: r.code, lines: r.stderr.trimEnd().split('\n').length }).toEqual({ args: args.join(' '), code: 2, lines: 1 });
      expect(r.stderr.trimEnd()).toMatch(stderr);
      expect(r.stdout).toBe('');
    }

    const v = cli(['verify', file('plain.png')]);
    expect(v.code).toBe(2);
    expect(v.stdout).toMatch(/^✗ parse +a baked PNG badge: the PNG carries no baked credential .*\[MC_BAKED_NOT_FOUND\]$/m);
  });

  it('bake needs --credential and --out (usage error, exit 2)', () => {
    expect(cli(['bake', file('plain.png'), '--out', file('x.png')]).code).toBe(2);
    expect(cli(['bake', file('plain.png'), '--credential', file('c.jwt')]).code).toBe(2);
  });
});
