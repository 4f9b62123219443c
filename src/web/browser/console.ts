/**
 * The registrar console's script (GET /console; bundled by scripts/build-web.mjs into
 * dist/web/console.js, served as /assets/console.js).
 *
 * Sign-in: the staff member pastes an API token. It is kept in sessionStorage (this tab only,
 * never a cookie, so the API stays free of CSRF) and sent as `Authorization: Bearer` on every
 * call. The page's CSP allows scripts from this origin only, and nothing here writes markup
 * from data: every text goes in through textContent or attributes set on elements we create.
 *
 * Page contract: the element ids of src/web/console/page.ts.
 */

const TOKEN_KEY = 'microcred.console.token';
const LINT_DELAY_MS = 400;

type Json = Record<string, unknown>;
type Scope = 'issue' | 'revoke' | 'admin';

interface Session {
  token: string;
  id: string;
  label: string;
  scopes: Scope[];
}

interface Problem {
  path: string;
  message: string;
  code?: string;
}

interface RuleOutcome {
  id: string;
  status: 'passed' | 'failed' | 'warning' | 'info' | 'not-applicable';
  severity: string;
  message: string;
  detail?: string;
  perLearner?: boolean;
}

interface ProfileReport {
  profile: string;
  name: string;
  version: string;
  status: 'passed' | 'failed' | 'warning';
  rules: RuleOutcome[];
}

interface LintReport {
  mode: 'achievement' | 'request';
  ok: boolean;
  achievementOk?: boolean;
  problems: Problem[];
  benchmark: { declared: string[]; unknown: string[]; reports: ProfileReport[]; ok: boolean } | null;
}

interface StoredAchievement {
  id: string;
  version: number;
  createdAt: string;
  achievement: Json;
}

interface Batch {
  id: string;
  achievementId: string;
  achievementVersion: number;
  state: string;
  source: string;
  createdAt: string;
  counts: { pending: number; invalid: number; issued: number };
  running?: boolean;
}

interface InvalidRow {
  line: number;
  learner: string;
  problems: Problem[] | null;
}

interface CredentialSummary {
  id: string;
  achievementId: string;
  achievementVersion: number;
  /** The learner's name as the credential shows it in the clear; null when it shows none. */
  learner: string | null;
  state: 'active' | 'revoked' | 'suspended';
  stateReason: string | null;
  issuedAt: string;
  verificationUrl: string;
}

// --- small DOM helpers -----------------------------------------------------------------------

function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`console page: #${id} is missing`);
  return found as T;
}

type Child = Node | string | number | null | undefined | false;

/** Create an element; children are text (never parsed as markup) or nodes. */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(typeof c === 'number' ? String(c) : c);
  return node;
}

function show(node: HTMLElement, visible: boolean): void {
  node.hidden = !visible;
}

function setMessage(node: HTMLElement, text: string | null): void {
  node.textContent = text ?? '';
  show(node, Boolean(text));
}

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);
const shortDate = (iso: string) => (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : iso);
const uuidOf = (id: string) => id.replace(/^urn:uuid:/, '');
/** Only http(s) URLs become links. */
const safeHttpUrl = (v: string) => (/^https?:\/\//i.test(v) ? v : null);

// --- API ---------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: Problem[] = [],
  ) {
    super(message);
  }
}

let session: Session | null = null;
/** Aborts long-lived requests (the progress stream) on sign-out. */
let sessionAbort = new AbortController();

interface CallOptions {
  method?: string;
  json?: unknown;
  text?: string;
  contentType?: string;
  signal?: AbortSignal;
  /** The token to use instead of the session's (sign-in). */
  token?: string;
}

