/**
 * The learner's "add to wallet" page (behind an OpenID4VCI offer's wallet page URL) and the
 * badge images that baked downloads are made from. Server-side only; no inline script or style
 * (the strict CSP holds): the QR code is an SVG image in a data: URI, which the CSP allows.
 */
import { deflateSync } from 'node:zlib';
import encodeChunks from 'png-chunks-encode';
import { escapeHtml, renderPage } from './render.js';
import { bakePng, bakeSvg } from '../baking/index.js';

export interface WalletPageInput {
  achievementName: string;
  issuerName: string;
  achievementDescription?: string;
  /** A data: URI image of the achievement, shown when present. */
  imageDataUri?: string;
  /** What the QR code and the wallet link carry: `openid-credential-offer://?credential_offer_uri=…`. */
  offerUri: string;
  /** The QR code of offerUri, as an SVG document. */
  qrSvg: string;
  status: 'usable' | 'expired' | 'used' | 'locked';
  /** The wallet will ask for a PIN sent separately. */
  needsPin: boolean;
  expiresAt: string;
  /** The employer verification page of the credential. */
  verificationUrl: string;
  downloads: Array<{ label: string; href: string }>;
  employer: Array<{ label: string; href: string }>;
}

const STATUS_TEXT: Record<Exclude<WalletPageInput['status'], 'usable'>, string> = {
  expired: 'This wallet offer has expired. Ask your institution for a new one; the downloads below still work.',
  used: 'This wallet offer was already used: the credential was added to a wallet. If that was not you, tell your institution.',
  locked: 'This wallet offer was locked after too many wrong PINs. Ask your institution for a new one.',
};

function formatExpiry(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function walletPage(input: WalletPageInput): string {
  const qrSrc = `data:image/svg+xml;base64,${Buffer.from(input.qrSvg, 'utf8').toString('base64')}`;
  const offer =
    input.status === 'usable'
      ? `<section class="wallet-offer">
<h2>Add it to your wallet</h2>
<p>Scan this QR code with your digital wallet app (one that supports OpenID for Verifiable Credential Issuance).</p>
<p class="qr"><img src="${escapeHtml(qrSrc)}" alt="QR code of the wallet offer"></p>
<p>On the phone that has your wallet, open the offer directly instead: <a class="wallet-link" href="${escapeHtml(input.offerUri)}">Add to wallet</a></p>
<details><summary>Wallet link (to copy)</summary><p><code>${escapeHtml(input.offerUri)}</code></p></details>
${
  input.needsPin
    ? `<p class="privacy"><strong>PIN:</strong> your wallet will ask for a 6-digit PIN. It is not on this page: your institution sends it to you separately (for example by email or text message). After 5 wrong PINs the offer stops working.</p>`
    : ''
}
<p>The offer works once and until ${escapeHtml(formatExpiry(input.expiresAt))}. Your wallet receives its own copy of the credential, bound to a key only your wallet holds.</p>
</section>`
      : `<section class="wallet-offer"><div class="banner banner-could-not-check" role="status"><p>${escapeHtml(STATUS_TEXT[input.status])}</p></div></section>`;
  const list = (items: Array<{ label: string; href: string }>, download: boolean) =>
    `<ul>${items.map((d) => `<li><a href="${escapeHtml(d.href)}"${download ? ' download' : ''}>${escapeHtml(d.label)}</a></li>`).join('')}</ul>`;
  const body = `<article class="badge">
${input.imageDataUri ? `<img class="badge-image" src="${escapeHtml(input.imageDataUri)}" alt="">` : ''}
<h1>${escapeHtml(input.achievementName)}</h1>
${input.achievementDescription ? `<p class="description">${escapeHtml(input.achievementDescription)}</p>` : ''}
<p class="issuer">Issued by <strong>${escapeHtml(input.issuerName)}</strong></p>
</article>
${offer}
<section class="downloads"><h2>Keep a copy</h2>${list(input.downloads, true)}</section>
<section class="employer"><h2>Show an employer</h2><p>Employers check your credential at its <a href="${escapeHtml(input.verificationUrl)}">verification page</a>.</p>${list(input.employer, false)}</section>`;
  return renderPage(`${input.achievementName}: add to wallet`, body);
}

/** A page for an unknown offer link. */
export function walletNotFoundPage(): string {
  return renderPage('Wallet offer not found', '<h1>Wallet offer not found</h1><p>This link does not lead to a wallet offer. Check that you copied all of it, or ask your institution for a new one.</p>');
}

// --- badge images ----------------------------------------------------------------------------

/** The achievement's own image, when it is a data: URI PNG or SVG. */
export function achievementImage(credential: Record<string, unknown>): { png?: Uint8Array; svg?: string; dataUri?: string } {
  const subject = (credential.credentialSubject ?? {}) as Record<string, unknown>;
  const achievement = (subject.achievement ?? {}) as Record<string, unknown>;
  const image = achievement.image ?? credential.image;
  const uri = typeof image === 'string' ? image : image && typeof image === 'object' ? (image as { id?: unknown }).id : undefined;
  if (typeof uri !== 'string') return {};
  const m = /^data:(image\/png|image\/svg\+xml)(;base64)?,(.*)$/is.exec(uri);
  if (!m) return {};
  const bytes = m[2] ? Buffer.from(m[3]!, 'base64') : Buffer.from(decodeURIComponent(m[3]!), 'utf8');
  return m[1]!.toLowerCase() === 'image/png' ? { png: new Uint8Array(bytes), dataUri: uri } : { svg: bytes.toString('utf8'), dataUri: uri };
}

/** Split a title into at most three lines of at most `width` characters for the generated badge. */
function titleLines(title: string, width = 16): string[] {
  const words = title.trim().split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    const next = line ? `${line} ${w}` : w;
    if (next.length <= width) line = next;
    else {
      if (line) lines.push(line);
      line = w.length > width ? `${w.slice(0, width - 1)}…` : w;
    }
  }
  if (line) lines.push(line);
  if (lines.length > 3) return [...lines.slice(0, 2), `${lines[2]!.slice(0, width - 1)}…`];
  return lines.length ? lines : ['Badge'];
}

