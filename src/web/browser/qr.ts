/**
 * QR scanning with the device camera: the BarcodeDetector API where the browser has it, jsQR on
 * canvas frames everywhere else. Frames never leave the page.
 */
import jsQRModule from 'jsqr';

type JsQR = typeof import('jsqr').default;
// jsqr is CommonJS: under NodeNext the default import is typed as the module record, while the
// bundler hands over the function itself (or a wrapper holding it in `default`).
const jsQR: JsQR = (jsQRModule as unknown as { default?: JsQR }).default ?? (jsQRModule as unknown as JsQR);

export interface Scanner {
  stop(): void;
}

interface DetectedBarcode {
  rawValue: string;
}
interface BarcodeDetectorLike {
  detect(source: CanvasImageSource): Promise<DetectedBarcode[]>;
}
interface BarcodeDetectorCtor {
  new (options: { formats: string[] }): BarcodeDetectorLike;
  getSupportedFormats?(): Promise<string[]>;
}

/** Frames are scaled down to at most this many pixels across before jsQR looks at them. */
const MAX_SCAN_WIDTH = 640;
const SCAN_INTERVAL_MS = 150;

async function nativeDetector(): Promise<BarcodeDetectorLike | null> {
  const Ctor = (globalThis as { BarcodeDetector?: BarcodeDetectorCtor }).BarcodeDetector;
  if (!Ctor) return null;
  try {
    const formats = (await Ctor.getSupportedFormats?.()) ?? ['qr_code'];
    return formats.includes('qr_code') ? new Ctor({ formats: ['qr_code'] }) : null;
  } catch {
    return null;
  }
}

/** Why the camera could not be used, in words for the page. */
export function cameraErrorMessage(e: unknown): string {
  const name = (e as { name?: string })?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return 'Camera access was refused. Allow the camera for this site, or paste or upload the credential instead.';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found on this device. Paste or upload the credential instead.';
  if (name === 'NotReadableError') return 'The camera is in use by another application.';
  return `The camera could not be started${e instanceof Error && e.message ? ` (${e.message})` : ''}.`;
}

/**
 * Start the camera in `video` and call `onText` once with the first QR code found. Rejects when
 * the camera cannot be opened. `stop()` releases the camera.
 */
export async function startQrScanner(video: HTMLVideoElement, onText: (text: string) => void): Promise<Scanner> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw Object.assign(new Error('this browser offers no camera access here (the page must be served over https)'), { name: 'NotSupportedError' });
  }
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    for (const track of stream.getTracks()) track.stop();
    video.srcObject = null;
    video.hidden = true;
  };
  video.srcObject = stream;
  video.setAttribute('playsinline', '');
  video.muted = true;
  video.hidden = false;
  await video.play().catch(() => undefined);

  const detector = await nativeDetector();
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });

  const decodeFrame = async (): Promise<string | null> => {
    if (video.readyState < 2 || video.videoWidth === 0) return null;
    if (detector) {
      try {
        const found = await detector.detect(video);
        const hit = found.find((b) => b.rawValue);
        if (hit) return hit.rawValue;
      } catch {
        /* fall back to jsQR for this frame */
      }
    }
    if (!ctx) return null;
    const scale = Math.min(1, MAX_SCAN_WIDTH / video.videoWidth);
    canvas.width = Math.max(1, Math.round(video.videoWidth * scale));
    canvas.height = Math.max(1, Math.round(video.videoHeight * scale));
    ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
    const image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const code = jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' });
    return code?.data ? code.data : null;
  };

  const tick = async (): Promise<void> => {
    if (stopped) return;
    let text: string | null = null;
    try {
      text = await decodeFrame();
    } catch {
      text = null;
    }
    if (stopped) return;
    if (text) {
      stop();
      onText(text);
      return;
    }
    timer = setTimeout(() => void tick(), SCAN_INTERVAL_MS);
  };
  void tick();
  return { stop };
}
