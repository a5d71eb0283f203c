import { createHash } from 'node:crypto';
import type { RunReportInput } from '../runs/model.js';
import { renderFileSection } from './html-cases.js';
import { escapeHtml } from './html-format.js';
import { REPORT_SCRIPT } from './html-script.js';
import { REPORT_STYLES } from './html-styles.js';
import { countOutcomes, renderFilterBar, renderSummary } from './html-summary.js';
import { groupTestsByFile } from './report-rows.js';

function hashInline(content: string): string {
  return `'sha256-${createHash('sha256').update(content, 'utf8').digest('base64')}'`;
}

/**
 * Renders the run's HTML report: one self-contained page (inline CSS and script, no external
 * resource; its Content-Security-Policy forbids any) with the run summary, a section per test
 * file, a row per case with its errors and its log, and a status filter. All text is escaped;
 * the page is complete without JavaScript (the filter then stays hidden).
 */
export function renderHtml(input: RunReportInput): string {
  const { run, tests, logs } = input;
  const groups = groupTestsByFile(tests);
  const counts = countOutcomes(tests);
  const policy = [
    "default-src 'none'",
    `style-src ${hashInline(REPORT_STYLES)}`,
    `script-src ${hashInline(REPORT_SCRIPT)}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  const sections =
    groups.length === 0
      ? '<p class="empty">This run has no test cases.</p>'
      : groups.map((group) => renderFileSection(group, logs)).join('\n');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${policy}">`,
    `<title>${escapeHtml(`${run.runId} · ${run.status} · trc report`)}</title>`,
    `<style>${REPORT_STYLES}</style>`,
    '</head>',
    '<body>',
    renderSummary(run, counts),
    renderFilterBar(counts),
    '<main>',
    sections,
    '</main>',
    `<footer>trc report of run ${escapeHtml(run.runId)}</footer>`,
    `<script>${REPORT_SCRIPT}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
