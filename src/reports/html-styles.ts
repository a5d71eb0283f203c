/** The report's stylesheet, inlined into the page: light theme, system fonts, no external assets. */
export const REPORT_STYLES = `
:root {
  --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --bg: #ffffff; --bg-soft: #f6f8fa;
  --passed: #1a7f37; --passed-bg: #dafbe1; --failed: #cf222e; --failed-bg: #ffebe9;
  --skipped: #7d4e00; --skipped-bg: #fff8c5; --neutral: #59636e; --neutral-bg: #eff2f5;
  --accent: #0969da;
  --mono: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body {
  margin: 0; color: var(--fg); background: var(--bg-soft); line-height: 1.5; font-size: 14px;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
}
main, .run-header, .toolbar-inner { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
.run-header { padding-top: 24px; padding-bottom: 8px; }
h1 { font-size: 22px; margin: 0 0 4px; display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
h1 .run-id { font-family: var(--mono); font-weight: 600; word-break: break-all; }
.reason { margin: 4px 0 12px; color: var(--fg); }
.reason strong { color: var(--muted); font-weight: 600; }
.meta { display: grid; grid-template-columns: repeat(auto-fill, minmax(210px, 1fr)); gap: 4px 24px; margin: 12px 0; }
.meta div { min-width: 0; }
.meta dt { color: var(--muted); font-size: 12px; }
.meta dd { margin: 0; overflow-wrap: anywhere; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 8px; }
.tile { background: var(--bg); border: 1px solid var(--border); border-radius: 8px; padding: 10px 16px; min-width: 120px; }
.tile .value { font-size: 24px; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.tile.passed .value { color: var(--passed); } .tile.failed .value { color: var(--failed); }
.tile.skipped .value { color: var(--skipped); }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin: 8px 0; padding: 0; list-style: none; }
.chip { font-family: var(--mono); font-size: 12px; background: var(--bg); border: 1px solid var(--border); border-radius: 12px; padding: 1px 10px; }
.notes { color: var(--muted); margin: 8px 0; padding-left: 20px; }
.toolbar { position: sticky; top: 0; z-index: 1; background: rgba(246, 248, 250, .95); border-bottom: 1px solid var(--border); }
.toolbar-inner { display: flex; align-items: center; gap: 8px; padding-top: 8px; padding-bottom: 8px; }
.toolbar-label { color: var(--muted); margin-right: 4px; }
.toolbar button {
  font: inherit; cursor: pointer; border: 1px solid var(--border); background: var(--bg); color: var(--fg);
  border-radius: 6px; padding: 3px 12px;
}
.toolbar button:hover { background: var(--neutral-bg); }
.toolbar button[aria-pressed="true"] { background: var(--fg); border-color: var(--fg); color: #fff; }
.toolbar .count { font-variant-numeric: tabular-nums; opacity: .75; margin-left: 4px; }
main { padding-top: 16px; padding-bottom: 48px; }
.empty { background: var(--bg); border: 1px dashed var(--border); border-radius: 8px; padding: 24px; color: var(--muted); text-align: center; }
.file { background: var(--bg); border: 1px solid var(--border); border-radius: 8px; margin: 0 0 16px; overflow: hidden; }
.file > summary {
  cursor: pointer; display: flex; flex-wrap: wrap; align-items: baseline; gap: 12px;
  padding: 10px 16px; background: var(--bg-soft); border-bottom: 1px solid var(--border);
}
.file:not([open]) > summary { border-bottom: 0; }
.file-path { font-family: var(--mono); font-weight: 600; overflow-wrap: anywhere; }
.file-counts { color: var(--muted); font-size: 12px; }
.file-counts .failed { color: var(--failed); font-weight: 600; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
th { text-align: left; font-size: 12px; font-weight: 600; color: var(--muted); padding: 6px 16px; border-bottom: 1px solid var(--border); }
td { padding: 6px 16px; vertical-align: top; overflow-wrap: anywhere; }
tbody.case + tbody.case tr.case-row td { border-top: 1px solid var(--border); }
col.status { width: 150px; } col.duration { width: 100px; } col.trace { width: 290px; }
td.duration, th.duration { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.trace { font-family: var(--mono); font-size: 12px; color: var(--muted); }
tbody.case[data-status="failed"] tr.case-row { background: #fffafa; }
.case-name .parents { color: var(--muted); }
.skip-reason { color: var(--muted); font-size: 12px; }
.badge {
  display: inline-block; font-size: 12px; font-weight: 600; line-height: 18px; border-radius: 10px; padding: 1px 8px;
  background: var(--neutral-bg); color: var(--neutral); white-space: nowrap;
}
.badge.passed { background: var(--passed-bg); color: var(--passed); }
.badge.failed { background: var(--failed-bg); color: var(--failed); }
.badge.skipped { background: var(--skipped-bg); color: var(--skipped); }
h1 .badge { font-size: 13px; }
.case-detail td { padding-top: 0; padding-bottom: 10px; }
.error { border-left: 3px solid var(--failed); background: var(--failed-bg); border-radius: 4px; padding: 8px 12px; margin: 4px 0 8px; }
.error.crash { border-left-color: #8250df; background: #fbefff; }
.error-message { font-weight: 600; white-space: pre-wrap; overflow-wrap: anywhere; }
.error-kind { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
pre {
  font-family: var(--mono); font-size: 12px; line-height: 1.45; margin: 6px 0 0; padding: 8px 12px;
  background: var(--bg); border: 1px solid var(--border); border-radius: 6px;
  white-space: pre-wrap; overflow-wrap: anywhere; max-height: 480px; overflow: auto;
}
.error pre { background: rgba(255, 255, 255, .7); }
details.log > summary { cursor: pointer; color: var(--accent); font-size: 12px; }
.log-note { font-size: 12px; color: var(--skipped); background: var(--skipped-bg); border-radius: 4px; padding: 4px 8px; margin: 6px 0 0; }
.no-log { font-size: 12px; color: var(--muted); }
footer { color: var(--muted); font-size: 12px; text-align: center; padding: 0 0 24px; }
@media print { .toolbar { display: none; } pre { max-height: none; } }
`;
