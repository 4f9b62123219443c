/**
 * The script of GET /verify (bundled by scripts/build-web.mjs into dist/web/verify-page.js).
 *
 * A pasted, uploaded or scanned credential is verified right here by the verifier module
 * (src/verifier) bundled for the browser: the credential is never sent anywhere. The only
 * requests the verifier may make are for what a credential points to and the verifier cannot
 * know offline: an issuer's did:web document or https key, and status (revocation) lists.
 * JSON-LD contexts and schemas are bundled, never fetched.
 *
 * Page contract (src/web/pages.ts): #mc-input, #mc-file, #mc-verify, #mc-scan, #mc-video,
 * #mc-result. After each verification a `microcred:report` event carrying the report is
 * dispatched on `document`, for embedding pages and tests.
 */
import { createVerifier, recipientMatches, type VerificationReport, type VerifierInput } from '../../verifier/index.js';
import { escapeHtml, renderResult, type RecipientCheck } from '../render.js';
import { createGuardedFetcher } from './fetch.js';
import { cameraErrorMessage, startQrScanner, type Scanner } from './qr.js';

/** Largest file read from disk; the verifier applies its own, smaller limits afterwards. */
const MAX_FILE_BYTES = 10 * 1024 * 1024;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

export interface PageElements {
  input: HTMLTextAreaElement;
  file: HTMLInputElement;
  verify: HTMLButtonElement;
  scan: HTMLButtonElement;
  video: HTMLVideoElement;
  result: HTMLElement;
}

function elements(): PageElements | null {
  const get = <T extends HTMLElement>(id: string) => document.getElementById(id) as T | null;
  const els = { input: get<HTMLTextAreaElement>('mc-input'), file: get<HTMLInputElement>('mc-file'), verify: get<HTMLButtonElement>('mc-verify'), scan: get<HTMLButtonElement>('mc-scan'), video: get<HTMLVideoElement>('mc-video'), result: get<HTMLElement>('mc-result') };
  return Object.values(els).every(Boolean) ? (els as PageElements) : null;
}

function errorHtml(title: string, message: string, code: string, hint?: string): string {
  return `<section class="result" data-error="${escapeHtml(code)}">
<div class="banner banner-not-verified" role="alert"><p class="banner-title">${escapeHtml(title)}</p><p>${escapeHtml(message)}</p>${hint ? `<p>${escapeHtml(hint)}</p>` : ''}</div>
</section>`;
}

function noticeHtml(title: string, body: string, code: string): string {
  return `<section class="result" data-notice="${escapeHtml(code)}">
<div class="banner banner-could-not-check" role="status"><p class="banner-title">${escapeHtml(title)}</p>${body}</div>
</section>`;
}

const LOCAL_NOTE = '<p class="privacy local-note" data-local-check>Checked in this browser: the credential was not sent to any server.</p>';

/** A parse failure means the input is not a credential at all: say so, rather than "not verified". */
function isUnreadable(report: VerificationReport): boolean {
  const first = report.checks[0];
  return report.credential === null && report.checks.length === 1 && first?.check === 'parse' && first.status === 'failed';
}

