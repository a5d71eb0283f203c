/** Run statuses, in the vocabulary of DESIGN.md. */
export const RUN_STATUSES = [
  'PENDING',
  'RUNNING',
  'PAUSED',
  'COMPLETED',
  'FAILED',
  'CANCELLED',
  'TIMED_OUT',
] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const TERMINAL_STATUSES: readonly RunStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMED_OUT'];

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export type RunResult = 'passed' | 'failed';

export interface RunCounts {
  total: number;
  passed: number;
  failed: number;
  skipped: number;
  running: number;
}

/** What a client asked for when it started the run (validated at the edge). */
export interface RunRequest {
  project: string;
  files: string[];
  testNamePattern: string | null;
  vitestProject: string | null;
  env: Record<string, string>;
  timeoutMs: number | null;
  showConsole: boolean;
  labels: Record<string, string>;
}

/** A run as stored (without links, which the API adds). */
export interface RunRecord extends RunRequest {
  runId: string;
  status: RunStatus;
  result: RunResult | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  pauseRequested: boolean;
  cancelRequested: boolean;
  counts: RunCounts;
  pid: number | null;
  exitCode: number | null;
  reason: string | null;
  /** Notes a user should see, e.g. "showConsole ignored on linux". */
  notes: string[];
  /** Set when retention removed this run's reports. */
  reportsRemovedAt: string | null;
}

export type TestStatus = 'pending' | 'running' | 'passed' | 'failed' | 'skipped';

export interface TestError {
  message: string;
  stack?: string;
  /** `error` for a crash/timeout of the child; `failure` for an assertion or thrown error. */
  kind?: 'failure' | 'error';
}

/** One test case of a run, as stored in Redis and listed by GET /runs/:id/tests. */
export interface TestRecord {
  id: string;
  /** Test file path relative to the project root, with forward slashes. */
  file: string;
  name: string;
  fullName: string;
  status: TestStatus;
  durationMs: number | null;
  traceId: string;
  /** Vitest project name, when the run has several. */
  project?: string;
  error?: TestError;
  errors?: TestError[];
  skipReason?: string;
  /** True for the stand-in of a test file that never started. */
  placeholder?: boolean;
  /** Order of first report, to keep report rows in execution order. */
  seq?: number;
}

/** What the child reports of a case: whatever it learned of it since the last report. */
export type TestRecordChange = Partial<Omit<TestRecord, 'seq'>> & { id: string };

/** The run's whole result set, as the report builders take it. */
export interface RunReportInput {
  run: RunRecord;
  tests: TestRecord[];
  /** Per-case log text by trace id (may be missing for cases without output). */
  logs: Map<string, string>;
}
