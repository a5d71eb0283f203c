import type { RunRecord, TestRecord } from '../runs/model.js';
import { escapeHtml, formatDuration, formatTime, measureSpan } from './html-format.js';
import { readOutcome } from './report-rows.js';

/** Cases per outcome, as the report lists them (placeholders count as skipped). */
export interface OutcomeCounts {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
}

/** Counts the listed cases; cases still pending or running count only in the total. */
export function countOutcomes(tests: readonly TestRecord[]): OutcomeCounts {
  const counts: OutcomeCounts = { total: tests.length, passed: 0, failed: 0, skipped: 0 };
  for (const test of tests) {
    const outcome = readOutcome(test);
    if (outcome === 'passed' || outcome === 'failed' || outcome === 'skipped') {
      counts[outcome] += 1;
    }
  }
  return counts;
}

/** The badge colour of a run status: green/red for a result, amber for a cancel, grey otherwise. */
function readStatusTone(run: RunRecord): string {
  if (run.status === 'COMPLETED') {
    return run.result === 'failed' ? 'failed' : 'passed';
  }
  if (run.status === 'FAILED' || run.status === 'TIMED_OUT') {
    return 'failed';
  }
  return run.status === 'CANCELLED' ? 'skipped' : 'neutral';
}

function renderMetaItem(label: string, valueHtml: string): string {
  return `<div><dt>${escapeHtml(label)}</dt><dd>${valueHtml}</dd></div>`;
}

function renderTile(tone: string, label: string, value: number): string {
  return `<div class="tile ${tone}"><div class="value">${value}</div><div class="label">${escapeHtml(label)}</div></div>`;
}

/** The run's header: id, status and result, reason, times, counts, labels and notes. */
export function renderSummary(run: RunRecord, counts: OutcomeCounts): string {
  const result = run.result ?? 'no result';
  const meta = [
    renderMetaItem('Status', escapeHtml(run.status)),
    renderMetaItem('Result', escapeHtml(result)),
    renderMetaItem('Project', escapeHtml(run.project)),
    renderMetaItem('Duration', escapeHtml(formatDuration(measureSpan(run.startedAt, run.endedAt)))),
    renderMetaItem('Created', formatTime(run.createdAt)),
    renderMetaItem('Started', formatTime(run.startedAt)),
    renderMetaItem('Ended', formatTime(run.endedAt)),
  ];
  if (run.files.length > 0) {
    meta.push(renderMetaItem('Files requested', escapeHtml(run.files.join(', '))));
  }
  if (run.testNamePattern !== null) {
    meta.push(renderMetaItem('Test name pattern', `<code>${escapeHtml(run.testNamePattern)}</code>`));
  }
  if (run.exitCode !== null) {
    meta.push(renderMetaItem('Exit code', escapeHtml(String(run.exitCode))));
  }
  const labels = Object.entries(run.labels);
  return [
    '<header class="run-header">',
    `<h1><span class="run-id">${escapeHtml(run.runId)}</span>`,
    `<span class="badge ${readStatusTone(run)}">${escapeHtml(run.status)}</span>`,
    run.result === null ? '' : `<span class="badge ${run.result}">${escapeHtml(run.result)}</span>`,
    '</h1>',
    run.reason === null ? '' : `<p class="reason"><strong>Reason:</strong> ${escapeHtml(run.reason)}</p>`,
    `<dl class="meta">${meta.join('')}</dl>`,
    '<div class="tiles">',
    renderTile('total', 'Total', counts.total),
    renderTile('passed', 'Passed', counts.passed),
    renderTile('failed', 'Failed', counts.failed),
    renderTile('skipped', 'Skipped', counts.skipped),
    '</div>',
    labels.length === 0
      ? ''
      : `<ul class="chips" aria-label="Labels">${labels
          .map(([key, value]) => `<li class="chip">${escapeHtml(key)}=${escapeHtml(value)}</li>`)
          .join('')}</ul>`,
    run.notes.length === 0
      ? ''
      : `<ul class="notes">${run.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join('')}</ul>`,
    '</header>',
  ].join('\n');
}

/** The status filter; hidden until the page script shows it, so a page without JS lists every case. */
export function renderFilterBar(counts: OutcomeCounts): string {
  const filters: Array<[string, string, number]> = [
    ['all', 'All', counts.total],
    ['passed', 'Passed', counts.passed],
    ['failed', 'Failed', counts.failed],
    ['skipped', 'Skipped', counts.skipped],
  ];
  const buttons = filters.map(
    ([filter, label, count]) =>
      `<button type="button" data-filter="${filter}" aria-pressed="${filter === 'all'}">${label}<span class="count">${count}</span></button>`,
  );
  return [
    '<nav class="toolbar" id="filters" aria-label="Filter test cases by status" hidden>',
    `<div class="toolbar-inner"><span class="toolbar-label">Show</span>${buttons.join('')}</div>`,
    '</nav>',
  ].join('\n');
}
