import type { IssuingService } from '../service/issuing.js';
import type { StoredCredential } from '../storage/types.js';

export const escapeHtml = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * A plain server-rendered page for a credential (no scripts, no external assets). The full
 * employer verification page (verdict, checks, QR) is a later issue; this shows what was issued.
 */
export function credentialPage(c: StoredCredential, issuing: IssuingService): string {
  const cred = c.credential as { name?: unknown; issuer?: { name?: unknown }; validFrom?: unknown; credentialSubject?: { achievement?: { name?: unknown; description?: unknown; creditsAvailable?: unknown } } };
  const a = cred.credentialSubject?.achievement ?? {};
  const uuid = c.id.replace('urn:uuid:', '');
  const state = c.state === 'active' ? 'Active' : c.state === 'revoked' ? `Revoked${c.stateReason ? `: ${c.stateReason}` : ''}` : `Suspended${c.stateReason ? `: ${c.stateReason}` : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(a.name ?? cred.name)}</title></head>
<body>
<main>
<h1>${escapeHtml(a.name ?? cred.name)}</h1>
<p>${escapeHtml(a.description)}</p>
<dl>
<dt>Issuer</dt><dd>${escapeHtml(cred.issuer?.name)}</dd>
<dt>Issued</dt><dd>${escapeHtml(cred.validFrom)}</dd>
<dt>Credits</dt><dd>${escapeHtml(a.creditsAvailable ?? '–')}</dd>
<dt>Status at the issuer</dt><dd>${escapeHtml(state)}</dd>
</dl>
<p>Download: <a href="/api/v1/credentials/${escapeHtml(uuid)}.jwt">VC-JWT</a> · <a href="/api/v1/credentials/${escapeHtml(uuid)}.json">JSON</a></p>
<p><small>${escapeHtml(issuing.credentialUrl(c.id))}</small></p>
</main>
</body></html>
`;
}
