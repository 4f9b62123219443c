import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is CommonJS: under NodeNext its default import is the module record.
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (data: Uint8ClampedArray, w: number, h: number) => { data: string } | null;

/** The text of the QR code in a PNG (a real decoder, not our encoder run backwards), or null. */
export function decodeQrPng(png: Buffer): string | null {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data.buffer, img.data.byteOffset, img.data.byteLength), img.width, img.height)?.data ?? null;
}
