/**
 * PNG baking (OB 3.0 §Baked Badge): one uncompressed `iTXt` chunk with the keyword
 * `openbadgecredential` whose text is the compact JWS or the JSON credential.
 *
 * Chunk framing and CRCs are handled by png-chunks-extract (which checks every CRC but the
 * IEND one) and png-chunks-encode; this file only lays out the iTXt fields.
 */
import { inflateSync } from 'node:zlib';
import extractChunks from 'png-chunks-extract';
import encodeChunks from 'png-chunks-encode';
import { MicrocredError } from '../errors.js';
import {
  PNG_KEYWORD,
  checkCredentialSize,
  checkImageSize,
  credentialToBake,
  hasPngSignature,
  limitsOf,
  utf8OrNull,
  type BakingLimits,
} from './common.js';

interface Chunk {
  name: string;
  data: Uint8Array;
}

/** The OB 2.0 keyword: such images carry an OB 2.0 assertion, not an OB 3.0 credential. */
const LEGACY_KEYWORD = 'openbadges';

/**
 * Check, before the chunk library allocates anything, that every chunk length up to IEND fits
 * in the file: a corrupted length must not make it allocate gigabytes.
 */
function checkChunkBounds(png: Uint8Array): void {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  let at = 8;
  while (at + 8 <= png.byteLength) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(png[at + 4]!, png[at + 5]!, png[at + 6]!, png[at + 7]!);
    if (length > 0x7fffffff || at + 12 + length > png.byteLength) {
      throw new MicrocredError('MC_BAKED_INVALID', `the PNG is truncated or corrupt: chunk ${JSON.stringify(type)} at byte ${at} runs past the end of the file`);
    }
    at += 12 + length;
    if (type === 'IEND') return;
  }
  throw new MicrocredError('MC_BAKED_INVALID', 'the PNG is truncated: it has no IEND chunk');
}

/** Split a PNG into its chunks (IHDR first, up to IEND), refusing bad signatures and CRCs. */
export function readPngChunks(png: Uint8Array, maxImageBytes: number): Chunk[] {
  checkImageSize(png.byteLength, maxImageBytes, 'PNG image');
  if (!hasPngSignature(png)) throw new MicrocredError('MC_BAKED_INVALID', 'not a PNG image: the 8-byte PNG signature is missing');
  checkChunkBounds(png);
  try {
    return extractChunks(png);
  } catch (e) {
    throw new MicrocredError('MC_BAKED_INVALID', `the PNG is corrupt: ${(e as Error).message}`, { cause: e });
  }
}

/** The iTXt fields (PNG spec §11.3.4.5). */
interface ITxt {
  keyword: string;
  compressed: boolean;
  method: number;
  language: string;
  translatedKeyword: string;
  text: Uint8Array;
}

/** The keyword of a tEXt/zTXt/iTXt chunk: Latin-1 bytes up to the first NUL (null if there is none). */
function keywordOf(data: Uint8Array): string | null {
  const nul = data.indexOf(0);
  return nul < 0 ? null : Buffer.from(data.buffer, data.byteOffset, nul).toString('latin1');
}

function parseITxt(data: Uint8Array): ITxt | null {
  const k = data.indexOf(0);
  if (k < 1) return null;
  const lang = data.indexOf(0, k + 3);
  if (k + 2 >= data.length || lang < 0 || data[k + 1]! > 1) return null;
  const trans = data.indexOf(0, lang + 1);
  if (trans < 0) return null;
  const str = (from: number, to: number, enc: BufferEncoding) => Buffer.from(data.buffer, data.byteOffset + from, to - from).toString(enc);
  return {
    keyword: str(0, k, 'latin1'),
    compressed: data[k + 1] === 1,
    method: data[k + 2]!,
    language: str(k + 3, lang, 'latin1'),
    translatedKeyword: str(lang + 1, trans, 'utf8'),
    text: data.subarray(trans + 1),
  };
}

/** An uncompressed iTXt chunk: keyword, flag 0, method 0, empty language, empty translated keyword, UTF-8 text. */
function encodeITxt(keyword: string, text: string): Chunk {
  const data = Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]);
  return { name: 'iTXt', data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

const isCredentialChunk = (c: Chunk): boolean => c.name === 'iTXt' && keywordOf(c.data) === PNG_KEYWORD;

/**
 * Bake a credential (compact JWS or JSON text) into a PNG. Any credential already baked in it
 * is replaced: the result has exactly one `openbadgecredential` iTXt chunk, just before IEND.
 * Every other chunk is kept byte for byte, so the image is unchanged.
 */
export function bakePng(png: Uint8Array, credential: string, limits?: BakingLimits): Uint8Array {
  const { maxImageBytes, maxCredentialBytes } = limitsOf(limits);
  const { text } = credentialToBake(credential, maxCredentialBytes);
  const chunks = readPngChunks(png, maxImageBytes).filter((c) => !isCredentialChunk(c));
  const iend = chunks.findIndex((c) => c.name === 'IEND');
  chunks.splice(iend, 0, encodeITxt(PNG_KEYWORD, text));
  return encodeChunks(chunks);
}

/**
 * The credential baked into a PNG: the text of the first `openbadgecredential` iTXt chunk
 * (compressed with zlib or not). Throws MC_BAKED_NOT_FOUND when there is none.
 */
export function unbakePng(png: Uint8Array, limits?: BakingLimits): string {
  const { maxImageBytes, maxCredentialBytes } = limitsOf(limits);
  const chunks = readPngChunks(png, maxImageBytes);
  const found = chunks.find(isCredentialChunk);
  if (!found) {
    const legacy = chunks.some((c) => (c.name === 'iTXt' || c.name === 'tEXt' || c.name === 'zTXt') && keywordOf(c.data) === LEGACY_KEYWORD);
    throw new MicrocredError(
      'MC_BAKED_NOT_FOUND',
      legacy
        ? 'the PNG carries an Open Badges 2.0 assertion ("openbadges" chunk), not an Open Badges 3.0 credential'
        : 'the PNG carries no baked credential (no iTXt chunk with the keyword "openbadgecredential")',
    );
  }
  const itxt = parseITxt(found.data);
  if (!itxt) throw new MicrocredError('MC_BAKED_INVALID', 'the "openbadgecredential" iTXt chunk is malformed');
  let bytes = itxt.text;
  if (itxt.compressed) {
    if (itxt.method !== 0) throw new MicrocredError('MC_BAKED_INVALID', `the "openbadgecredential" iTXt chunk uses the unknown compression method ${itxt.method}`);
    try {
      bytes = inflateSync(bytes, { maxOutputLength: maxCredentialBytes });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new MicrocredError('MC_INPUT_TOO_LARGE', `the compressed baked credential inflates to more than ${maxCredentialBytes} bytes, the limit`);
      }
      throw new MicrocredError('MC_BAKED_INVALID', `the compressed "openbadgecredential" iTXt chunk does not inflate: ${(e as Error).message}`, { cause: e });
    }
  }
  checkCredentialSize(bytes.byteLength, maxCredentialBytes);
  const text = utf8OrNull(bytes);
  if (text === null) throw new MicrocredError('MC_BAKED_INVALID', 'the baked credential is not valid UTF-8');
  return text.trim();
}

/** How many `openbadgecredential` iTXt chunks a PNG has (for checks and tests). */
export function countCredentialChunks(png: Uint8Array, limits?: BakingLimits): number {
  return readPngChunks(png, limitsOf(limits).maxImageBytes).filter(isCredentialChunk).length;
}
