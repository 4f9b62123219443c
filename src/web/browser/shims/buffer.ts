/**
 * `Buffer` for the browser bundle: the `buffer` package (feross/buffer), which lacks Node's
 * `base64url` encoding. It is added here, on the bundle's own copy of the class, so that code
 * written for Node (`Buffer.from(s, 'base64url')`, `buf.toString('base64url')`) runs unchanged.
 * The package's base64 decoder already accepts the URL-safe alphabet and missing padding, as
 * Node's does; re-encoding is what the strict decoders in src/lib check against.
 *
 * Injected by scripts/build-web.mjs wherever bundled code uses the global `Buffer`.
 */
import { Buffer } from 'buffer';

type AnyFn = (...args: unknown[]) => unknown;

const isBase64url = (encoding: unknown): boolean => typeof encoding === 'string' && encoding.toLowerCase() === 'base64url';
const toBase64url = (base64: string): string => base64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const PATCHED = Symbol.for('microcred.buffer.base64url');
const B = Buffer as unknown as Record<string | symbol, unknown> & { prototype: { toString: unknown; write: unknown } };

if (!B[PATCHED]) {
  B[PATCHED] = true;

  const from = B.from as AnyFn;
  B.from = function (this: unknown, ...args: unknown[]) {
    if (typeof args[0] === 'string' && isBase64url(args[1])) return from.call(this, args[0], 'base64');
    return from.apply(this, args);
  };

  const byteLength = B.byteLength as AnyFn;
  B.byteLength = function (this: unknown, value: unknown, encoding?: unknown) {
    return byteLength.call(this, value, isBase64url(encoding) ? 'base64' : encoding);
  };

  const isEncoding = B.isEncoding as AnyFn;
  B.isEncoding = (encoding: unknown) => isBase64url(encoding) || isEncoding(encoding);

  const toString = B.prototype.toString as AnyFn;
  B.prototype.toString = function (this: unknown, ...args: unknown[]) {
    if (isBase64url(args[0])) return toBase64url(toString.call(this, 'base64', args[1], args[2]) as string);
    return toString.apply(this, args);
  };

  const write = B.prototype.write as AnyFn;
  B.prototype.write = function (this: unknown, ...args: unknown[]) {
    return write.apply(this, args.map((a) => (isBase64url(a) ? 'base64' : a)));
  };
}

export { Buffer };
