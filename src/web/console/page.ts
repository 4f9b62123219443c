/**
 * The registrar console page (GET /console): a static shell. It carries no data and no secrets;
 * the console script (src/web/browser/console.ts, served as /assets/console.js) fills it in by
 * calling the API with the token the staff member pastes. No inline scripts or styles: the
 * page's CSP allows only this origin's script and stylesheets.
 *
 * Element ids here are the contract with the script.
 */
import { escapeHtml } from '../render.js';
import { FAVICON_LINK } from '../icon.js';

/** Choices offered by the form, taken from the extension's JSON Schema and the profiles. */
export interface ConsoleFieldOptions {
  creditSystems: string[];
  levelFrameworks: string[];
  modesOfDelivery: string[];
  assessmentTypes: string[];
  supervision: string[];
  qaTypes: string[];
}

export interface ConsolePageOptions {
  issuerName: string;
  /** Recognised cohort CSV columns and what each holds (src/batch/rows.ts CSV_COLUMNS). */
  csvColumns: Readonly<Record<string, string>>;
  fields: ConsoleFieldOptions;
}

const options = (values: string[], blank?: string) => `${blank !== undefined ? `<option value="">${escapeHtml(blank)}</option>` : ''}${values.map((v) => `<option value="${escapeHtml(v)}">${escapeHtml(v)}</option>`).join('')}`;
const datalist = (id: string, values: string[]) => `<datalist id="${id}">${values.map((v) => `<option value="${escapeHtml(v)}"></option>`).join('')}</datalist>`;

function field(id: string, label: string, control: string, hint?: string): string {
  return `<div class="field"><label for="${id}">${escapeHtml(label)}${hint ? ` <small>${escapeHtml(hint)}</small>` : ''}</label>${control}</div>`;
}

function signIn(): string {
  return `<section id="mc-signin" class="panel" aria-labelledby="mc-signin-title">
<h2 id="mc-signin-title">Sign in</h2>
<p>Paste your API token (<code>mc_…</code>). Ask an administrator for one with the scopes you need: <strong>admin</strong> to define achievements, <strong>issue</strong> for cohorts and the credential list, <strong>revoke</strong> to revoke or suspend.</p>
<form id="mc-signin-form" class="stack" autocomplete="off">
${field('mc-token', 'API token', '<input id="mc-token" name="token" type="password" autocomplete="off" spellcheck="false" required placeholder="mc_…">')}
<div class="actions"><button type="submit" id="mc-signin-submit">Sign in</button></div>
</form>
<p id="mc-signin-error" class="error" role="alert" hidden></p>
<p class="privacy">The token stays in this browser tab only (session storage, never a cookie) and is sent to this service in the <code>Authorization</code> header. Closing the tab or signing out forgets it.</p>
<noscript><p class="error">The console needs JavaScript.</p></noscript>
</section>`;
}

