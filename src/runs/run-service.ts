import { randomUUID } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { AppError } from '../errors.js';
import type { RunQueue } from '../queue/run-queue.js';
import type { ControlBus } from '../store/control-bus.js';
import type { ControlMessage } from '../runner/env-contract.js';
import { finalizeRun, type FinalizeDeps } from './finalize-run.js';
import type { RunRecord, RunRequest, TestRecord } from './model.js';
import { isTerminal } from './model.js';
import { createRunId } from './run-id.js';
import type { ListRunsQuery, ReportKind, RunLogEntry, RunService } from './run-service.types.js';
import { createTransitionError, type RunAction } from './transitions.js';

export interface RunServiceDeps extends FinalizeDeps {
  bus: ControlBus;
  queue: Pick<RunQueue, 'enqueue'>;
  projects: ReadonlyMap<string, string>;
  platform: NodeJS.Platform;
}

/** How long a pause or cancel waits for the child to confirm that no further case will start. */
const ACK_TIMEOUT_MS = 5000;

/** The run lifecycle: create, pause, resume, cancel, delete, and what a run has produced. */
export class DefaultRunService implements RunService {
  constructor(private readonly deps: RunServiceDeps) {}

  async createRun(request: RunRequest): Promise<RunRecord> {
    if (!this.deps.projects.has(request.project)) {
      throw new AppError(
        `unknown project "${request.project}"; configured projects: ${[...this.deps.projects.keys()].join(', ')}`,
        { code: 'VALIDATION_FAILED', details: [{ path: 'project', message: 'not a configured project' }] },
      );
    }
    const now = new Date();
    const run: RunRecord = {
      ...request,
      runId: createRunId(now),
      status: 'PENDING',
      result: null,
      createdAt: now.toISOString(),
      startedAt: null,
      endedAt: null,
      pauseRequested: false,
      cancelRequested: false,
      counts: { total: 0, passed: 0, failed: 0, skipped: 0, running: 0 },
      pid: null,
      exitCode: null,
      reason: null,
      notes:
        request.showConsole && this.deps.platform !== 'win32'
          ? [`showConsole ignored: only supported on Windows (this daemon runs on ${this.deps.platform})`]
          : [],
      reportsRemovedAt: null,
    };
    await this.deps.store.createRun(run);
    await this.deps.queue.enqueue(run.runId);
    return run;
  }

  async getRun(runId: string): Promise<RunRecord> {
    const run = await this.deps.store.getRun(runId);
    if (!run) {
      throw new AppError(`run ${runId} not found`, { code: 'RUN_NOT_FOUND' });
    }
    return run;
  }

  async listRuns(query: ListRunsQuery): Promise<{ runs: RunRecord[]; nextCursor: string | null }> {
    const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    const rows = await this.deps.store.listRunIds({ status: query.status, limit: query.limit + 1, before });
    const page = rows.slice(0, query.limit);
    const runs = await this.deps.store.getRuns(page.map((row) => row.runId));
    const last = page.at(-1);
    return { runs, nextCursor: rows.length > query.limit && last ? encodeCursor(last.seq) : null };
  }

  async pauseRun(runId: string): Promise<RunRecord> {
    const outcome = await this.deps.store.transition(runId, {
      from: ['PENDING', 'RUNNING'],
      to: 'PAUSED',
      set: { pauseRequested: true },
    });
    await this.expectApplied(runId, 'pause', outcome);
    await this.signal(runId, { type: 'pause' }, outcome.kind === 'applied' && outcome.controlReady);
    return this.getRun(runId);
  }

  async resumeRun(runId: string): Promise<RunRecord> {
    const run = await this.getRun(runId);
    const neverStarted = run.startedAt === null;
    const outcome = await this.deps.store.transition(runId, {
      from: ['PAUSED'],
      to: neverStarted ? 'PENDING' : 'RUNNING',
      set: { pauseRequested: false },
      ...(neverStarted ? { unless: 'startedAt' } : {}),
    });
    await this.expectApplied(runId, 'resume', outcome);
    if (neverStarted) {
      await this.deps.queue.enqueue(runId);
    } else {
      await this.deps.store.publishControl(runId, { type: 'resume' });
    }
    return this.getRun(runId);
  }

  async cancelRun(runId: string): Promise<RunRecord> {
    const set = { cancelRequested: true, stopReason: 'cancelled' };
    const beforeStart = await this.deps.store.transition(runId, {
      from: ['PENDING', 'PAUSED'],
      to: 'CANCELLED',
      unless: 'startedAt',
      set,
    });
    if (beforeStart.kind === 'applied') {
      await finalizeRun(this.deps, runId, null);
      return this.getRun(runId);
    }
    const outcome = await this.deps.store.transition(runId, { from: ['RUNNING', 'PAUSED'], set });
    await this.expectApplied(runId, 'cancel', outcome);
    await this.signal(
      runId,
      { type: 'cancel', reason: 'cancelled' },
      outcome.kind === 'applied' && outcome.controlReady,
    );
    return this.getRun(runId);
  }

