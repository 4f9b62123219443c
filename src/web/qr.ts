import QRCode from 'qrcode';

/**
 * QR codes of a credential's verification link (never of the credential itself, which overflows
 * a printable QR code), as the service serves them and batch output writes them.
 */
// qrcode hands rendererOpts to pngjs, which takes filterType and colorType; the typings list only deflate options.
const PNG_OPTIONS = { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 512, rendererOpts: { filterType: 2, colorType: 0 } } as QRCode.QRCodeToBufferOptions;

export function verificationQrPng(url: string): Promise<Buffer> {
  // Greyscale with the PNG "Up" filter: a QR code's pixel rows repeat in bands, which this filter
  // turns into zeros. Half the bytes of the default RGBA with adaptive filtering (2.5 KB instead
  // of 4.5 KB at 512 px) in 60 % of the time, which counts when a cohort's codes are written.
  return QRCode.toBuffer(url, PNG_OPTIONS);
}

export function verificationQrSvg(url: string): Promise<string> {
  return QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