function achievementsPanel(o: ConsolePageOptions): string {
  const f = o.fields;
  return `<section id="panel-achievements" role="tabpanel" aria-labelledby="tab-achievements" class="panel-body">
<div class="ach-layout">
<div class="list-pane">
<h2>Achievements</h2>
<div class="actions"><button type="button" id="ach-new" class="secondary">New achievement</button><button type="button" id="ach-refresh" class="secondary">Refresh</button></div>
<ul id="ach-list" class="item-list"></ul>
<p id="ach-list-status" class="muted" role="status"></p>
</div>
<form id="ach-form" class="editor" novalidate>
<h2 id="ach-form-title">New achievement</h2>
<p id="ach-admin-note" class="notice notice-warn" hidden>Your token has no <strong>admin</strong> scope: you can check an achievement here, but not save it.</p>
<fieldset><legend>Achievement</legend>
${field('ach-id', 'Id', '<input id="ach-id" autocomplete="off" spellcheck="false" pattern="[a-z0-9][a-z0-9-]{0,62}" placeholder="data-ethics-101">', 'lowercase letters, digits and dashes; published as /achievements/<id>/v<n>')}
${field('ach-name', 'Name', '<input id="ach-name" data-path="name" autocomplete="off">')}
${field('ach-description', 'Description', '<textarea id="ach-description" data-path="description" rows="3"></textarea>')}
${field('ach-criteria', 'Criteria (narrative)', '<textarea id="ach-criteria" data-path="criteria.narrative" rows="3"></textarea>')}
${field('ach-credits', 'Credits available', '<input id="ach-credits" data-path="creditsAvailable" data-kind="number" type="number" step="any" min="0" inputmode="decimal">')}
${field('ach-outcomes', 'Learning outcomes', '<textarea id="ach-outcomes" data-kind="outcomes" rows="4"></textarea>', 'one per line')}
</fieldset>
<fieldset><legend>Quality benchmark</legend>
<div class="field"><span class="label" id="ach-profiles-label">Profiles (frameworks this micro-credential claims to meet)</span><div id="ach-profiles" class="check-grid" role="group" aria-labelledby="ach-profiles-label"><span class="muted">Loading profiles…</span></div></div>
<div class="grid-2">
${field('ach-credit-system', 'Credit system', `<select id="ach-credit-system" data-path="qualityBenchmark.creditSystem">${options(f.creditSystems, '(not stated)')}</select>`)}
${field('ach-hours-per-credit', 'Hours per credit', '<input id="ach-hours-per-credit" data-path="qualityBenchmark.hoursPerCredit" data-kind="number" type="number" step="any" min="0" inputmode="decimal">')}
${field('ach-notional-hours', 'Notional hours', '<input id="ach-notional-hours" data-path="qualityBenchmark.notionalHours" data-kind="number" type="number" step="any" min="0" inputmode="decimal">', 'total learning hours')}
${field('ach-mode', 'Mode of delivery', `<select id="ach-mode" data-path="qualityBenchmark.modeOfDelivery">${options(f.modesOfDelivery, '(not stated)')}</select>`)}
</div>
${field('ach-levels', 'Levels', '<textarea id="ach-levels" data-kind="levels" rows="2" spellcheck="false"></textarea>', `one per line: framework and code, e.g. "EQF 5" (${f.levelFrameworks.join(', ')})`)}
${field('ach-assessment-types', 'Assessment types', '<input id="ach-assessment-types" data-path="qualityBenchmark.assessment.types" data-kind="list" list="mc-assessment-types" autocomplete="off" spellcheck="false">', 'comma-separated, e.g. written-examination, practical-assessment')}
${datalist('mc-assessment-types', f.assessmentTypes)}
<div class="grid-2">
${field('ach-supervision', 'Assessment supervision', `<select id="ach-supervision" data-path="qualityBenchmark.assessment.supervision">${options(f.supervision, '(not stated)')}</select>`)}
${field('ach-qa-type', 'Quality assurance', `<select id="ach-qa-type" data-path="qualityBenchmark.qualityAssurance.qaType">${options(f.qaTypes, '(not stated)')}</select>`)}
${field('ach-qa-body-name', 'QA body: name', '<input id="ach-qa-body-name" data-path="qualityBenchmark.qualityAssurance.body.name" data-kind="qa-body" autocomplete="off">')}
${field('ach-qa-body-id', 'QA body: web address', '<input id="ach-qa-body-id" data-path="qualityBenchmark.qualityAssurance.body.id" data-kind="qa-body" type="url" autocomplete="off" placeholder="https://…">')}
</div>
</fieldset>
<details id="ach-json-details" class="json-editor"><summary>JSON: the whole achievement (everything else: alignment, resultDescription, creditBank…)</summary>
${field('ach-json', 'Achievement JSON', '<textarea id="ach-json" rows="18" spellcheck="false" autocomplete="off"></textarea>', 'edits here update the form, and the other way round')}
<p id="ach-json-error" class="error" role="alert" hidden></p>
</details>
<div class="actions"><button type="submit" id="ach-save">Save</button><span id="ach-save-status" role="status"></span></div>
<div id="ach-save-problems"></div>
</form>
<aside id="ach-lint" class="lint" aria-labelledby="ach-lint-title">
<h2 id="ach-lint-title">Checks</h2>
<p class="muted">Checked as you type, against the OB 3.0 schema, the extension and the profiles. Rules that look at a learner's data are checked for each learner when issuing.</p>
<div id="lint-output" aria-live="polite">
<p id="lint-summary" class="lint-summary" data-state="idle">Start typing, or pick an achievement to edit.</p>
<ul id="lint-problems" class="problems"></ul>
<div id="lint-profiles"></div>
</div>
</aside>
</div>
</section>`;
}

function cohortsPanel(o: ConsolePageOptions): string {
  const columns = Object.entries(o.csvColumns).map(([name, text]) => `<tr><th scope="row"><code>${escapeHtml(name)}</code></th><td>${escapeHtml(text)}</td></tr>`).join('');
  return `<section id="panel-cohorts" role="tabpanel" aria-labelledby="tab-cohorts" class="panel-body" hidden>
<h2>Issue to a cohort</h2>
<form id="cohort-form" class="stack" novalidate>
${field('cohort-achievement', 'Achievement', '<select id="cohort-achievement" required></select>', 'credentials are issued under its latest version')}
${field('cohort-file', 'Cohort file', '<input id="cohort-file" type="file" accept=".csv,text/csv,.jsonl,.ndjson" required>', 'CSV with a header row (or JSON Lines)')}
<div class="actions"><button type="submit" id="cohort-upload">Upload and validate</button></div>
</form>
<details class="columns"><summary>CSV columns</summary>
<p>Header names are case-insensitive; spaces, dashes and underscores are the same. Each row needs at least one of <code>email</code>, <code>student_id</code>, <code>apaar</code> or <code>subject_id</code>.</p>
<div class="table-wrap"><table class="data"><tbody>${columns}</tbody></table></div>
</details>
<p id="cohort-error" class="error" role="alert" hidden></p>
<div id="cohort-result" class="panel" hidden>
<h3>Batch <code id="cohort-batch-id"></code></h3>
<p id="cohort-summary" role="status"></p>
<div id="cohort-invalid-wrap" hidden>
<div class="table-wrap"><table id="cohort-invalid" class="data"><caption>Rows that will not be issued</caption><thead><tr><th scope="col">Line</th><th scope="col">Learner</th><th scope="col">Problems</th></tr></thead><tbody></tbody></table></div>
</div>
<div class="actions"><button type="button" id="cohort-start">Start issuing</button><button type="button" id="cohort-manifest" class="secondary" hidden>Download the manifest (CSV)</button></div>
<div id="cohort-progress-wrap" hidden>
<label for="cohort-progress">Progress</label>
<progress id="cohort-progress" max="1" value="0"></progress>
<p id="cohort-progress-text" aria-live="polite"></p>
</div>
</div>
<h3>Recent batches</h3>
<div class="actions"><button type="button" id="batch-refresh" class="secondary">Refresh</button></div>
<div class="table-wrap"><table id="batch-list" class="data"><thead><tr><th scope="col">Created</th><th scope="col">Achievement</th><th scope="col">File</th><th scope="col">State</th><th scope="col">Issued</th><th scope="col">Pending</th><th scope="col">Invalid</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody></tbody></table></div>
</section>`;
}

