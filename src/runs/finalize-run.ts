import { readdir, readFile, rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import { writeReports } from '../reports/report-files.js';
import type { RunStore } from '../store/run-store.js';
import { deriveTraceIds } from '../runner/trace-id.js';
import type { RunRecord, RunResult, RunStatus, TestRecord } from './model.js';
import type { RunPaths } from './run-paths.js';
import { countTests, settleTests, type StopCause } from './settle-tests.js';

/** Largest per-case log read into the HTML report. */
const MAX_LOG_BYTES_IN_REPORT = 1024 * 1024;

export interface ChildExit {
  exitCode: number | null;
  signal: string | null;
  /** Why the daemon itself stopped the child, when it did; `daemon-lost`: the daemon that ran it died. */
  stoppedBy: 'timeout' | 'daemon-lost' | null;
}

export interface FinalizeDeps {
  store: RunStore;
  paths: RunPaths;
  logger: Logger;
  keepReports: number;
}

/**
 * End a run: settle every case, write JUnit and HTML, and move the run to its terminal status.
 * Works from what reached Redis, so it also reports a child that crashed or never started.
 */
export async function finalizeRun(
  deps: FinalizeDeps,
  runId: string,
  exit: ChildExit | null,
): Promise<RunRecord | null> {
  const run = await deps.store.getRun(runId);
  if (!run) {
    return null;
  }
  const internals = await deps.store.getInternal(runId);
  const cause = decideCause(run, internals, exit);
  const tests = settleTests({
    tests: await deps.store.getTests(runId),
    files: exit ? sortKeys(await deps.store.getFiles(runId)) : plannedFromRequest(run),
    cause,
    traceFor: deriveTraceIds(runId),
  });
  await deps.store.writeFinalTests(runId, tests, countTests(tests));
  const failed = tests.some((test) => test.status === 'failed') || internals.childErrors.length > 0;
  const { status, result, reason } = decideStatus(cause, internals.childError, exit, failed, run);
  const ended: RunRecord = {
    ...run,
    status,
    result,
    reason,
    endedAt: new Date().toISOString(),
    exitCode: exit?.exitCode ?? null,
    pid: null,
    counts: countTests(tests),
  };
  try {
    await writeReports(deps.paths.reportsDir(runId), {
      run: ended,
      tests,
      logs: await readCaseLogs(deps.paths, runId, tests),
    });
  } catch (err) {
    deps.logger.error({ err, runId }, 'could not write the reports');
  }
  await deps.store.transition(runId, {
    from: '*',
    to: status,
    set: {
      result,
      reason,
      endedAt: ended.endedAt,
      exitCode: ended.exitCode,
      pid: null,
      pauseRequested: false,
    },
  });
  await rm(deps.paths.workDir(runId), { recursive: true, force: true });
  await applyRetention(deps);
  return deps.store.getRun(runId);
}

function sortKeys(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

function plannedFromRequest(run: RunRecord): Record<string, string> {
  return Object.fromEntries(
    run.files.map((file) => [JSON.stringify([run.vitestProject ?? '', file]), 'planned']),
  );
}

function decideCause(
  run: RunRecord,
  internals: { stopReason: string | null; childFinished: string | null; childError: string | null },
  exit: ChildExit | null,
): StopCause {
  if (exit?.stoppedBy === 'timeout' || internals.stopReason === 'timed out') {
    return { kind: 'timed-out', timeoutMs: run.timeoutMs ?? 0 };
  }
  if (exit?.stoppedBy === 'daemon-lost') {
    return { kind: 'crashed', description: 'the trc daemon running it stopped unexpectedly' };
  }
  if (run.cancelRequested || !exit) {
    return { kind: 'cancelled', reason: internals.stopReason ?? 'cancelled' };
  }
  if (internals.childFinished === null && internals.childError === null) {
    const description = exit.signal
      ? `the Vitest child was killed by ${exit.signal}`
      : `the Vitest child exited with code ${exit.exitCode ?? 'unknown'} before the run ended`;
    return { kind: 'crashed', description };
  }
  return { kind: 'completed' };
}

function decideStatus(
  cause: StopCause,
  childError: string | null,
  exit: ChildExit | null,
  failed: boolean,
  run: RunRecord,
): { status: RunStatus; result: RunResult | null; reason: string | null } {
  switch (cause.kind) {
    case 'timed-out':
      return {
        status: 'TIMED_OUT',
        result: null,
        reason: `timed out after ${run.timeoutMs ?? 0} ms of running time`,
      };
    case 'cancelled':
      return {
        status: 'CANCELLED',
        result: null,
        reason: cause.reason === 'cancelled' ? 'cancelled by request' : cause.reason,
      };
    case 'crashed':
      return { status: 'FAILED', result: null, reason: cause.description };
    case 'completed':
      if (childError) {
        return { status: 'FAILED', result: null, reason: childError };
      }
      return {
        status: 'COMPLETED',
        result: failed || (exit?.exitCode ?? 0) !== 0 ? 'failed' : 'passed',
        reason: null,
      };
  }
}

async function readCaseLogs(
  paths: RunPaths,
  runId: string,
  tests: readonly TestRecord[],
): Promise<Map<string, string>> {
  const logs = new Map<string, string>();
  // One listing instead of one failed open per case without output (most of them, on big suites).
  const written = new Set(await readdir(paths.logsDir(runId)).catch(() => [] as string[]));
  for (const test of tests) {
    if (!written.has(`${test.traceId}.log`)) {
      continue;
    }
    try {
      const text = await readFile(paths.caseLog(runId, test.traceId), 'utf8');
      logs.set(
        test.traceId,
        text.length > MAX_LOG_BYTES_IN_REPORT ? text.slice(0, MAX_LOG_BYTES_IN_REPORT) : text,
      );
    } catch {
      // no output for this case
    }
  }
  return logs;
}

/** Keep the reports of the newest `keepReports` finished runs; older ones are removed and their run says so. */
export async function applyRetention(deps: FinalizeDeps): Promise<void> {
  const older = await deps.store.listFinishedBeyond(deps.keepReports);
  for (const runId of older) {
    await rm(deps.paths.reportsDir(runId), { recursive: true, force: true });
    await deps.store.transition(runId, { from: '*', set: { reportsRemovedAt: new Date().toISOString() } });
    await deps.store.forgetFinished(runId);
    deps.logger.info({ runId }, 'reports removed by retention');
  }
}
