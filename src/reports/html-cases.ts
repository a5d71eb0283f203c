import type { TestError, TestRecord } from '../runs/model.js';
import { escapeHtml, formatBytes, formatDuration } from './html-format.js';
import { truncateLog } from './html-log.js';
import { listErrors, readOutcome, readSkipReason, type CaseOutcome, type FileGroup } from './report-rows.js';

function renderBadge(outcome: CaseOutcome): string {
  return `<span class="badge ${outcome}">${outcome}</span>`;
}

/** `describe › it` with the describe blocks muted. */
function renderCaseName(test: TestRecord): string {
  const fullName = test.fullName || test.name;
  if (fullName === test.name || !fullName.endsWith(test.name)) {
    return escapeHtml(fullName);
  }
  const parents = fullName.slice(0, fullName.length - test.name.length);
  return `<span class="parents">${escapeHtml(parents)}</span>${escapeHtml(test.name)}`;
}

function renderError(error: TestError): string {
  const isCrash = error.kind === 'error';
  const stack =
    error.stack !== undefined && error.stack !== error.message ? `<pre>${escapeHtml(error.stack)}</pre>` : '';
  return [
    `<div class="error${isCrash ? ' crash' : ''}">`,
    `<div class="error-kind">${isCrash ? 'Error: the test process crashed or timed out while this case ran' : 'Failure'}</div>`,
    `<div class="error-message">${escapeHtml(error.message)}</div>`,
    stack,
    '</div>',
  ].join('');
}

function renderLog(log: string | undefined): string {
  if (log === undefined || log === '') {
    return '';
  }
  const shown = truncateLog(log);
  const note = shown.isTruncated
    ? `<p class="log-note">Log truncated: it is ${formatBytes(shown.bytes)}, above the report's limit. ` +
      "The full log is in the run's log files (<code>GET /api/v1/runs/:runId/logs/:traceId</code>).</p>"
    : '';
  return [
    '<details class="log">',
    `<summary>Log · ${escapeHtml(formatBytes(shown.bytes))}${shown.isTruncated ? ' (truncated)' : ''}</summary>`,
    note,
    `<pre>${escapeHtml(shown.text)}</pre>`,
    '</details>',
  ].join('');
}

function renderDetail(test: TestRecord, outcome: CaseOutcome, log: string | undefined): string {
  const errors = listErrors(test);
  const parts = errors.map(renderError);
  if (outcome === 'failed' && errors.length === 0) {
    parts.push(
      '<div class="error"><div class="error-message">The case failed without a recorded error.</div></div>',
    );
  }
  if (outcome === 'running') {
    parts.push('<p class="skip-reason">Still running when this report was written.</p>');
  }
  parts.push(renderLog(log));
  const content = parts.join('');
  return content === '' ? '' : `<tr class="case-detail"><td></td><td colspan="3">${content}</td></tr>`;
}

function renderCase(test: TestRecord, logs: ReadonlyMap<string, string>): string {
  const outcome = readOutcome(test);
  const reason =
    outcome === 'skipped' ? `<div class="skip-reason">${escapeHtml(readSkipReason(test))}</div>` : '';
  const anchor = escapeHtml(`trace-${test.traceId.replace(/\s+/g, '_')}`);
  return [
    `<tbody class="case" data-status="${outcome}" id="${anchor}">`,
    '<tr class="case-row">',
    `<td>${renderBadge(outcome)}${reason}</td>`,
    `<td class="case-name">${renderCaseName(test)}</td>`,
    `<td class="duration">${escapeHtml(formatDuration(test.durationMs))}</td>`,
    `<td class="trace">${escapeHtml(test.traceId)}</td>`,
    '</tr>',
    renderDetail(test, outcome, logs.get(test.traceId)),
    '</tbody>',
  ].join('');
}

function renderFileCounts(tests: readonly TestRecord[]): string {
  const outcomes = tests.map(readOutcome);
  const failed = outcomes.filter((outcome) => outcome === 'failed').length;
  const passed = outcomes.filter((outcome) => outcome === 'passed').length;
  const skipped = outcomes.filter((outcome) => outcome === 'skipped').length;
  const duration = tests.reduce((sum, test) => sum + Math.max(0, test.durationMs ?? 0), 0);
  const parts = [`${tests.length} ${tests.length === 1 ? 'test' : 'tests'}`];
  if (failed > 0) {
    parts.push(`<span class="failed">${failed} failed</span>`);
  }
  parts.push(`${passed} passed`, `${skipped} skipped`, escapeHtml(formatDuration(duration)));
  return parts.join(' · ');
}

/** One test file: a collapsible section with a row per case, its errors and its log. */
export function renderFileSection(group: FileGroup, logs: ReadonlyMap<string, string>): string {
  return [
    `<details class="file" open data-file="${escapeHtml(group.file)}">`,
    `<summary><span class="file-path">${escapeHtml(group.file)}</span>`,
    group.project === undefined ? '' : `<span class="chip">${escapeHtml(group.project)}</span>`,
    `<span class="file-counts">${renderFileCounts(group.tests)}</span></summary>`,
    '<table><colgroup><col class="status"><col><col class="duration"><col class="trace"></colgroup>',
    '<thead><tr><th>Status</th><th>Test</th><th class="duration">Duration</th><th>Trace id</th></tr></thead>',
    ...group.tests.map((test) => renderCase(test, logs)),
    '</table>',
    '</details>',
  ].join('\n');
}
