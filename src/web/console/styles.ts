/**
 * The registrar console's stylesheet, served as /assets/console.css after /assets/verify.css
 * (which gives the base: colours, type, buttons, inputs). Mobile first; no inline styles anywhere.
 */
export const CONSOLE_CSS = `
body.console main { max-width: 84rem; }
.console-header { max-width: 84rem; margin: 0 auto; padding: 1rem 1rem 0; display: flex; flex-wrap: wrap; gap: .75rem; justify-content: space-between; align-items: end; }
.console-header h1 { margin: 0; }
.console-header p { margin: 0; }
.brand { font-weight: 700; color: #0b57d0; letter-spacing: .02em; }
.muted { color: var(--muted); }
.session { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; font-size: .9rem; }
.session p { margin: 0; }
.scope { display: inline-block; font-size: .75rem; padding: .05rem .45rem; border-radius: 1rem; background: #eef3fd; color: #0b57d0; margin-left: .25rem; }
.panel { background: #fff; border: 1px solid var(--line); border-radius: .75rem; padding: 1rem 1.25rem; margin: 1rem 0; }
.stack .field, .editor .field, .filters .field { display: flex; flex-direction: column; gap: .25rem; margin: 0 0 .75rem; }
.field label, .field .label { font-weight: 600; font-size: .9rem; }
.field small { font-weight: 400; color: var(--muted); }
.field input:not([type=checkbox]):not([type=file]), .field select, .field textarea { width: 100%; }
.error { color: var(--bad); background: var(--bad-bg); border-radius: .4rem; padding: .5rem .75rem; }
.notice { border-radius: .5rem; padding: .6rem .9rem; background: #eef3fd; }
.notice-ok { background: var(--ok-bg); color: var(--ok); }
.notice-error { background: var(--bad-bg); color: var(--bad); }
.notice-warn { background: var(--warn-bg); color: var(--warn); }
.tabs { display: flex; gap: .25rem; border-bottom: 2px solid var(--line); margin: 1rem 0; overflow-x: auto; }
.tabs [role=tab] { background: transparent; color: #1c2128; border-radius: .4rem .4rem 0 0; padding: .6rem .75rem; border-bottom: 3px solid transparent; margin-bottom: -2px; white-space: nowrap; }
.tabs [role=tab][aria-selected=true] { border-bottom-color: #0b57d0; color: #0b57d0; font-weight: 600; }
.tabs [role=tab]:focus-visible, button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible, summary:focus-visible { outline: 3px solid #7aa7f7; outline-offset: 2px; }
button:disabled { opacity: .55; cursor: not-allowed; }
button.danger { background: var(--bad); }
button.small { padding: .3rem .6rem; font-size: .85rem; }
fieldset { border: 1px solid var(--line); border-radius: .6rem; padding: .75rem 1rem .25rem; margin: 0 0 1rem; background: #fff; }
legend { font-weight: 700; padding: 0 .25rem; }
.ach-layout { display: grid; gap: 1rem; grid-template-columns: 1fr; }
.item-list { list-style: none; padding: 0; margin: .5rem 0; display: flex; flex-direction: column; gap: .35rem; }
.item-list button { width: 100%; text-align: left; background: #fff; color: #1c2128; border: 1px solid var(--line); }
.item-list button[aria-current=true] { border-color: #0b57d0; background: #eef3fd; }
.item-list small { display: block; color: var(--muted); }
.check-grid { display: flex; flex-wrap: wrap; gap: .35rem 1rem; }
.check-grid label { font-weight: 400; display: inline-flex; gap: .35rem; align-items: center; }
.grid-2 { display: grid; gap: 0 1rem; grid-template-columns: 1fr; }
.json-editor textarea { min-height: 16rem; }
.lint { background: #fff; border: 1px solid var(--line); border-radius: .75rem; padding: .75rem 1rem; align-self: start; }
.lint h2 { margin-top: .25rem; }
.lint-summary { font-weight: 600; border-radius: .5rem; padding: .5rem .75rem; background: #eef0f3; }
.lint-summary[data-state=ok] { background: var(--ok-bg); color: var(--ok); }
.lint-summary[data-state=failed], .lint-summary[data-state=error] { background: var(--bad-bg); color: var(--bad); }
.lint-summary[data-state=warning] { background: var(--warn-bg); color: var(--warn); }
.problems { padding-left: 1.25rem; color: var(--bad); font-size: .9rem; }
.problems code { color: var(--muted); font-size: .75rem; }
.lint .profile ul { list-style: none; padding-left: .25rem; }
.lint .rule { font-size: .88rem; padding: .15rem 0; }
.lint .rule .rule-id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .75rem; }
.lint .rule-passed { color: var(--ok); }
.lint .rule-info, .lint .rule-not-applicable { color: var(--muted); }
.lint .per-learner { border-top: 1px dashed var(--line); margin-top: .35rem; padding-top: .35rem; }
.lint .per-learner .rule { color: var(--muted); }
.lint .per-learner h4 { font-size: .8rem; margin: .25rem 0; color: var(--muted); font-weight: 600; }
/* position: the visually hidden headers (absolutely positioned) stay inside the scroller. */
.table-wrap { overflow-x: auto; position: relative; }
table.data { width: 100%; border-collapse: collapse; background: #fff; font-size: .9rem; overflow-wrap: normal; }
.table-wrap table.data { min-width: 36rem; }
table.data thead th { white-space: nowrap; }
table.data caption { text-align: left; font-weight: 600; padding: .25rem 0; }
table.data th, table.data td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
table.data thead th { background: #eef0f3; font-weight: 600; }
table.data td.actions-cell { white-space: nowrap; }
table.data td.actions-cell button { margin: 0 .25rem .25rem 0; }
.state { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: .8rem; font-weight: 600; }
.state-active, .state-done { background: var(--ok-bg); color: var(--ok); }
.state-revoked, .state-failed { background: var(--bad-bg); color: var(--bad); }
.state-suspended, .state-running, .state-validated { background: var(--warn-bg); color: var(--warn); }
.reason { display: block; font-size: .8rem; color: var(--muted); }
progress { width: 100%; height: 1.25rem; accent-color: #0b57d0; }
.filters { display: grid; gap: 0 1rem; grid-template-columns: 1fr; align-items: end; }
.pager { justify-content: flex-end; }
dialog { border: 1px solid var(--line); border-radius: .75rem; padding: 1rem 1.25rem; max-width: min(32rem, 94vw); width: 100%; }
dialog::backdrop { background: rgba(20, 24, 31, .45); }
.visually-hidden { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; border: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (min-width: 40rem) {
  .grid-2 { grid-template-columns: 1fr 1fr; }
  .filters { grid-template-columns: repeat(3, 1fr); }
}
@media (min-width: 64rem) {
  .ach-layout { grid-template-columns: 15rem minmax(0, 1fr) minmax(0, 24rem); }
  .lint { position: sticky; top: 1rem; max-height: calc(100vh - 2rem); overflow-y: auto; }
  .filters { grid-template-columns: minmax(16rem, 3fr) minmax(0, 2fr) repeat(5, auto); }
}
`;