/**
 * The baked badge a learner downloads (OB 3.0 §Baked Badge): the achievement's data: image when
 * it has one in the format asked for, else a generated badge, with the credential (its VC-JWT)
 * inside.
 */
export function bakedBadge(credential: Record<string, unknown>, jwt: string, format: 'png' | 'svg'): Uint8Array | string {
  const image = achievementImage(credential);
  if (format === 'png') return bakePng(image.png ?? (defaultBadgePng ??= generatedBadgePng()), jwt);
  const name = String(((credential.credentialSubject as { achievement?: { name?: unknown } } | undefined)?.achievement?.name) ?? 'Badge');
  return bakeSvg(image.svg ?? generatedBadgeSvg(name), jwt);
}

// Drawn and compressed once: it is the same image for every badge without its own.
let defaultBadgePng: Uint8Array | undefined;

/** A simple round badge with the achievement's name, for baking when the achievement has no image. */
export function generatedBadgeSvg(title: string): string {
  const lines = titleLines(title);
  const top = 128 - ((lines.length - 1) * 24) / 2 + 7;
  const text = lines.map((l, i) => `<text x="128" y="${top + i * 24}" text-anchor="middle" font-family="DejaVu Sans, Arial, sans-serif" font-size="19" font-weight="bold" fill="#ffffff">${escapeHtml(l)}</text>`).join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" role="img" aria-label="${escapeHtml(title)}"><title>${escapeHtml(title)}</title><circle cx="128" cy="128" r="124" fill="#0b57d0"/><circle cx="128" cy="128" r="106" fill="none" stroke="#ffffff" stroke-width="5"/>${text}</svg>`;
}

/** The same badge as a 256×256 PNG (no text: no font rendering here), for baked PNG downloads. */
export function generatedBadgePng(): Uint8Array {
  const size = 256;
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    const row = y * (size * 4 + 1);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x + 0.5 - 128, y + 0.5 - 128);
      const at = row + 1 + x * 4;
      // Blue disc, white ring, transparent outside; one pixel of anti-aliasing at the rim.
      const alpha = Math.max(0, Math.min(1, 124 - d + 0.5));
      const ring = Math.abs(d - 106) < 2.5;
      const [r, g, b] = ring ? [255, 255, 255] : [0x0b, 0x57, 0xd0];
      raw[at] = r;
      raw[at + 1] = g;
      raw[at + 2] = b;
      raw[at + 3] = Math.round(alpha * 255);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 6; // RGBA
  return encodeChunks([
    { name: 'IHDR', data: new Uint8Array(ihdr) },
    { name: 'IDAT', data: new Uint8Array(deflateSync(raw)) },
    { name: 'IEND', data: new Uint8Array(0) },
  ]);
}