async function call(path: string, opts: CallOptions = {}): Promise<Response> {
  const token = opts.token ?? session?.token;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  let body: string | undefined;
  if (opts.json !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.text !== undefined) {
    headers['content-type'] = opts.contentType ?? 'text/plain';
    body = opts.text;
  }
  let res: Response;
  try {
    res = await fetch(path, { method: opts.method ?? (body === undefined ? 'GET' : 'POST'), headers, body, signal: opts.signal ?? sessionAbort.signal, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'MC_NETWORK', 'the service could not be reached; check the connection and try again');
  }
  if (res.ok) return res;
  let problem: { code?: unknown; detail?: unknown; problems?: unknown } = {};
  try {
    problem = (await res.json()) as typeof problem;
  } catch {
    // not a problem document
  }
  const err = new ApiError(res.status, typeof problem.code === 'string' ? problem.code : `HTTP_${res.status}`, typeof problem.detail === 'string' ? problem.detail : `the service answered ${res.status}`, Array.isArray(problem.problems) ? (problem.problems as Problem[]) : []);
  // A token that stops working mid-session (revoked, or the database was reset) ends the session.
  if (res.status === 401 && opts.token === undefined && session) signOut('Your token is no longer accepted. Sign in again.');
  throw err;
}

async function callJson<T>(path: string, opts: CallOptions = {}): Promise<T> {
  return (await (await call(path, opts)).json()) as T;
}

const can = (scope: Scope) => Boolean(session && (session.scopes.includes('admin') || session.scopes.includes(scope)));
const errorText = (e: unknown) => (e instanceof ApiError ? `${e.message}${e.code && !e.code.startsWith('HTTP_') ? ` (${e.code})` : ''}` : e instanceof Error ? e.message : String(e));

function notify(text: string, kind: 'ok' | 'error' | 'info' = 'info'): void {
  const n = $('mc-notice');
  n.className = `notice notice-${kind}`;
  n.setAttribute('role', kind === 'error' ? 'alert' : 'status');
  setMessage(n, text);
}

// --- sign-in -----------------------------------------------------------------------------------

async function signIn(token: string): Promise<void> {
  const error = $('mc-signin-error');
  setMessage(error, null);
  if (!/^mc_[A-Za-z0-9_-]{20,100}$/.test(token)) {
    setMessage(error, 'That is not an API token: tokens start with mc_ followed by 43 letters, digits, - or _.');
    return;
  }
  let info: { id: string; label: string; scopes: Scope[] };
  try {
    info = await callJson('/api/v1/tokens/current', { token });
  } catch (e) {
    setMessage(error, e instanceof ApiError && e.status === 401 ? 'This token was not accepted: it is mistyped, or it was revoked.' : `Could not sign in: ${errorText(e)}`);
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, token);
  session = { token, ...info };
  sessionAbort = new AbortController();
  $<HTMLInputElement>('mc-token').value = '';
  enterApp();
}

function signOut(message?: string): void {
  sessionStorage.removeItem(TOKEN_KEY);
  session = null;
  sessionAbort.abort();
  sessionAbort = new AbortController();
  clearTimeout(lintTimer);
  lintSeq++;
  resetUi();
  show($('mc-app'), false);
  show($('mc-session'), false);
  show($('mc-signin'), true);
  setMessage($('mc-signin-error'), message ?? null);
  $('mc-token').focus();
}

function enterApp(): void {
  if (!session) return;
  const who = $('mc-who');
  who.replaceChildren('Signed in with ', el('strong', {}, session.label || 'a token'), ' ', ...session.scopes.map((s) => el('span', { class: 'scope', 'data-scope': s }, s)));
  show($('mc-signin'), false);
  show($('mc-session'), true);
  show($('mc-app'), true);
  show($('ach-admin-note'), !can('admin'));
  $<HTMLButtonElement>('ach-save').disabled = !can('admin');
  setMessage($('mc-notice'), null);
  selectTab('tab-achievements');
  newAchievement();
  void loadProfiles();
  void loadAchievements();
}

function resetUi(): void {
  achievements = [];
  draft = {};
  editing = null;
  $('ach-list').replaceChildren();
  $('ach-form').querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>('input, textarea, select').forEach((x) => {
    if (x instanceof HTMLInputElement && x.type === 'checkbox') x.checked = false;
    else x.value = '';
  });
  $('lint-problems').replaceChildren();
  $('lint-profiles').replaceChildren();
  setLintSummary('idle', 'Start typing, or pick an achievement to edit.');
  setMessage($('ach-save-status'), null);
  $('ach-save-problems').replaceChildren();
  for (const id of ['cohort-achievement', 'cred-achievement']) $(id).replaceChildren();
  $<HTMLSelectElement>('cred-achievement').append(el('option', { value: '' }, 'any'));
  ($('cohort-form') as HTMLFormElement).reset();
  ($('cred-search') as HTMLFormElement).reset();
  currentBatch = null;
  show($('cohort-result'), false);
  setMessage($('cohort-error'), null);
  $('batch-list').querySelector('tbody')!.replaceChildren();
  $('cred-table').querySelector('tbody')!.replaceChildren();
  setMessage($('cred-summary'), null);
  setMessage($('mc-notice'), null);
  const dialog = $<HTMLDialogElement>('state-dialog');
  if (dialog.open) dialog.close();
}

// --- tabs ----------------------------------------------------------------------------------------

const TABS = ['tab-achievements', 'tab-cohorts', 'tab-credentials'];

function selectTab(id: string): void {
  for (const t of TABS) {
    const tab = $(t);
    const selected = t === id;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    show($(tab.getAttribute('aria-controls')!), selected);
  }
  if (id === 'tab-cohorts') void loadBatches();
  if (id === 'tab-credentials' && $('cred-table').querySelector('tbody')!.children.length === 0) void searchCredentials(0);
}

function wireTabs(): void {
  for (const t of TABS) {
    const tab = $(t);
    tab.addEventListener('click', () => selectTab(t));
    tab.addEventListener('keydown', (e) => {
      const i = TABS.indexOf(t);
      const next = e.key === 'ArrowRight' ? TABS[(i + 1) % TABS.length] : e.key === 'ArrowLeft' ? TABS[(i + TABS.length - 1) % TABS.length] : e.key === 'Home' ? TABS[0] : e.key === 'End' ? TABS[TABS.length - 1] : undefined;
      if (!next) return;
      e.preventDefault();
      selectTab(next);
      $(next).focus();
    });
  }
}

// --- achievements: model ------------------------------------------------------------------------

let achievements: StoredAchievement[] = [];
/** The achievement being edited, without its id (the id comes from the Id field). */
let draft: Json = {};
let editing: { id: string; version: number } | null = null;

function getPath(obj: Json, path: string[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** Set (or, with undefined, delete) a nested value; objects left empty on the way are removed. */
function setPath(obj: Json, path: string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    if (value === undefined) delete obj[head];
    else obj[head] = value;
    return;
  }
  const child = isObject(obj[head]) ? { ...(obj[head] as Json) } : {};
  setPath(child, rest, value);
  if (Object.keys(child).length === 0) delete obj[head];
  else obj[head] = child;
}

const LO = 'ext:LearningOutcome';

function outcomesOf(a: Json): string[] {
  return asArray(a.alignment).filter((x): x is Json => isObject(x) && x.targetType === LO).map((x) => String(x.targetName ?? ''));
}

function setOutcomes(a: Json, lines: string[]): void {
  const all = asArray(a.alignment);
  const existing = all.filter((x): x is Json => isObject(x) && x.targetType === LO);
  const others = all.filter((x) => !(isObject(x) && x.targetType === LO));
  const outcomes = lines.map((name) => existing.find((x) => x.targetName === name) ?? { targetType: LO, targetName: name });
  const next = [...others, ...outcomes];
  if (next.length) a.alignment = next;
  else delete a.alignment;
}

function levelsOf(a: Json): string[] {
  return asArray(getPath(a, ['qualityBenchmark', 'levels'])).filter(isObject).map((l) => `${String(l.framework ?? '')} ${String(l.code ?? '')}`.trim());
}

function setLevels(a: Json, lines: string[]): void {
  const existing = asArray(getPath(a, ['qualityBenchmark', 'levels'])).filter(isObject);
  const levels = lines.map((line) => {
    const [framework = '', ...code] = line.split(/\s+/);
    const text = code.join(' ');
    return existing.find((l) => l.framework === framework && l.code === text) ?? { framework, code: text };
  });
  setPath(a, ['qualityBenchmark', 'levels'], levels.length ? levels : undefined);
}

const lines = (text: string) => text.split('\n').map((s) => s.trim()).filter(Boolean);

/** One form control changed: write it into the draft. */
function formToDraft(control: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement): void {
  const kind = control.dataset.kind;
  if (control.id === 'ach-id' || control.id === 'ach-json') return;
  if (control instanceof HTMLInputElement && control.type === 'checkbox' && control.name === 'profile') {
    const checked = Array.from($('ach-profiles').querySelectorAll<HTMLInputElement>('input[name=profile]')).filter((x) => x.checked).map((x) => x.value);
    // Keep declared profiles this installation does not know (the lint reports them).
    const known = new Set(Array.from($('ach-profiles').querySelectorAll<HTMLInputElement>('input[name=profile]')).map((x) => x.value));
    const unknown = asArray(getPath(draft, ['qualityBenchmark', 'profile'])).filter((p): p is string => typeof p === 'string' && !known.has(p));
    const all = [...unknown, ...checked];
    setPath(draft, ['qualityBenchmark', 'profile'], all.length ? all : undefined);
    return;
  }
  if (kind === 'outcomes') return setOutcomes(draft, lines(control.value));
  if (kind === 'levels') return setLevels(draft, lines(control.value));
  const path = control.dataset.path?.split('.');
  if (!path) return;
  const raw = control.value.trim();
  let value: unknown = raw === '' ? undefined : raw;
  if (kind === 'number' && raw !== '') {
    const n = Number(raw);
    value = Number.isFinite(n) ? n : raw;
  }
  if (kind === 'list') {
    const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
    value = items.length ? items : undefined;
  }
  // Keep raw text (not trimmed) while typing in free-text fields.
  if (control instanceof HTMLTextAreaElement && value !== undefined) value = control.value;
  setPath(draft, path, value);
  if (kind === 'qa-body') {
    const body = getPath(draft, ['qualityBenchmark', 'qualityAssurance', 'body']);
    if (isObject(body) && body.type === undefined) setPath(draft, ['qualityBenchmark', 'qualityAssurance', 'body', 'type'], ['Profile']);
    if (isObject(body) && Object.keys(body).length === 1 && Array.isArray(body.type)) setPath(draft, ['qualityBenchmark', 'qualityAssurance', 'body'], undefined);
  }
}

/** Show the draft in the form (all controls but the one being typed in). */
function draftToForm(): void {
  const active = document.activeElement;
  const form = $('ach-form');
  form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>('[data-path], [data-kind]').forEach((control) => {
    if (control === active) return;
    const kind = control.dataset.kind;
    let text: string;
    if (kind === 'outcomes') text = outcomesOf(draft).join('\n');
    else if (kind === 'levels') text = levelsOf(draft).join('\n');
    else {
      const v = getPath(draft, control.dataset.path!.split('.'));
      text = v === undefined || v === null ? '' : Array.isArray(v) ? v.map(String).join(', ') : typeof v === 'object' ? JSON.stringify(v) : String(v);
    }
    if (control instanceof HTMLSelectElement && text !== '' && !Array.from(control.options).some((o) => o.value === text)) {
      // A value the schema does not list: show it anyway (the lint says what is wrong with it).
      control.append(el('option', { value: text, 'data-extra': true }, text));
    }
    control.value = text;
  });
  const declared = new Set(asArray(getPath(draft, ['qualityBenchmark', 'profile'])).map(String));
  $('ach-profiles').querySelectorAll<HTMLInputElement>('input[name=profile]').forEach((x) => (x.checked = declared.has(x.value)));
}

function draftToJson(): void {
  const area = $<HTMLTextAreaElement>('ach-json');
  if (document.activeElement === area) return;
  area.value = JSON.stringify(draft, null, 2);
  setMessage($('ach-json-error'), null);
}

function onJsonInput(): void {
  const area = $<HTMLTextAreaElement>('ach-json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(area.value);
  } catch (e) {
    setMessage($('ach-json-error'), `Not valid JSON yet: ${(e as Error).message}`);
    setLintSummary('error', 'The JSON is not valid: fix it to see the checks.');
    clearTimeout(lintTimer);
    lintSeq++;
    return;
  }
  if (!isObject(parsed)) {
    setMessage($('ach-json-error'), 'The achievement must be a JSON object { … }.');
    return;
  }
  setMessage($('ach-json-error'), null);
  const { id, ...rest } = parsed;
  const idField = $<HTMLInputElement>('ach-id');
  if (!editing && idField.value === '' && typeof id === 'string' && /^[a-z0-9][a-z0-9-]{0,62}$/.test(id)) idField.value = id;
  draft = rest;
  draftToForm();
  scheduleLint();
}

function onFormInput(e: Event): void {
  const target = e.target;
  if (!(target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement)) return;
  if (target.id === 'ach-json') return onJsonInput();
  setMessage($('ach-save-status'), null);
  if (target.id === 'ach-id') return scheduleLint();
  formToDraft(target);
  draftToJson();
  scheduleLint();
}

function newAchievement(): void {
  editing = null;
  draft = {};
  const idField = $<HTMLInputElement>('ach-id');
  idField.value = '';
  idField.disabled = false;
  $('ach-form-title').textContent = 'New achievement';
  $('ach-save').textContent = 'Create';
  markCurrent(null);
  draftToForm();
  $<HTMLTextAreaElement>('ach-json').value = '{}';
  setMessage($('ach-save-status'), null);
  $('ach-save-problems').replaceChildren();
  $('lint-problems').replaceChildren();
  $('lint-profiles').replaceChildren();
  setLintSummary('idle', 'Start typing, or pick an achievement to edit.');
}

function editAchievement(a: StoredAchievement): void {
  editing = { id: a.id, version: a.version };
  const { id: _published, ...body } = a.achievement;
  draft = structuredClone(body);
  const idField = $<HTMLInputElement>('ach-id');
  idField.value = a.id;
  idField.disabled = true;
  $('ach-form-title').textContent = `Edit ${a.id} (version ${a.version})`;
  $('ach-save').textContent = 'Save';
  markCurrent(a.id);
  const active = document.activeElement;
  if (active instanceof HTMLElement && $('ach-form').contains(active)) active.blur();
  draftToForm();
  draftToJson();
  setMessage($('ach-save-status'), null);
  $('ach-save-problems').replaceChildren();
  scheduleLint(0);
}

function markCurrent(id: string | null): void {
  $('ach-list').querySelectorAll('button').forEach((b) => b.setAttribute('aria-current', String(b.dataset.id === id)));
}

async function loadProfiles(): Promise<void> {
  const box = $('ach-profiles');
  try {
    const { items } = await callJson<{ items: Array<{ id: string; name: string; description: string; base: boolean }> }>('/api/v1/profiles');
    box.replaceChildren(
      ...items
        .filter((p) => !p.base)
        .map((p) => el('label', { title: p.description }, el('input', { type: 'checkbox', name: 'profile', value: p.id, 'data-profile': p.id }), `${p.id}`, el('small', {}, ` ${p.name}`))),
    );
    draftToForm();
  } catch (e) {
    box.replaceChildren(el('span', { class: 'error' }, `Could not load the profiles: ${errorText(e)}`));
  }
}

async function loadAchievements(selectId?: string): Promise<void> {
  const status = $('ach-list-status');
  try {
    const page = await callJson<{ items: StoredAchievement[]; total: number }>('/api/v1/achievements?limit=100');
    achievements = page.items;
    status.textContent = page.total === 0 ? 'No achievements yet.' : page.total > page.items.length ? `Showing ${page.items.length} of ${page.total}.` : '';
  } catch (e) {
    status.textContent = `Could not load the achievements: ${errorText(e)}`;
    return;
  }
  $('ach-list').replaceChildren(
    ...achievements.map((a) =>
      el('li', {}, el('button', { type: 'button', 'data-id': a.id, 'aria-current': String(editing?.id === a.id) }, String(a.achievement.name ?? a.id), el('small', {}, `${a.id} · version ${a.version}`))),
    ),
  );
  for (const selectIdName of ['cohort-achievement', 'cred-achievement']) {
    const select = $<HTMLSelectElement>(selectIdName);
    const keep = select.value;
    const opts = achievements.map((a) => el('option', { value: a.id }, `${String(a.achievement.name ?? a.id)} (${a.id}, v${a.version})`));
    // The cohort form names the missing step instead of showing an empty list.
    const first = selectIdName === 'cred-achievement' ? [el('option', { value: '' }, 'any')] : opts.length === 0 ? [el('option', { value: '' }, 'No achievements yet: define one under Achievements')] : [];
    select.replaceChildren(...first, ...opts);
    if (Array.from(select.options).some((o) => o.value === (selectId ?? keep))) select.value = selectId ?? keep;
  }
}

async function saveAchievement(e: Event): Promise<void> {
  e.preventDefault();
  if (!can('admin')) return;
  const status = $('ach-save-status');
  const problemsBox = $('ach-save-problems');
  problemsBox.replaceChildren();
  const slug = $<HTMLInputElement>('ach-id').value.trim();
  if (!editing && slug !== '' && !/^[a-z0-9][a-z0-9-]{0,62}$/.test(slug)) {
    setMessage(status, 'The id may hold lowercase letters, digits and dashes only.');
    return;
  }
  const body = structuredClone(draft);
  delete body.id;
  const button = $<HTMLButtonElement>('ach-save');
  button.disabled = true;
  setMessage(status, 'Saving…');
  try {
    const before = editing?.version;
    const saved = editing
      ? await callJson<StoredAchievement>(`/api/v1/achievements/${encodeURIComponent(editing.id)}`, { method: 'PUT', json: body })
      : await callJson<StoredAchievement>('/api/v1/achievements', { method: 'POST', json: slug ? { ...body, id: slug } : body });
    status.dataset.version = String(saved.version);
    setMessage(
      status,
      before === undefined ? `Saved as version ${saved.version}.` : saved.version > before ? `Saved as version ${saved.version}. Version ${before} stays as it was: credentials were issued under it.` : `Saved as version ${saved.version} (changed in place: no credential was issued under it yet).`,
    );
    editing = { id: saved.id, version: saved.version };
    $<HTMLInputElement>('ach-id').value = saved.id;
    $<HTMLInputElement>('ach-id').disabled = true;
    $('ach-form-title').textContent = `Edit ${saved.id} (version ${saved.version})`;
    $('ach-save').textContent = 'Save';
    await loadAchievements();
  } catch (err) {
    setMessage(status, `Not saved: ${errorText(err)}`);
    if (err instanceof ApiError && err.problems.length) problemsBox.replaceChildren(problemList(err.problems));
  } finally {
    button.disabled = !can('admin');
  }
}

// --- achievements: live lint ----------------------------------------------------------------------

let lintTimer: ReturnType<typeof setTimeout> | undefined;
let lintSeq = 0;

function setLintSummary(state: 'idle' | 'pending' | 'ok' | 'warning' | 'failed' | 'error', text: string): void {
  const s = $('lint-summary');
  s.dataset.state = state;
  s.textContent = text;
}

function scheduleLint(delay = LINT_DELAY_MS): void {
  clearTimeout(lintTimer);
  const seq = ++lintSeq;
  setLintSummary('pending', 'Checking…');
  lintTimer = setTimeout(() => void runLint(seq), delay);
}

async function runLint(seq: number): Promise<void> {
  const slug = editing?.id ?? $<HTMLInputElement>('ach-id').value.trim();
  let report: LintReport;
  try {
    report = await callJson<LintReport>('/api/v1/lint', { json: { achievement: slug ? { ...draft, id: slug } : draft } });
  } catch (e) {
    if (seq !== lintSeq || (e as Error).name === 'AbortError') return;
    setLintSummary('error', `Could not check: ${errorText(e)}`);
    return;
  }
  if (seq !== lintSeq) return; // a newer edit is being checked
  renderLint(report);
}

const MARK: Record<string, string> = { passed: '✓', failed: '✗', warning: '!', info: 'i', 'not-applicable': '–' };

function problemList(problems: Problem[]): HTMLUListElement {
  return el('ul', { class: 'problems' }, ...problems.map((p) => el('li', { 'data-code': p.code }, el('code', {}, p.path || '/'), ' ', p.message, p.code ? el('code', {}, ` ${p.code}`) : null)));
}

function ruleItem(r: RuleOutcome): HTMLLIElement {
  const status = r.perLearner ? 'per-learner' : r.status;
  return el(
    'li',
    { class: `rule rule-${status}`, 'data-rule': r.id, 'data-status': r.status, 'data-per-learner': r.perLearner ? 'true' : undefined },
    el('span', { class: 'mark', 'aria-hidden': 'true' }, r.perLearner ? '·' : (MARK[r.status] ?? '·')),
    ' ',
    el('span', { class: 'visually-hidden' }, `${r.perLearner ? 'checked per learner' : r.status}: `),
    r.message,
    ' ',
    el('small', { class: 'rule-id' }, r.id),
    r.detail && r.status !== 'passed' ? el('br') : null,
    r.detail && r.status !== 'passed' ? el('small', {}, r.perLearner ? `With no learner: ${r.detail}` : r.detail) : null,
  );
}

function renderLint(report: LintReport): void {
  const problems = report.problems;
  const reports = report.benchmark?.reports ?? [];
  const own = reports.flatMap((r) => r.rules.filter((x) => !x.perLearner));
  const failed = own.filter((x) => x.status === 'failed');
  const warnings = own.filter((x) => x.status === 'warning');
  const ok = report.achievementOk ?? report.ok;
  if (ok && warnings.length === 0) setLintSummary('ok', '✓ No problems: every rule that applies to the achievement passes.');
  else if (ok) setLintSummary('warning', `! No blocking problem; ${warnings.length} warning${warnings.length === 1 ? '' : 's'}.`);
  else {
    const parts = [problems.length ? `${problems.length} problem${problems.length === 1 ? '' : 's'}` : '', failed.length ? `${failed.length} failed rule${failed.length === 1 ? '' : 's'}: ${failed.map((x) => x.id).join(', ')}` : ''].filter(Boolean);
    setLintSummary('failed', `✗ ${parts.join('; ') || 'not issuable'}`);
  }
  $('lint-summary').dataset.failed = failed.map((x) => x.id).join(' ');
  $('lint-problems').replaceChildren(...Array.from(problemList(problems).childNodes));
  $('lint-profiles').replaceChildren(
    ...reports.map((r) => {
      const mine = r.rules.filter((x) => !x.perLearner && x.status !== 'not-applicable');
      const learner = r.rules.filter((x) => x.perLearner);
      const na = r.rules.filter((x) => !x.perLearner && x.status === 'not-applicable').length;
      const status = mine.some((x) => x.status === 'failed') ? 'failed' : mine.some((x) => x.status === 'warning') ? 'warning' : 'passed';
      const details = el(
        'details',
        { class: `profile profile-${status}`, 'data-profile': r.profile, 'data-status': status, open: status !== 'passed' },
        el('summary', {}, el('span', { class: 'mark', 'aria-hidden': 'true' }, MARK[status]!), ` ${r.name} `, el('small', { class: 'rule-id' }, `${r.profile} v${r.version}`), status === 'passed' ? ' — meets it' : status === 'warning' ? ' — meets it, with notes' : ' — does not meet it'),
        el('ul', {}, ...mine.map(ruleItem)),
        na ? el('p', { class: 'muted' }, el('small', {}, `${na} rule${na === 1 ? '' : 's'} not applicable.`)) : null,
        learner.length ? el('div', { class: 'per-learner' }, el('h4', {}, 'Checked for each learner when issuing'), el('ul', {}, ...learner.map(ruleItem))) : null,
      );
      return details;
    }),
  );
}

// --- cohorts -------------------------------------------------------------------------------------

let currentBatch: Batch | null = null;

function renderBatch(b: Batch): void {
  currentBatch = b;
  show($('cohort-result'), true);
  $('cohort-batch-id').textContent = b.id;
  const total = b.counts.pending + b.counts.issued + b.counts.invalid;
  const summary = $('cohort-summary');
  summary.dataset.state = b.state;
  summary.replaceChildren(
    el('span', { class: `state state-${b.state}` }, b.state),
    ` ${total} row${total === 1 ? '' : 's'} in ${b.source}: `,
    el('strong', { 'data-count': 'issued' }, b.counts.issued),
    ' issued, ',
    el('strong', { 'data-count': 'pending' }, b.counts.pending),
    ' ready to issue, ',
    el('strong', { 'data-count': 'invalid' }, b.counts.invalid),
    ' invalid (not issued).',
  );
  const start = $<HTMLButtonElement>('cohort-start');
  show(start, b.counts.pending > 0);
  start.disabled = Boolean(b.running) || !can('issue');
  start.textContent = b.state === 'validated' ? `Start issuing ${b.counts.pending} credential${b.counts.pending === 1 ? '' : 's'}` : 'Resume issuing';
  show($('cohort-manifest'), b.counts.pending === 0 || b.state === 'done');
}

function renderInvalidRows(rows: InvalidRow[], total: number): void {
  const body = $('cohort-invalid').querySelector('tbody')!;
  body.replaceChildren(
    ...rows.map((r) => el('tr', { 'data-line': String(r.line) }, el('td', {}, r.line), el('td', {}, r.learner), el('td', {}, (r.problems ?? []).map((p) => (p.path && p.path !== '/' ? `${p.path}: ${p.message}` : p.message)).join('; ')))),
  );
  const caption = $('cohort-invalid').querySelector('caption')!;
  caption.textContent = total > rows.length ? `Rows that will not be issued (the first ${rows.length} of ${total})` : `Rows that will not be issued (${total})`;
  show($('cohort-invalid-wrap'), total > 0);
}

async function uploadCohort(e: Event): Promise<void> {
  e.preventDefault();
  const error = $('cohort-error');
  setMessage(error, null);
  const achievementId = $<HTMLSelectElement>('cohort-achievement').value;
  const file = $<HTMLInputElement>('cohort-file').files?.[0];
  if (!achievementId) return setMessage(error, 'Choose an achievement first (define one under Achievements).');
  if (!file) return setMessage(error, 'Choose the cohort file.');
  const button = $<HTMLButtonElement>('cohort-upload');
  button.disabled = true;
  show($('cohort-progress-wrap'), false);
  try {
    const text = await file.text();
    const jsonl = /\.(jsonl|ndjson)$/i.test(file.name);
    const q = new URLSearchParams({ achievementId, start: 'false', source: file.name.slice(0, 200) });
    const res = await callJson<{ batch: Batch; invalidRows: InvalidRow[]; invalidTotal: number }>(`/api/v1/batches?${q}`, { text, contentType: jsonl ? 'application/x-ndjson' : 'text/csv' });
    renderBatch(res.batch);
    let rows = res.invalidRows;
    if (res.invalidTotal > rows.length) rows = (await callJson<{ items: InvalidRow[] }>(`/api/v1/batches/${res.batch.id}/rows?state=invalid&limit=1000`)).items;
    renderInvalidRows(rows, res.invalidTotal);
    void loadBatches();
  } catch (err) {
    setMessage(error, `The file was not accepted: ${errorText(err)}`);
  } finally {
    button.disabled = false;
  }
}

async function openBatch(id: string): Promise<void> {
  setMessage($('cohort-error'), null);
  try {
    const b = await callJson<Batch>(`/api/v1/batches/${encodeURIComponent(id)}`);
    renderBatch(b);
    const invalid = await callJson<{ items: InvalidRow[]; total: number }>(`/api/v1/batches/${encodeURIComponent(id)}/rows?state=invalid&limit=1000`);
    renderInvalidRows(invalid.items, invalid.total);
    show($('cohort-progress-wrap'), false);
    if (b.running) void watchBatch(b.id);
  } catch (err) {
    setMessage($('cohort-error'), `Could not open the batch: ${errorText(err)}`);
  }
}

async function startBatch(): Promise<void> {
  if (!currentBatch) return;
  const b = currentBatch;
  $<HTMLButtonElement>('cohort-start').disabled = true;
  try {
    renderBatch(await callJson<Batch>(`/api/v1/batches/${b.id}/start`, { method: 'POST' }));
    await watchBatch(b.id);
  } catch (err) {
    setMessage($('cohort-error'), `Could not start: ${errorText(err)}`);
    $<HTMLButtonElement>('cohort-start').disabled = false;
  }
}

function showProgress(issued: number, total: number, rate?: number, etaSec?: number): void {
  show($('cohort-progress-wrap'), true);
  const bar = $<HTMLProgressElement>('cohort-progress');
  bar.max = Math.max(total, 1);
  bar.value = issued;
  bar.setAttribute('aria-valuetext', `${issued} of ${total} issued`);
  const text = $('cohort-progress-text');
  text.dataset.issued = String(issued);
  text.dataset.total = String(total);
  const parts = [`${issued} / ${total} issued`];
  if (rate !== undefined && rate > 0) parts.push(`${rate >= 10 ? Math.round(rate) : rate.toFixed(1)} per second`);
  if (etaSec !== undefined && issued < total) parts.push(`about ${etaSec < 60 ? `${Math.ceil(etaSec)} s` : `${Math.ceil(etaSec / 60)} min`} left`);
  text.textContent = parts.join(' · ');
}

/**
 * Follow the batch's server-sent events. EventSource cannot send an Authorization header, so
 * the stream is read with fetch() and parsed here (event/data lines, blank-line separated).
 */
async function watchBatch(id: string): Promise<void> {
  const b = currentBatch;
  if (b) showProgress(b.counts.issued, b.counts.pending + b.counts.issued);
  let finished = false;
  try {
    const res = await call(`/api/v1/batches/${encodeURIComponent(id)}/events`, { signal: sessionAbort.signal });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value.replace(/\r\n?/g, '\n');
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        let payload: Json = {};
        try {
          payload = JSON.parse(data.join('\n')) as Json;
        } catch {
          continue;
        }
        if (event === 'status' && isObject(payload.counts)) {
          const c = payload.counts as Batch['counts'];
          showProgress(c.issued, c.pending + c.issued);
        } else if (event === 'progress') {
          showProgress(Number(payload.issued), Number(payload.total), Number(payload.rate), Number(payload.etaSec));
        } else if (event === 'done') {
          finished = true;
          if (typeof payload.error === 'string') setMessage($('cohort-error'), payload.error);
        }
      }
    }
  } catch (err) {
    if ((err as Error).name === 'AbortError') return;
    setMessage($('cohort-error'), `Lost the progress stream: ${errorText(err)}`);
  }
  if (currentBatch?.id !== id || !session) return;
  try {
    const after = await callJson<Batch>(`/api/v1/batches/${encodeURIComponent(id)}`);
    renderBatch(after);
    showProgress(after.counts.issued, after.counts.pending + after.counts.issued);
    if (finished && after.counts.pending === 0) notify(`Batch finished: ${after.counts.issued} credential${after.counts.issued === 1 ? '' : 's'} issued${after.counts.invalid ? `, ${after.counts.invalid} row${after.counts.invalid === 1 ? '' : 's'} invalid` : ''}.`, 'ok');
    void loadBatches();
  } catch {
    // the batch list shows the state on the next refresh
  }
}

