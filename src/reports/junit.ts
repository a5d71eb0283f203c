import type { RunRecord, RunReportInput, TestRecord } from '../runs/model.js';
import { cleanText } from './clean-text.js';
import { JenkinsJunitFactory, JenkinsTestCase, renderTestSuites } from './junit-nodes.js';
import { groupTestsByFile, listErrors, readOutcome, readSkipReason, toSeconds } from './report-rows.js';

type TestSuite = ReturnType<ReturnType<JenkinsJunitFactory['newTestSuites']>['testSuite']>;

/**
 * Builds the run's JUnit XML: one `<testsuite>` per test file, one `<testcase>` per case,
 * valid against the Jenkins JUnit schema (`shared/schemas/jenkins-junit-10.xsd`).
 *
 * Skipped cases (static skips, cases a cancel or timeout never ran, placeholders of files that
 * never started) get `<skipped message="reason"/>`; failures get `<failure>`, and cases in
 * flight when the child crashed or timed out get `<error>`. That schema allows no
 * `<properties>` in a `<testcase>`, so each case's `runId`, `traceId` and `skipReason` open its
 * `<system-out>` as `[[PROPERTY|name=value]]` lines (a convention Jenkins plugins and test
 * management importers read), followed by the case's log; each `<testsuite>` carries `runId`
 * as a real property.
 */
export function buildJunit(input: RunReportInput): string {
  const { run, tests } = input;
  const root = new JenkinsJunitFactory()
    .newTestSuites()
    .name(cleanText(`trc run ${run.runId}`))
    .time(readRunSeconds(run, tests));
  const timestamp = formatTimestamp(run.startedAt ?? run.createdAt);
  for (const group of groupTestsByFile(tests)) {
    const suite = root
      .testSuite()
      .name(cleanText(group.file))
      .time(toSeconds(sumDurations(group.tests)))
      .property('runId', cleanText(run.runId))
      .property('project', cleanText(run.project));
    if (group.project !== undefined) {
      suite.property('vitestProject', cleanText(group.project));
    }
    if (timestamp !== undefined) {
      suite.timestamp(timestamp);
    }
    for (const test of group.tests) {
      addTestCase(suite, test, input);
    }
  }
  return renderTestSuites(root);
}

function addTestCase(suite: TestSuite, test: TestRecord, input: RunReportInput): void {
  const testCase = suite.testCase();
  if (!(testCase instanceof JenkinsTestCase)) {
    throw new Error('JUnit suite was not created by the Jenkins factory');
  }
  testCase
    .className(cleanText(test.file))
    .name(cleanText(test.fullName || test.name))
    .time(toSeconds(test.durationMs));
  const properties: Array<[string, string]> = [
    ['runId', input.run.runId],
    ['traceId', test.traceId],
  ];
  if (test.project !== undefined) {
    properties.push(['vitestProject', test.project]);
  }
  const outcome = readOutcome(test);
  if (outcome === 'skipped' || outcome === 'pending') {
    const reason = outcome === 'pending' ? 'not run' : readSkipReason(test);
    testCase.skippedBecause(cleanText(reason));
    properties.push(['skipReason', reason]);
  } else if (outcome === 'failed') {
    markFailed(testCase, test);
  } else if (outcome === 'running') {
    testCase.erroredWith('The run ended while this case was still running', 'Incomplete', '');
  }
  testCase.systemOut(formatSystemOut(properties, input.logs.get(test.traceId) ?? ''));
}

function markFailed(testCase: JenkinsTestCase, test: TestRecord): void {
  const errors = listErrors(test);
  const primary = errors[0];
  const message = cleanText(primary?.message ?? 'Test failed');
  const detail = cleanText(errors.map((error) => error.stack ?? error.message).join('\n\n'));
  const type = readErrorType(primary?.stack ?? primary?.message ?? '');
  if (primary?.kind === 'error') {
    testCase.erroredWith(message, type, detail);
  } else {
    testCase.failedWith(message, type, detail);
  }
}

/** `AssertionError: expected …` → `AssertionError`; anything else → `Error`. */
function readErrorType(text: string): string {
  const match = /^\s*([A-Za-z_$][\w$.]*(?:Error|Exception))\b/.exec(cleanText(text));
  return match?.[1] ?? 'Error';
}

function formatSystemOut(properties: Array<[string, string]>, log: string): string {
  const lines = properties.map(([name, value]) => `[[PROPERTY|${name}=${toOneLine(value)}]]`);
  return cleanText(log === '' ? lines.join('\n') : [...lines, log].join('\n'));
}

function toOneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

function sumDurations(tests: readonly TestRecord[]): number {
  return tests.reduce((sum, test) => sum + Math.max(0, test.durationMs ?? 0), 0);
}

/** Wall time from spawn to end when both are known, else the sum of the cases' durations. */
function readRunSeconds(run: RunRecord, tests: readonly TestRecord[]): number {
  const started = run.startedAt === null ? NaN : Date.parse(run.startedAt);
  const ended = run.endedAt === null ? NaN : Date.parse(run.endedAt);
  return Number.isFinite(started) && Number.isFinite(ended)
    ? toSeconds(ended - started)
    : toSeconds(sumDurations(tests));
}

/** ISO 8601 in UTC to the second, e.g. `2025-01-31T09:15:02Z`. */
function formatTimestamp(iso: string): string | undefined {
  const time = Date.parse(iso);
  return Number.isFinite(time) ? new Date(time).toISOString().slice(0, 19) + 'Z' : undefined;
}
