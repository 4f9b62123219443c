import { escapeHtml, renderPage, renderResult, type RenderOptions } from './render.js';
import type { VerificationReport } from '../verifier/report.js';

/** The verification page behind a QR code / verification link, rendered on the server (works without JavaScript). */
export function verificationPage(report: VerificationReport, opts: RenderOptions & { qrSvgHref?: string }): string {
  const title = String(((report.credential?.credentialSubject as { achievement?: { name?: unknown } } | undefined)?.achievement?.name ?? 'Credential verification'));
  const qr = opts.qrSvgHref ? `<p class="qr"><img src="${escapeHtml(opts.qrSvgHref)}" alt="QR code of this verification page"></p>` : '';
  return renderPage(`${title} — verification`, renderResult(report, opts) + qr);
}

/** The page for credentials that did not come from a link: paste, upload, or scan. Verified in the browser. */
export function verifyFormPage(): string {
  return renderPage(
    'Verify a micro-credential',
    `<h1>Verify a micro-credential</h1>
<p class="privacy"><strong>Private:</strong> credentials you paste or upload are checked here, in your browser. They are not sent to this server or anyone else. Only the issuer’s public keys and revocation lists may be fetched.</p>
<label for="mc-input">Paste a credential (a VC-JWT, or JSON)</label>
<textarea id="mc-input" spellcheck="false" autocomplete="off" placeholder="eyJhbGciOi…"></textarea>
<div class="actions">
<button id="mc-verify" type="button">Verify</button>
<label class="secondary">or upload a file <input type="file" id="mc-file" accept=".jwt,.jws,.json,.png,.svg"></label>
<button id="mc-scan" type="button" class="secondary">Scan a QR code</button>
</div>
<video id="mc-video" hidden playsinline muted></video>
<noscript><p>Without JavaScript, this page cannot check credentials in your browser. You can open the verification link printed on the certificate, or send the credential to this server to be checked:</p>
<form method="post" action="/verify"><label for="mc-nojs">Credential</label><textarea id="mc-nojs" name="credential" required></textarea><button type="submit">Verify on the server</button></form></noscript>
<div id="mc-result" aria-live="polite"></div>`,
    ['/assets/verify-page.js'],
  );
}
