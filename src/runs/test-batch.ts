import type { TestRecordChange } from './model.js';

/** Cases of one test file as Vitest collected them: `[id, name]`, plus the full name when it differs. */
export interface CollectedFile {
  file: string;
  project?: string;
  cases: Array<[id: string, name: string, fullName?: string]>;
}

/** A test file as the child planned it, or queued it to run. */
export type FileState = 'planned' | 'started';

/** A case that passed: `[id, durationMs]` (its trace id is derived from the id, see deriveTraceIds). */
export type PassedCase = [id: string, durationMs: number | null];

/**
 * What the child learned of test files and cases since its last batch. A suite of thousands of cases sends
 * mostly two kinds of news, collected and passed cases, so those travel as short tuples; every
 * other change (running, failed, skipped, a file's own error) travels whole.
 */
export interface TestBatch {
  /** Test files' states by file key (see fileKey in the reporter), the latest of each. */
  files?: Record<string, FileState>;
  collected?: CollectedFile[];
  changes?: TestRecordChange[];
  passed?: PassedCase[];
}
