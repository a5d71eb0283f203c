import type { TestError, TestRecord } from '../runs/model.js';

/** The test cases of one test file (of one Vitest project, when the run has several), in execution order. */
export interface FileGroup {
  file: string;
  project: string | undefined;
  tests: TestRecord[];
}

/** What a report shows for a case: skipped covers static skips, unrun cases and placeholders. */
export type CaseOutcome = 'passed' | 'failed' | 'skipped' | 'pending' | 'running';

/** Orders cases by first report (`seq`; cases without one keep their place after those with one). */
export function sortTestsBySeq(tests: readonly TestRecord[]): TestRecord[] {
  return tests
    .map((test, index) => ({ test, index }))
    .sort((a, b) => (a.test.seq ?? Infinity) - (b.test.seq ?? Infinity) || a.index - b.index)
    .map(({ test }) => test);
}

/** Groups cases by test file and Vitest project; files appear in the order their first case ran. */
export function groupTestsByFile(tests: readonly TestRecord[]): FileGroup[] {
  const groups = new Map<string, FileGroup>();
  for (const test of sortTestsBySeq(tests)) {
    const key = JSON.stringify([test.project ?? null, test.file]);
    const group = groups.get(key) ?? { file: test.file, project: test.project, tests: [] };
    group.tests.push(test);
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** The outcome a report shows: a placeholder is a skipped case whatever its stored status. */
export function readOutcome(test: TestRecord): CaseOutcome {
  return test.placeholder === true ? 'skipped' : test.status;
}

/** Every error of a case, the primary one first, without duplicates. */
export function listErrors(test: TestRecord): TestError[] {
  const errors = [...(test.error ? [test.error] : []), ...(test.errors ?? [])];
  return errors.filter(
    (error, index) =>
      errors.findIndex((other) => other.message === error.message && other.stack === error.stack) === index,
  );
}

/** The reason shown for a skipped case; placeholders of files that never started default to `not started`. */
export function readSkipReason(test: TestRecord): string {
  return test.skipReason ?? (test.placeholder === true ? 'not started' : 'skipped');
}

/** Milliseconds to seconds with at most 3 decimals; unknown or negative durations count as 0. */
export function toSeconds(durationMs: number | null | undefined): number {
  if (durationMs === null || durationMs === undefined || !Number.isFinite(durationMs) || durationMs < 0) {
    return 0;
  }
  return Math.round(durationMs) / 1000;
}
