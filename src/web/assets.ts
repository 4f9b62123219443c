/** The verification pages' stylesheet, served as /assets/verify.css (no inline styles: strict CSP). Mobile first. */
export const VERIFY_CSS = `
:root { color-scheme: light; --ok: #0b6b2e; --ok-bg: #e5f5ea; --bad: #a4161a; --bad-bg: #fde8e8; --warn: #8a5300; --warn-bg: #fff4d6; --line: #d9dde3; --muted: #5b6470; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1c2128; background: #f6f7f9; }
main { max-width: 46rem; margin: 0 auto; padding: 1rem; }
footer { max-width: 46rem; margin: 0 auto; padding: 0 1rem 2rem; color: var(--muted); font-size: .875rem; }
h1 { font-size: 1.5rem; line-height: 1.25; margin: .5rem 0; }
h2 { font-size: 1.1rem; margin: 1.25rem 0 .5rem; }
a { color: #0b57d0; }
.banner { border-radius: .75rem; padding: 1rem 1.25rem; margin: 0 0 1rem; border: 2px solid; }
.banner p { margin: .25rem 0; }
.banner-title { font-size: 1.6rem; font-weight: 700; }
.banner-verified { background: var(--ok-bg); border-color: var(--ok); color: var(--ok); }
.banner-not-verified { background: var(--bad-bg); border-color: var(--bad); color: var(--bad); }
.banner-could-not-check { background: var(--warn-bg); border-color: var(--warn); color: var(--warn); }
.banner-verified .banner-title::before { content: "✓ "; }
.banner-not-verified .banner-title::before { content: "✗ "; }
.banner-could-not-check .banner-title::before { content: "! "; }
.why { margin: .5rem 0 0; padding-left: 1.25rem; color: #1c2128; overflow-wrap: anywhere; }
main, .badge, .checks { overflow-wrap: anywhere; }
.badge { background: #fff; border: 1px solid var(--line); border-radius: .75rem; padding: 1rem 1.25rem; }
.badge-image { float: right; width: 6rem; height: 6rem; object-fit: contain; margin: 0 0 .5rem .75rem; }
.description { color: #2f3640; }
.trust { display: inline-block; font-size: .8rem; padding: .1rem .5rem; border-radius: 1rem; margin-left: .25rem; }
.trust-yes { background: var(--ok-bg); color: var(--ok); }
.trust-no { background: var(--warn-bg); color: var(--warn); }
.facts { width: 100%; border-collapse: collapse; margin: 1rem 0; }
.facts th, .facts td { text-align: left; padding: .4rem .25rem; border-top: 1px solid var(--line); vertical-align: top; }
.facts th { width: 40%; font-weight: 600; color: var(--muted); }
details { margin: .5rem 0; }
summary { cursor: pointer; font-weight: 600; }
.rule, .check { margin: .25rem 0; }
.rule-failed, .check-failed { color: var(--bad); }
.rule-warning, .check-warning { color: var(--warn); }
.rule-id { color: var(--muted); }
.checks ul, .profile ul { padding-left: 1.25rem; font-size: .9rem; }
.checks code { font-size: .75rem; color: var(--muted); }
form.recipient { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
form.recipient label { display: flex; flex-direction: column; font-size: .875rem; }
input, select, textarea, button { font: inherit; }
input, select, textarea { padding: .5rem; border: 1px solid #9aa3ad; border-radius: .4rem; }
textarea { width: 100%; min-height: 8rem; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .8rem; }
button { padding: .55rem 1rem; border: 0; border-radius: .4rem; background: #0b57d0; color: #fff; cursor: pointer; }
button.secondary { background: #e8eaed; color: #1c2128; }
.match-yes { color: var(--ok); font-weight: 600; }
.match-no { color: var(--bad); font-weight: 600; }
.privacy { background: #eef3fd; border-radius: .5rem; padding: .75rem 1rem; font-size: .9rem; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; margin: .75rem 0; }
video { width: 100%; max-height: 60vh; background: #000; border-radius: .5rem; }
.qr { text-align: center; }
.qr img { width: 12rem; height: 12rem; }
@media (min-width: 40rem) { main { padding: 2rem 1rem; } h1 { font-size: 1.9rem; } }
@media print { .checks, .downloads, form, footer { display: none; } body { background: #fff; } }
`;
