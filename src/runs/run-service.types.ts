import type { RunRecord, RunRequest, RunStatus, TestRecord } from './model.js';

export interface ListRunsQuery {
  status?: RunStatus;
  limit: number;
  cursor?: string;
}

export interface RunLogEntry {
  traceId: string;
  testId: string;
  fullName: string;
  bytes: number;
}

export type ReportKind = 'html' | 'junit';

/**
 * What the HTTP layer needs from the run service. Every method throws AppError
 * (RUN_NOT_FOUND, INVALID_TRANSITION, VALIDATION_FAILED, REPORT_NOT_READY, ...) on bad input.
 */
export interface RunService {
  createRun(request: RunRequest): Promise<RunRecord>;
  getRun(runId: string): Promise<RunRecord>;
  listRuns(query: ListRunsQuery): Promise<{ runs: RunRecord[]; nextCursor: string | null }>;
  pauseRun(runId: string): Promise<RunRecord>;
  resumeRun(runId: string): Promise<RunRecord>;
  cancelRun(runId: string): Promise<RunRecord>;
  deleteRun(runId: string, options: { keepReports: boolean }): Promise<void>;
  listTests(runId: string): Promise<TestRecord[]>;
  listLogs(runId: string): Promise<RunLogEntry[]>;
  /** Absolute path of the child's run.log (it may not exist yet). Throws RUN_NOT_FOUND. */
  runLogPath(runId: string): Promise<string>;
  /** Absolute path of one case's log; throws NOT_FOUND when the trace id is not a case of the run. */
  testLogPath(runId: string, traceId: string): Promise<string>;
  /** Absolute path of a report file; throws REPORT_NOT_READY while the run is not terminal or the file is gone. */
  reportPath(runId: string, kind: ReportKind): Promise<string>;
  /** Files for the zip archive: [absolute path, name inside the zip]. Throws REPORT_NOT_READY like reportPath. */
  archiveEntries(runId: string): Promise<Array<{ path: string; name: string }>>;
  isHealthy(): Promise<boolean>;
}
