/**
 * The synchronous `node:zlib` calls the verifier makes (status lists are GZIP, baked PNG iTXt
 * chunks are zlib), for the browser bundle, on fflate. `maxOutputLength` is honoured the way
 * Node honours it: decompression stops as soon as the output would exceed it and a RangeError
 * with code ERR_BUFFER_TOO_LARGE is thrown, so a decompression bomb never fills memory.
 * Corrupt or truncated input throws, as in Node.
 */
import { Gunzip, Inflate, Unzlib, deflateSync as fDeflate, gzipSync as fGzip, zlibSync as fZlib } from 'fflate';
import { Buffer } from './buffer.js';

export interface ZlibOptions {
  maxOutputLength?: number;
  level?: number;
}

type Input = Uint8Array | ArrayBufferView | string;

/** Compressed input is fed in slices this big, so at most ~1032× this is produced between checks. */
const SLICE = 4096;

function bytesOf(input: Input): Uint8Array {
  if (typeof input === 'string') return Buffer.from(input, 'utf8');
  if (input instanceof Uint8Array) return input;
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  throw new TypeError('The "buffer" argument must be of type string or an instance of Buffer, TypedArray or DataView.');
}

class TooLarge extends Error {}

function tooLarge(max: number): RangeError {
  const e = new RangeError(`Cannot create a Buffer larger than ${max} bytes`) as RangeError & { code: string };
  e.code = 'ERR_BUFFER_TOO_LARGE';
  return e;
}

function zlibError(message: string, code: string): Error {
  const e = new Error(message) as Error & { code: string };
  e.code = code;
  return e;
}

type Stream = { push(chunk: Uint8Array, final?: boolean): void; ondata: (data: Uint8Array, final: boolean) => void };

function decompress(make: () => Stream, input: Input, options: ZlibOptions = {}): Buffer {
  const data = bytesOf(input);
  const max = options.maxOutputLength ?? Number.MAX_SAFE_INTEGER;
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError('The value of "options.maxOutputLength" is out of range.');
  const chunks: Uint8Array[] = [];
  let total = 0;
  let ended = false;
  const stream = make();
  stream.ondata = (chunk, final) => {
    total += chunk.length;
    if (total > max) throw new TooLarge();
    chunks.push(chunk);
    if (final) ended = true;
  };
  try {
    if (data.length === 0) throw zlibError('unexpected end of file', 'Z_BUF_ERROR');
    for (let i = 0; i < data.length; i += SLICE) stream.push(data.subarray(i, Math.min(data.length, i + SLICE)), i + SLICE >= data.length);
  } catch (e) {
    if (e instanceof TooLarge) throw tooLarge(max);
    if ((e as { code?: unknown }).code === 'Z_BUF_ERROR') throw e;
    throw zlibError((e as Error).message || 'invalid compressed data', 'Z_DATA_ERROR');
  }
  if (!ended) throw zlibError('unexpected end of file', 'Z_BUF_ERROR');
  return Buffer.concat(chunks, total);
}

// CRC-32 (IEEE) for the gzip trailer check: fflate decodes the stream but does not check the
// trailer, and truncated input can then decode silently; Node (zlib) refuses it.
const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

export function gunzipSync(input: Input, options?: ZlibOptions): Buffer {
  const data = bytesOf(input);
  const out = decompress(() => new Gunzip() as unknown as Stream, data, options);
  // The trailer: CRC-32 and length (mod 2^32) of the output, little-endian.
  if (data.length < 18) throw zlibError('unexpected end of file', 'Z_BUF_ERROR');
  const view = new DataView(data.buffer, data.byteOffset + data.length - 8, 8);
  if (view.getUint32(4, true) !== out.length >>> 0 || view.getUint32(0, true) !== crc32(out)) throw zlibError('incorrect data check', 'Z_DATA_ERROR');
  return out;
}

export function inflateSync(input: Input, options?: ZlibOptions): Buffer {
  return decompress(() => new Unzlib() as unknown as Stream, input, options);
}

export function inflateRawSync(input: Input, options?: ZlibOptions): Buffer {
  return decompress(() => new Inflate() as unknown as Stream, input, options);
}

type Level = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
const levelOf = (options: ZlibOptions = {}): { level?: Level } => (options.level === undefined || options.level < 0 ? {} : { level: Math.min(9, options.level) as Level });

export function gzipSync(input: Input, options?: ZlibOptions): Buffer {
  return Buffer.from(fGzip(bytesOf(input), levelOf(options)));
}

export function deflateSync(input: Input, options?: ZlibOptions): Buffer {
  return Buffer.from(fZlib(bytesOf(input), levelOf(options)));
}

export function deflateRawSync(input: Input, options?: ZlibOptions): Buffer {
  return Buffer.from(fDeflate(bytesOf(input), levelOf(options)));
}

export default { gunzipSync, inflateSync, inflateRawSync, gzipSync, deflateSync, deflateRawSync };