function credentialsPanel(): string {
  return `<section id="panel-credentials" role="tabpanel" aria-labelledby="tab-credentials" class="panel-body" hidden>
<h2>Issued credentials</h2>
<form id="cred-search" class="filters" novalidate>
${field('cred-learner', 'Learner', '<input id="cred-learner" type="search" autocomplete="off" spellcheck="false" maxlength="200" placeholder="part of a name, or the exact email or id">')}
${field('cred-achievement', 'Achievement', '<select id="cred-achievement"><option value="">any</option></select>')}
${field('cred-state', 'State', `<select id="cred-state">${options(['active', 'revoked', 'suspended'], 'any')}</select>`)}
${field('cred-since', 'Issued since', '<input id="cred-since" type="date">')}
${field('cred-id', 'Credential id', '<input id="cred-id" autocomplete="off" spellcheck="false" placeholder="urn:uuid:… or uuid">')}
${field('cred-limit', 'Per page', `<select id="cred-limit">${['20', '50', '100'].map((n) => `<option${n === '50' ? ' selected' : ''}>${n}</option>`).join('')}</select>`)}
<div class="actions"><button type="submit" id="cred-submit">Search</button></div>
</form>
<p id="cred-summary" role="status"></p>
<div class="table-wrap"><table id="cred-table" class="data"><thead><tr><th scope="col">Credential</th><th scope="col">Learner</th><th scope="col">Achievement</th><th scope="col">Issued</th><th scope="col">State</th><th scope="col">Verification</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead><tbody></tbody></table></div>
<div class="actions pager"><button type="button" id="cred-prev" class="secondary" disabled>Previous page</button><button type="button" id="cred-next" class="secondary" disabled>Next page</button></div>
<dialog id="state-dialog" aria-labelledby="state-dialog-title">
<form id="state-form" method="dialog" novalidate>
<h2 id="state-dialog-title">Revoke the credential</h2>
<p id="state-dialog-text"></p>
${field('state-reason', 'Reason', '<textarea id="state-reason" rows="3" maxlength="500"></textarea>', 'kept in the audit log and shown with the credential’s state')}
<p id="state-error" class="error" role="alert" hidden></p>
<div class="actions"><button type="submit" id="state-confirm">Revoke</button><button type="button" id="state-cancel" class="secondary">Cancel</button></div>
</form>
</dialog>
</section>`;
}

export function consolePage(o: ConsolePageOptions): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Registrar console — ${escapeHtml(o.issuerName)}</title>
${FAVICON_LINK}<link rel="stylesheet" href="/assets/verify.css"><link rel="stylesheet" href="/assets/console.css"></head>
<body class="console">
<header class="console-header">
<div><p class="brand">microcred</p><h1>Registrar console</h1><p class="muted">${escapeHtml(o.issuerName)}</p></div>
<div id="mc-session" class="session" hidden><p id="mc-who"></p><button type="button" id="mc-signout" class="secondary">Sign out</button></div>
</header>
<main>
${signIn()}
<div id="mc-app" hidden>
<nav class="tabs" role="tablist" aria-label="Console sections">
<button type="button" role="tab" id="tab-achievements" aria-controls="panel-achievements" aria-selected="true">Achievements</button>
<button type="button" role="tab" id="tab-cohorts" aria-controls="panel-cohorts" aria-selected="false" tabindex="-1">Cohorts</button>
<button type="button" role="tab" id="tab-credentials" aria-controls="panel-credentials" aria-selected="false" tabindex="-1">Credentials</button>
</nav>
<p id="mc-notice" class="notice" role="status" hidden></p>
${achievementsPanel(o)}
${cohortsPanel(o)}
${credentialsPanel()}
</div>
</main>
<script src="/assets/console.js" defer></script>
</body></html>
`;
}
