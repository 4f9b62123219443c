/**
 * The verification result as HTML, for people. Pure functions with no Node imports: the server
 * renders pages with them and the browser bundle renders pasted credentials with the same code.
 */
import type { CheckResult, VerificationReport } from '../verifier/report.js';
import { FAVICON_LINK } from './icon.js';
import { clearNames } from '../lib/subject-names.js';

export type Verdict = 'verified' | 'not-verified' | 'could-not-check';

/** Failures that mean "we could not find out", not "this is wrong". Never shown as verified. */
const COULD_NOT_CHECK = new Set(['MC_STATUS_UNAVAILABLE', 'MC_STATUS_LIST_INVALID', 'MC_STATUS_UNSUPPORTED', 'MC_KEY_BINDING_UNCHECKED', 'MC_KEY_UNRESOLVABLE']);

export function verdictOf(report: VerificationReport): Verdict {
  const failed = report.checks.filter((c) => c.status === 'failed');
  if (failed.length === 0) return 'verified';
  return failed.every((c) => COULD_NOT_CHECK.has(c.code)) ? 'could-not-check' : 'not-verified';
}

export interface TrustInfo {
  /** recognised: listed in the configured trust registry; self-asserted: not listed. */
  status: 'recognised' | 'self-asserted';
  registryName?: string;
  /** Display name from the registry (takes precedence over the credential's own claim). */
  name?: string;
  accreditation?: string;
}

export interface RecipientCheck {
  /** Where the form submits (GET); omitted in the browser page. */
  action?: string;
  /** The value the employer typed, when the form was submitted. */
  value?: string;
  identityType?: string;
  matched?: boolean;
}

export interface RenderOptions {
  trust?: TrustInfo;
  recipient?: RecipientCheck;
  downloads?: Array<{ label: string; href: string }>;
  /** The link's digest did not match the stored credential (a swapped credential). */
  linkMismatch?: boolean;
}

export const escapeHtml = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

/** Only http(s) links are rendered as links; anything else (javascript:, data:) is shown as text. */
function safeHref(v: unknown): string | undefined {
  const s = str(v);
  return s && /^https?:\/\//i.test(s) ? s : undefined;
}

function formatDate(v: unknown): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? s : d.toISOString().slice(0, 10);
}

const BANNER: Record<Verdict, { title: string; text: string }> = {
  verified: { title: 'Verified', text: 'The signature is valid, the issuer’s key is genuine, and the credential is neither revoked nor expired.' },
  'not-verified': { title: 'Not verified', text: 'Do not rely on this credential.' },
  'could-not-check': { title: 'Could not check', text: 'Nothing is known to be wrong, but part of the check could not be completed. Try again later before relying on it.' },
};

const STATUS_MARK: Record<string, string> = { passed: '✓', failed: '✗', warning: '!', skipped: '–', info: 'i', 'not-applicable': '–' };

function reasons(report: VerificationReport): CheckResult[] {
  return report.checks.filter((c) => c.status === 'failed');
}

function row(label: string, value: string | undefined): string {
  return value === undefined ? '' : `<tr><th scope="row">${escapeHtml(label)}</th><td>${value}</td></tr>`;
}

function benchmarkSection(report: VerificationReport): string {
  const benchmarks = report.checks.filter((c) => c.check === 'benchmark' && obj(c.details).rules !== undefined);
  if (!benchmarks.length) return '';
  const parts = benchmarks.map((c) => {
    const d = obj(c.details);
    const rules = arr(d.rules).map(obj).filter((r) => r.status !== 'not-applicable');
    const items = rules
      .map((r) => `<li class="rule rule-${escapeHtml(r.status)}"><span class="mark" aria-hidden="true">${STATUS_MARK[String(r.status)] ?? '·'}</span> ${escapeHtml(r.message)}${r.detail && r.status !== 'passed' ? `<br><small>${escapeHtml(r.detail)}</small>` : ''} <small class="rule-id">${escapeHtml(r.id)}</small></li>`)
      .join('');
    return `<details class="profile profile-${escapeHtml(c.status)}"${c.status === 'failed' ? ' open' : ''}><summary><span class="mark" aria-hidden="true">${STATUS_MARK[c.status]}</span> ${escapeHtml(d.name ?? d.profile)}: ${escapeHtml(c.status === 'passed' ? 'meets the framework' : c.status === 'warning' ? 'meets it, with notes' : 'does not meet it')}</summary><ul>${items}</ul></details>`;
  });
  return `<section class="benchmarks"><h2>Quality benchmarks</h2>${parts.join('')}</section>`;
}