async function downloadManifest(): Promise<void> {
  if (!currentBatch) return;
  const id = currentBatch.id;
  try {
    const blob = await (await call(`/api/v1/batches/${encodeURIComponent(id)}/manifest.csv`, { method: 'GET' })).blob();
    const url = URL.createObjectURL(new Blob([blob], { type: 'text/csv' }));
    const a = el('a', { href: url, download: `manifest-${id}.csv`, hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (err) {
    setMessage($('cohort-error'), `Could not download the manifest: ${errorText(err)}`);
  }
}

async function loadBatches(): Promise<void> {
  if (!can('issue')) return;
  const body = $('batch-list').querySelector('tbody')!;
  try {
    const page = await callJson<{ items: Batch[]; total: number }>('/api/v1/batches?limit=10');
    if (page.items.length === 0) {
      body.replaceChildren(el('tr', { class: 'empty' }, el('td', { colspan: '8' }, 'No batches yet: upload a cohort file above.')));
      return;
    }
    body.replaceChildren(
      ...page.items.map((b) =>
        el(
          'tr',
          { 'data-batch': b.id },
          el('td', {}, shortDate(b.createdAt)),
          el('td', {}, `${b.achievementId} v${b.achievementVersion}`),
          el('td', {}, b.source),
          el('td', {}, el('span', { class: `state state-${b.state}` }, b.state)),
          el('td', {}, b.counts.issued),
          el('td', {}, b.counts.pending),
          el('td', {}, b.counts.invalid),
          el('td', { class: 'actions-cell' }, el('button', { type: 'button', class: 'secondary small', 'data-open-batch': b.id }, 'Open')),
        ),
      ),
    );
  } catch (err) {
    body.replaceChildren(el('tr', {}, el('td', { colspan: '8' }, `Could not load the batches: ${errorText(err)}`)));
  }
}

// --- credentials ---------------------------------------------------------------------------------

let credOffset = 0;
let credTotal = 0;

function credentialRow(c: CredentialSummary): HTMLTableRowElement {
  const uuid = uuidOf(c.id);
  const link = safeHttpUrl(c.verificationUrl);
  const actions: HTMLButtonElement[] = [];
  const allowed = can('revoke');
  if (c.state !== 'revoked') actions.push(el('button', { type: 'button', class: 'danger small', 'data-action': 'revoke', 'data-id': uuid, disabled: !allowed }, 'Revoke'));
  if (c.state === 'active') actions.push(el('button', { type: 'button', class: 'secondary small', 'data-action': 'suspend', 'data-id': uuid, disabled: !allowed }, 'Suspend'));
  if (c.state === 'suspended') actions.push(el('button', { type: 'button', class: 'secondary small', 'data-action': 'unsuspend', 'data-id': uuid, disabled: !allowed }, 'Unsuspend'));
  return el(
    'tr',
    { 'data-credential': uuid, 'data-state': c.state },
    el('td', {}, el('code', { title: c.id }, `${uuid.slice(0, 8)}…`)),
    el('td', { 'data-role': 'learner' }, c.learner ?? el('span', { class: 'muted', title: 'The credential shows no name in the clear; search by the email or id it was issued to.' }, '—')),
    el('td', {}, `${c.achievementId} v${c.achievementVersion}`),
    el('td', {}, shortDate(c.issuedAt)),
    el('td', {}, el('span', { class: `state state-${c.state}`, 'data-role': 'state' }, c.state), c.stateReason ? el('span', { class: 'reason' }, c.stateReason) : null),
    el('td', {}, link ? el('a', { href: link, target: '_blank', rel: 'noopener noreferrer' }, 'Verification page') : c.verificationUrl),
    el('td', { class: 'actions-cell' }, ...actions),
  );
}

async function searchCredentials(offset: number): Promise<void> {
  if (!can('issue')) {
    setMessage($('cred-summary'), 'Your token has no issue scope: it cannot list credentials.');
    return;
  }
  const summary = $('cred-summary');
  const body = $('cred-table').querySelector('tbody')!;
  const idText = $<HTMLInputElement>('cred-id').value.trim();
  const limit = Number($<HTMLSelectElement>('cred-limit').value) || 50;
  try {
    let items: CredentialSummary[];
    if (idText) {
      const uuid = uuidOf(idText);
      if (!/^[0-9a-f-]{36}$/i.test(uuid)) {
        setMessage(summary, 'A credential id is a UUID (urn:uuid:… or the bare uuid).');
        return;
      }
      items = [await callJson<CredentialSummary>(`/api/v1/credentials/${uuid}/status`)];
      credTotal = 1;
      credOffset = 0;
    } else {
      const q = new URLSearchParams({ limit: String(limit), offset: String(offset) });
      const achievementId = $<HTMLSelectElement>('cred-achievement').value;
      const state = $<HTMLSelectElement>('cred-state').value;
      const since = $<HTMLInputElement>('cred-since').value;
      const learner = $<HTMLInputElement>('cred-learner').value.trim();
      if (learner) q.set('learner', learner);
      if (achievementId) q.set('achievementId', achievementId);
      if (state) q.set('state', state);
      if (since) q.set('since', `${since}T00:00:00Z`);
      const page = await callJson<{ items: CredentialSummary[]; total: number }>(`/api/v1/credentials?${q}`);
      items = page.items;
      credTotal = page.total;
      credOffset = offset;
    }
    body.replaceChildren(...items.map(credentialRow));
    summary.dataset.total = String(credTotal);
    summary.dataset.shown = String(items.length);
    setMessage(summary, credTotal === 0 ? 'No credentials match.' : `Showing ${credOffset + 1}–${credOffset + items.length} of ${credTotal} credential${credTotal === 1 ? '' : 's'}.`);
  } catch (err) {
    body.replaceChildren();
    credTotal = 0;
    setMessage(summary, err instanceof ApiError && err.status === 404 ? 'No credential with that id.' : `Could not search: ${errorText(err)}`);
  }
  $<HTMLButtonElement>('cred-prev').disabled = credOffset === 0;
  $<HTMLButtonElement>('cred-next').disabled = idText !== '' || credOffset + limit >= credTotal;
}

let pendingAction: { action: 'revoke' | 'suspend' | 'unsuspend'; uuid: string } | null = null;

const ACTION_TEXT = {
  revoke: { title: 'Revoke the credential', button: 'Revoke', text: 'Revocation is final: verifiers will show the credential as revoked from now on.' },
  suspend: { title: 'Suspend the credential', button: 'Suspend', text: 'While suspended, verifiers show it as not valid. It can be unsuspended later.' },
  unsuspend: { title: 'Unsuspend the credential', button: 'Unsuspend', text: 'The credential becomes valid again.' },
} as const;

function openStateDialog(action: 'revoke' | 'suspend' | 'unsuspend', uuid: string): void {
  pendingAction = { action, uuid };
  const t = ACTION_TEXT[action];
  $('state-dialog-title').textContent = t.title;
  $('state-dialog-text').textContent = `${t.text} Credential ${uuid}.`;
  const reason = $<HTMLTextAreaElement>('state-reason');
  reason.value = '';
  reason.required = action !== 'unsuspend';
  $('state-reason').closest('.field')!.querySelector('label')!.firstChild!.textContent = action === 'unsuspend' ? 'Reason (optional) ' : 'Reason ';
  const confirm = $<HTMLButtonElement>('state-confirm');
  confirm.textContent = t.button;
  confirm.className = action === 'revoke' ? 'danger' : '';
  setMessage($('state-error'), null);
  $<HTMLDialogElement>('state-dialog').showModal();
  reason.focus();
}

async function confirmStateChange(e: Event): Promise<void> {
  e.preventDefault();
  if (!pendingAction) return;
  const { action, uuid } = pendingAction;
  const reason = $<HTMLTextAreaElement>('state-reason').value.trim();
  if (action !== 'unsuspend' && reason === '') {
    setMessage($('state-error'), `Give a reason for ${action === 'revoke' ? 'revoking' : 'suspending'} the credential.`);
    $('state-reason').focus();
    return;
  }
  const confirm = $<HTMLButtonElement>('state-confirm');
  confirm.disabled = true;
  try {
    const c = await callJson<CredentialSummary>(`/api/v1/credentials/${uuid}/${action}`, { json: reason ? { reason } : {} });
    const row = $('cred-table').querySelector(`tr[data-credential="${CSS.escape(uuid)}"]`);
    row?.replaceWith(credentialRow(c));
    $<HTMLDialogElement>('state-dialog').close();
    pendingAction = null;
    notify(`Credential ${uuid.slice(0, 8)}… is now ${c.state}.`, 'ok');
  } catch (err) {
    setMessage($('state-error'), errorText(err));
  } finally {
    confirm.disabled = false;
  }
}

// --- start ---------------------------------------------------------------------------------------

function wire(): void {
  $('mc-signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void signIn($<HTMLInputElement>('mc-token').value.trim());
  });
  $('mc-signout').addEventListener('click', () => signOut());
  wireTabs();

  const form = $('ach-form');
  form.addEventListener('input', onFormInput);
  form.addEventListener('submit', (e) => void saveAchievement(e));
  $('ach-new').addEventListener('click', () => newAchievement());
  $('ach-refresh').addEventListener('click', () => void loadAchievements());
  $('ach-list').addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest('button');
    const a = achievements.find((x) => x.id === b?.dataset.id);
    if (a) editAchievement(a);
  });

  $('cohort-form').addEventListener('submit', (e) => void uploadCohort(e));
  $('cohort-start').addEventListener('click', () => void startBatch());
  $('cohort-manifest').addEventListener('click', () => void downloadManifest());
  $('batch-refresh').addEventListener('click', () => void loadBatches());
  $('batch-list').addEventListener('click', (e) => {
    const id = (e.target as HTMLElement).closest('button')?.dataset.openBatch;
    if (id) void openBatch(id);
  });

  $('cred-search').addEventListener('submit', (e) => {
    e.preventDefault();
    void searchCredentials(0);
  });
  $('cred-prev').addEventListener('click', () => void searchCredentials(Math.max(0, credOffset - (Number($<HTMLSelectElement>('cred-limit').value) || 50))));
  $('cred-next').addEventListener('click', () => void searchCredentials(credOffset + (Number($<HTMLSelectElement>('cred-limit').value) || 50)));
  $('cred-table').addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest('button');
    const action = b?.dataset.action;
    if (b && b.dataset.id && (action === 'revoke' || action === 'suspend' || action === 'unsuspend')) openStateDialog(action, b.dataset.id);
  });
  $('state-form').addEventListener('submit', (e) => void confirmStateChange(e));
  $('state-cancel').addEventListener('click', () => {
    pendingAction = null;
    $<HTMLDialogElement>('state-dialog').close();
  });
}

async function main(): Promise<void> {
  wire();
  const saved = sessionStorage.getItem(TOKEN_KEY);
  if (!saved) {
    signOut();
    return;
  }
  try {
    const info = await callJson<{ id: string; label: string; scopes: Scope[] }>('/api/v1/tokens/current', { token: saved });
    session = { token: saved, ...info };
    enterApp();
  } catch (e) {
    signOut(e instanceof ApiError && e.status === 401 ? 'Your token is no longer accepted. Sign in again.' : `Could not reach the service: ${errorText(e)}`);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => void main());
else void main();