  async deleteRun(runId: string, options: { keepReports: boolean }): Promise<void> {
    const outcome = await this.deps.store.deleteRun(runId);
    await this.expectApplied(runId, 'delete', outcome);
    const { paths } = this.deps;
    await rm(paths.logsDir(runId), { recursive: true, force: true });
    await rm(paths.workDir(runId), { recursive: true, force: true });
    if (!options.keepReports) {
      await rm(paths.reportsDir(runId), { recursive: true, force: true });
    }
  }

  async listTests(runId: string): Promise<TestRecord[]> {
    await this.getRun(runId);
    return this.deps.store.getTests(runId);
  }

  async listLogs(runId: string): Promise<RunLogEntry[]> {
    const tests = await this.listTests(runId);
    return Promise.all(
      tests.map(async (test) => ({
        traceId: test.traceId,
        testId: test.id,
        fullName: test.fullName,
        bytes: await fileSize(this.deps.paths.caseLog(runId, test.traceId)),
      })),
    );
  }

  async runLogPath(runId: string): Promise<string> {
    await this.getRun(runId);
    return this.deps.paths.runLog(runId);
  }

  async testLogPath(runId: string, traceId: string): Promise<string> {
    const tests = await this.listTests(runId);
    if (!tests.some((test) => test.traceId === traceId)) {
      throw new AppError(`run ${runId} has no test case with trace id ${traceId}`, { code: 'NOT_FOUND' });
    }
    return this.deps.paths.caseLog(runId, traceId);
  }

  async reportPath(runId: string, kind: ReportKind): Promise<string> {
    await this.requireReports(runId);
    const file = kind === 'html' ? this.deps.paths.html(runId) : this.deps.paths.junit(runId);
    if ((await fileSize(file)) === 0) {
      throw new AppError(`the ${kind} report of run ${runId} is not written yet`, {
        code: 'REPORT_NOT_READY',
      });
    }
    return file;
  }

  async archiveEntries(runId: string): Promise<Array<{ path: string; name: string }>> {
    await this.requireReports(runId);
    const { paths } = this.deps;
    const entries = [
      { path: paths.junit(runId), name: `${runId}/reports/junit.xml` },
      { path: paths.html(runId), name: `${runId}/reports/report.html` },
      { path: paths.runLog(runId), name: `${runId}/logs/run.log` },
    ];
    for (const log of await this.listLogs(runId)) {
      if (log.bytes > 0) {
        entries.push({ path: paths.caseLog(runId, log.traceId), name: `${runId}/logs/${log.traceId}.log` });
      }
    }
    return entries;
  }

  isHealthy(): Promise<boolean> {
    return this.deps.store.ping();
  }

  private async requireReports(runId: string): Promise<void> {
    const run = await this.getRun(runId);
    if (run.reportsRemovedAt) {
      throw new AppError(
        `the reports of run ${runId} were removed by retention on ${run.reportsRemovedAt} (TRC_KEEP_REPORTS=${this.deps.keepReports})`,
        { code: 'NOT_FOUND' },
      );
    }
    if (!isTerminal(run.status)) {
      throw new AppError(`run ${runId} is ${run.status}: its reports are written when it ends`, {
        code: 'REPORT_NOT_READY',
      });
    }
  }

  /** Tell the child; when it listens already, wait until it confirms (no further case starts). */
  private async signal(runId: string, message: ControlMessage, waitForChild: boolean): Promise<void> {
    const nonce = randomUUID();
    const acknowledged = waitForChild ? this.deps.bus.waitForAck(nonce, ACK_TIMEOUT_MS) : null;
    await this.deps.store.publishControl(runId, { ...message, nonce });
    if (acknowledged && !(await acknowledged)) {
      this.deps.logger.warn({ runId, action: message.type }, 'the Vitest child did not confirm in time');
    }
  }

  private async expectApplied(
    runId: string,
    action: RunAction,
    outcome: Awaited<ReturnType<RunServiceDeps['store']['transition']>>,
  ): Promise<void> {
    if (outcome.kind === 'missing') {
      throw new AppError(`run ${runId} not found`, { code: 'RUN_NOT_FOUND' });
    }
    if (outcome.kind === 'refused') {
      throw createTransitionError(runId, action, outcome.status);
    }
  }
}

function encodeCursor(seq: number): string {
  return Buffer.from(`s:${seq}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^s:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) {
    throw new AppError('cursor is not one this API returned', {
      code: 'VALIDATION_FAILED',
      details: [{ path: 'cursor', message: 'invalid cursor' }],
    });
  }
  return Number(match[1]);
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}
