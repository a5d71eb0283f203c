import type { RunCounts, TestRecord } from './model.js';

/** Why the child stopped, as the finalizer sees it. */
export type StopCause =
  | { kind: 'completed' }
  | { kind: 'cancelled'; reason: string }
  | { kind: 'timed-out'; timeoutMs: number }
  | { kind: 'crashed'; description: string };

/** Reason given to cases and files that never ran. */
export function notRunReason(cause: StopCause): string {
  switch (cause.kind) {
    case 'cancelled':
      return cause.reason;
    case 'timed-out':
      return 'timed out';
    case 'crashed':
      return `not run: ${cause.description}`;
    case 'completed':
      return 'not run';
  }
}

function inFlightMessage(cause: StopCause): string {
  switch (cause.kind) {
    case 'timed-out':
      return `the run timed out after ${cause.timeoutMs} ms while this case was running`;
    case 'crashed':
      return `${cause.description} while this case was running`;
    default:
      return 'the Vitest child exited while this case was running';
  }
}

/**
 * Give every case of a finished run an end status, so that total = passed + failed + skipped:
 * cases in flight when the child stopped fail with an error naming why; cases and test files
 * that never started are skipped with the reason (one placeholder per file that never started).
 */
export function settleTests(input: {
  tests: readonly TestRecord[];
  /** Test files planned: JSON `[project, file]` keys as the child wrote them; placeholders keep this order. */
  files: Readonly<Record<string, string>>;
  cause: StopCause;
  /** The trace id of a case (or placeholder) of this run (see deriveTraceIds). */
  traceFor: (testId: string) => string;
}): TestRecord[] {
  const reason = notRunReason(input.cause);
  let seq = input.tests.reduce((max, test) => Math.max(max, test.seq ?? 0), 0);
  const settled = input.tests.map((test): TestRecord => {
    const traceId = test.traceId || input.traceFor(test.id);
    if (test.status === 'running') {
      const error = { message: inFlightMessage(input.cause), kind: 'error' as const };
      return { ...test, traceId, status: 'failed', error, errors: [error] };
    }
    if (test.status === 'pending') {
      return { ...test, traceId, status: 'skipped', skipReason: reason };
    }
    return { ...test, traceId };
  });
  const filesWithCases = new Set(settled.map((test) => JSON.stringify([test.project ?? '', test.file])));
  for (const key of Object.keys(input.files)) {
    if (filesWithCases.has(key)) {
      continue;
    }
    const [project, file] = JSON.parse(key) as [string, string];
    const id = `file:${key}`;
    settled.push({
      id,
      file,
      name: '(test file not run)',
      fullName: `${file} (test file not run)`,
      ...(project ? { project } : {}),
      status: 'skipped',
      durationMs: null,
      traceId: input.traceFor(id),
      skipReason: reason,
      placeholder: true,
      seq: ++seq,
    });
  }
  return settled;
}

/** Counts of a settled run: every case passed, failed or skipped, none running. */
export function countTests(tests: readonly TestRecord[]): RunCounts {
  const counts = { total: tests.length, passed: 0, failed: 0, skipped: 0, running: 0 };
  for (const test of tests) {
    if (test.status === 'passed' || test.status === 'failed' || test.status === 'skipped') {
      counts[test.status] += 1;
    }
  }
  return counts;
}