function isHttpUrl(text: string): URL | null {
  if (!/^https?:\/\//i.test(text)) return null;
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

export function initVerifyPage(els: PageElements): void {
  const verifier = createVerifier({
    fetcher: createGuardedFetcher({ timeoutMs: 8000 }),
    statusFailure: 'fail',
  });
  let run = 0;
  let lastReport: VerificationReport | null = null;
  let scanner: Scanner | null = null;

  const show = (html: string): void => {
    els.result.innerHTML = html;
  };

  const render = (report: VerificationReport, recipient: RecipientCheck = {}): void => {
    lastReport = report;
    if (isUnreadable(report)) {
      const check = report.checks[0]!;
      show(errorHtml('Not a credential', check.message, check.code, 'Paste the whole VC-JWT (three parts separated by dots) or the credential’s JSON, or upload the .jwt, .json or badge image file.'));
    } else {
      show(renderResult(report, { recipient }) + LOCAL_NOTE);
    }
    document.dispatchEvent(new CustomEvent('microcred:report', { detail: report }));
  };

  const verify = async (input: VerifierInput, source: string): Promise<void> => {
    const mine = ++run;
    els.result.setAttribute('aria-busy', 'true');
    show(`<p class="busy" role="status" data-state="busy">Checking the ${escapeHtml(source)} in this browser…</p>`);
    try {
      const report = await verifier(input);
      if (mine === run) render(report);
    } catch (e) {
      if (mine === run) show(errorHtml('Could not check', `The verifier stopped with an error: ${e instanceof Error ? e.message : String(e)}`, 'MC_INTERNAL'));
    } finally {
      if (mine === run) els.result.removeAttribute('aria-busy');
    }
  };

  const verifyText = (raw: string, source: string): void => {
    const text = raw.trim();
    if (text === '') {
      show(errorHtml('Nothing to check', 'Paste a credential into the box first, or upload a file.', 'MC_INPUT_EMPTY'));
      return;
    }
    const link = isHttpUrl(text);
    if (link) {
      show(noticeHtml('This is a link, not a credential', `<p>Open it to see the issuer’s verification page: <a href="${escapeHtml(link.href)}" rel="noopener noreferrer">${escapeHtml(link.href)}</a></p>`, 'MC_INPUT_LINK'));
      return;
    }
    void verify(text, source);
  };

  els.verify.addEventListener('click', () => verifyText(els.input.value, 'pasted credential'));

  const verifyFile = async (file: File): Promise<void> => {
    if (file.size > MAX_FILE_BYTES) {
      show(errorHtml('File too large', `${file.name} is ${file.size} bytes; credentials and badge images up to ${MAX_FILE_BYTES} bytes are accepted.`, 'MC_INPUT_TOO_LARGE'));
      return;
    }
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await file.arrayBuffer());
    } catch (e) {
      show(errorHtml('Could not read the file', e instanceof Error ? e.message : String(e), 'MC_INPUT_UNREADABLE'));
      return;
    }
    await verify(bytes, `file ${file.name}`);
  };

  els.file.addEventListener('change', () => {
    const file = els.file.files?.[0];
    if (file) void verifyFile(file).finally(() => (els.file.value = ''));
  });

  // A file dropped anywhere on the page is checked like an uploaded one.
  document.addEventListener('dragover', (e) => {
    if (e.dataTransfer?.types.includes('Files')) e.preventDefault();
  });
  document.addEventListener('drop', (e) => {
    const file = e.dataTransfer?.files?.[0];
    if (!file) return;
    e.preventDefault();
    void verifyFile(file);
  });

  // The recipient check runs here too: the identifier typed in never leaves the page.
  els.result.addEventListener('submit', (e) => {
    const form = e.target as HTMLFormElement | null;
    if (!form?.classList.contains('recipient') || !lastReport) return;
    e.preventDefault();
    const data = new FormData(form);
    const value = String(data.get('recipient') ?? '').trim().slice(0, 200);
    const identityType = String(data.get('type') ?? '') || undefined;
    if (value === '') return;
    const matched = recipientMatches(lastReport, identityType ? { identityType, identifier: value } : value);
    render(lastReport, { value, matched, ...(identityType ? { identityType } : {}) });
  });

  const stopScanning = (): void => {
    scanner?.stop();
    scanner = null;
    els.scan.textContent = 'Scan a QR code';
    els.scan.removeAttribute('aria-pressed');
  };

  const onQrText = (raw: string): void => {
    stopScanning();
    const text = raw.trim();
    const link = isHttpUrl(text);
    if (link) {
      if (link.origin === location.origin) {
        location.assign(link.href);
        return;
      }
      // Another site: show where the code leads before going there (a QR code can point anywhere).
      show(noticeHtml('Verification link', `<p>The QR code links to <strong>${escapeHtml(link.host)}</strong>. Open it only if you expect credentials from there:</p><p><a class="qr-link" href="${escapeHtml(link.href)}" rel="noopener noreferrer">${escapeHtml(link.href)}</a></p>`, 'MC_QR_LINK'));
      return;
    }
    if (COMPACT_JWS.test(text) || text.startsWith('{')) {
      els.input.value = text;
      void verify(text, 'scanned credential');
      return;
    }
    show(errorHtml('Not a credential', 'The QR code holds neither a verification link nor a credential.', 'MC_INPUT_UNRECOGNIZED'));
  };

  els.scan.addEventListener('click', async () => {
    if (scanner) {
      stopScanning();
      return;
    }
    els.scan.disabled = true;
    show('<p class="busy" role="status" data-state="scanning">Point the camera at the QR code. The picture stays on this device.</p>');
    // A code can be found before startQrScanner returns: then it has been handled already.
    let found = false;
    try {
      const started = await startQrScanner(els.video, (text) => {
        found = true;
        onQrText(text);
      });
      if (found) return;
      scanner = started;
      els.scan.textContent = 'Stop scanning';
      els.scan.setAttribute('aria-pressed', 'true');
    } catch (e) {
      show(errorHtml('Camera unavailable', cameraErrorMessage(e), 'MC_CAMERA_UNAVAILABLE'));
    } finally {
      els.scan.disabled = false;
    }
  });

  document.documentElement.dataset.mcReady = 'true';
}

function boot(): void {
  const els = elements();
  if (els) initVerifyPage(els);
}

if (typeof document !== 'undefined') {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
  else boot();
}
