import QRCode from 'qrcode';
import { PNG } from 'pngjs';

/**
 * QR codes of a credential's verification link (never of the credential itself, which overflows
 * a printable QR code), as the service serves them and batch output writes them.
 */
/** What pages, downloads and batch files use; the printable certificate asks for its own size. */
const DEFAULT_SIZE = { width: 512, margin: 2 };
/** PNG options: greyscale with the "Up" filter (a QR code's pixel rows repeat in bands, which this filter turns into zeros). */
const PNG_OPTIONS = { colorType: 0, inputColorType: 0, inputHasAlpha: false, filterType: 2 } as const;

/**
 * qrcode's own PNG renderer paints 512 × 512 RGBA pixels and pngjs then converts every pixel to
 * greyscale: three quarters of the time of a code. The symbol from qrcode is drawn here straight
 * into greyscale, with the renderer's geometry (margin and scale), and written by pngjs: the same
 * image, about three times as fast, which counts when a cohort's codes are written.
 */
export function verificationQrPng(url: string, size: { width: number; margin: number } = DEFAULT_SIZE): Promise<Buffer> {
  const { modules } = QRCode.create(url, { errorCorrectionLevel: 'M' });
  const { width, pixels } = raster(modules.size, modules.data, size);
  const png = new PNG(PNG_OPTIONS);
  png.width = width;
  png.height = width;
  png.data = pixels;
  return Promise.resolve(PNG.sync.write(png, PNG_OPTIONS));
}

/** Greyscale pixels (0 dark, 255 light) of a QR symbol, mapped as qrcode's renderer maps them (renderer/utils.js). */
function raster(size: number, data: Uint8Array, image: { width: number; margin: number }): { width: number; pixels: Buffer } {
  // qrcode falls back to 4 pixels a module when the width is too small for the symbol.
  const scale = image.width >= size + image.margin * 2 ? image.width / (size + image.margin * 2) : 4;
  const width = Math.floor((size + image.margin * 2) * scale);
  const margin = image.margin * scale;
  const pixels = Buffer.alloc(width * width, 255);
  let lastRow = -1;
  for (let i = 0; i < width; i++) {
    if (i < margin || i >= width - margin) continue;
    const row = Math.floor((i - margin) / scale);
    const at = i * width;
    // Pixel rows of one module row are the same: copied, not drawn again.
    if (row === lastRow) {
      pixels.copy(pixels, at, at - width, at);
      continue;
    }
    lastRow = row;
    for (let j = 0; j < width; j++) {
      if (j >= margin && j < width - margin && data[row * size + Math.floor((j - margin) / scale)]) pixels[at + j] = 0;
    }
  }
  return { width, pixels };
}

export function verificationQrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