function learnerSection(credential: Json, report: VerificationReport, opts: RenderOptions): string {
  const subject = obj(credential.credentialSubject);
  const ids = arr(subject.identifier).map(obj);
  const rows: string[] = [];
  for (const name of clearNames(subject)) rows.push(`<p class="learner-name">${escapeHtml(name)}</p>`);
  if (str(subject.id)) rows.push(`<p>Identifier: <code>${escapeHtml(subject.id)}</code></p>`);
  const hashed = ids.filter((i) => i.hashed === true);
  if (hashed.length && opts.recipient) {
    const r = opts.recipient;
    const types = [...new Set(hashed.map((i) => String(i.identityType)))];
    const result =
      r.value === undefined
        ? ''
        : r.matched
          ? `<p class="match match-yes" role="status">✓ ${escapeHtml(r.value)} is the recipient of this credential.</p>`
          : `<p class="match match-no" role="status">✗ ${escapeHtml(r.value)} is not the recipient${report.verified ? '' : ' (or the credential is not verified)'}.</p>`;
    const options = types.map((t) => `<option value="${escapeHtml(t)}"${r.identityType === t ? ' selected' : ''}>${escapeHtml(t === 'emailAddress' ? 'email address' : t === 'ext:APAAR' ? 'APAAR id' : t)}</option>`).join('');
    rows.push(`<p>The recipient is recorded only as a salted hash. Type the candidate’s identifier to check it:</p>
<form class="recipient" method="get"${r.action ? ` action="${escapeHtml(r.action)}"` : ''}>
<label>Identifier <input name="recipient" autocomplete="off" required value="${escapeHtml(r.value ?? '')}"></label>
<label>Kind <select name="type">${options}</select></label>
<button type="submit">Check recipient</button>
</form>${result}`);
  }
  return rows.length ? `<section class="learner"><h2>Learner</h2>${rows.join('')}</section>` : '';
}

/** The result section: banner, what the credential certifies, benchmarks, checks, downloads. */
export function renderResult(report: VerificationReport, opts: RenderOptions = {}): string {
  const verdict: Verdict = opts.linkMismatch ? 'not-verified' : verdictOf(report);
  const banner = BANNER[verdict];
  const why = opts.linkMismatch
    ? ['This link does not match the credential on record: the credential may have been swapped.']
    : reasons(report).map((c) => c.message);
  const credential = obj(report.credential);
  const subject = obj(credential.credentialSubject);
  const achievement = obj(subject.achievement);
  const qb = obj(achievement.qualityBenchmark);
  const issuer = obj(typeof credential.issuer === 'string' ? { id: credential.issuer } : credential.issuer);
  const image = obj(achievement.image ?? credential.image);
  const imageSrc = str(image.id);
  const imgOk = imageSrc && (/^data:image\/(png|svg\+xml|jpeg|gif|webp);base64,/i.test(imageSrc));
  const levels = arr(qb.levels).map(obj).map((l) => `${escapeHtml(l.framework)} ${escapeHtml(l.code)}`);
  const assessment = obj(qb.assessment);
  const qa = obj(qb.qualityAssurance);
  const credits = achievement.creditsAvailable !== undefined ? `${escapeHtml(subject.creditsEarned ?? achievement.creditsAvailable)}${subject.creditsEarned !== undefined && subject.creditsEarned !== achievement.creditsAvailable ? ` of ${escapeHtml(achievement.creditsAvailable)}` : ''}${qb.creditSystem ? ` ${escapeHtml(qb.creditSystem)}` : ''} credits` : undefined;
  const outcomes = arr(achievement.alignment).map(obj).filter((a) => ['ext:LearningOutcome', 'CFItem', 'ceasn:Competency', 'ext:ESCOSkill'].includes(String(a.targetType)));
  const evidence = [...arr(credential.evidence), ...arr(subject.evidence)].map(obj);
  const trust = opts.trust;
  const issuerName = trust?.name ?? str(issuer.name) ?? str(issuer.id) ?? 'unknown issuer';
  const trustLine = trust
    ? trust.status === 'recognised'
      ? `<span class="trust trust-yes">Recognised issuer${trust.registryName ? ` (${escapeHtml(trust.registryName)})` : ''}</span>${trust.accreditation ? ` <small>${escapeHtml(trust.accreditation)}</small>` : ''}`
      : '<span class="trust trust-no">Self-asserted: this issuer is not in the configured trust registry</span>'
    : '';

  const details = [
    row('Credits', credits),
    row('Notional hours', qb.notionalHours !== undefined ? `${escapeHtml(qb.notionalHours)} hours` : undefined),
    row('Level', levels.length ? levels.join(', ') : undefined),
    row('Mode of delivery', str(qb.modeOfDelivery) ? escapeHtml(qb.modeOfDelivery) : undefined),
    row('Assessment', arr(assessment.types).length ? `${arr(assessment.types).map(escapeHtml).join(', ')}${assessment.supervision ? ` (${escapeHtml(assessment.supervision)})` : ''}` : undefined),
    row('Quality assurance', str(qa.qaType) ? `${escapeHtml(qa.qaType)}${obj(qa.body).name ? ` by ${escapeHtml(obj(qa.body).name)}` : ''}` : undefined),
    row('Issued', formatDate(credential.awardedDate ?? credential.validFrom)),
    row('Expires', formatDate(credential.validUntil) ?? (credential.validFrom ? 'does not expire' : undefined)),
  ].join('');

  const checks = report.checks
    .map((c) => `<li class="check check-${escapeHtml(c.status)}"><span class="mark" aria-hidden="true">${STATUS_MARK[c.status]}</span> <strong>${escapeHtml(c.check)}</strong>: ${escapeHtml(c.message)} <code>${escapeHtml(c.code)}</code></li>`)
    .join('');

  return `<section class="result" data-verdict="${verdict}">
<div class="banner banner-${verdict}" role="status"><p class="banner-title">${banner.title}</p><p>${escapeHtml(banner.text)}</p>${why.length && verdict !== 'verified' ? `<ul class="why">${why.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}</div>
${report.credential ? `<article class="badge">
${imgOk ? `<img class="badge-image" src="${escapeHtml(imageSrc)}" alt="">` : ''}
<h1>${escapeHtml(achievement.name ?? credential.name ?? 'Credential')}</h1>
${str(achievement.description) ? `<p class="description">${escapeHtml(achievement.description)}</p>` : ''}
<p class="issuer">Issued by <strong>${escapeHtml(issuerName)}</strong> ${trustLine}</p>
${learnerSection(credential, report, opts)}
${details ? `<table class="facts">${details}</table>` : ''}
${outcomes.length ? `<section class="outcomes"><h2>Learning outcomes</h2><ul>${outcomes.map((o) => `<li>${escapeHtml(o.targetName)}</li>`).join('')}</ul></section>` : ''}
${evidence.length ? `<section class="evidence"><h2>Evidence</h2><ul>${evidence.map((e) => `<li>${safeHref(e.id) ? `<a href="${escapeHtml(safeHref(e.id))}" rel="noopener noreferrer">${escapeHtml(e.name ?? e.id)}</a>` : escapeHtml(e.name ?? 'evidence')}${str(e.narrative) ? ` — ${escapeHtml(e.narrative)}` : ''}</li>`).join('')}</ul></section>` : ''}
${benchmarkSection(report)}
</article>` : ''}
<details class="checks"><summary>Every technical check (${report.checks.length})</summary><ul>${checks}</ul></details>
${opts.downloads?.length ? `<p class="downloads">Download: ${opts.downloads.map((d) => `<a href="${escapeHtml(d.href)}" download>${escapeHtml(d.label)}</a>`).join(' · ')}</p>` : ''}
</section>`;
}

/** A whole page: no inline scripts or styles, so the strict CSP holds. */
export function renderPage(title: string, body: string, scripts: string[] = []): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>${FAVICON_LINK}<link rel="stylesheet" href="/assets/verify.css"></head>
<body><main>${body}</main>
<footer><p>Verified by <a href="/verify">microcred</a>. <a href="/verify">Verify another credential</a>.</p></footer>
${scripts.map((s) => `<script src="${escapeHtml(s)}" defer></script>`).join('\n')}
</body></html>
`;
}
