import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Reporter, SerializedError, TestCase, TestModule, TestSpecification, Vitest } from 'vitest/node';
import type { TestError, TestRecordChange } from '../src/runs/model.js';
import {
  controlFlagsFile,
  progressFile,
  type ChildConfig,
  type ControlFlags,
  type ControlMessage,
} from '../src/runner/env-contract.js';
import { deriveTraceIds } from '../src/runner/trace-id.js';
import { CaseLogWriter } from './case-logs.js';
import { ControlServer } from './control-server.js';
import { LOST_FLAGS, type DaemonLink } from './daemon-link.js';
import { installRunners, prepareDefaultShimDir } from './install-runners.js';
import type { CollectedFile } from '../src/runs/test-batch.js';
import { ProgressLog } from './progress-log.js';
import { TestChangeBatcher } from './test-change-batcher.js';

type UserConsoleLog = Parameters<NonNullable<Reporter['onUserConsoleLog']>>[0];

/**
 * The slice of Vitest's own task objects behind its reported entities (`testCase.task`,
 * `testModule.task`, in Vitest 3.2 to 5) that the reporter reads.
 */
interface RawTask {
  id: string;
  name: string;
  type: string;
  /** A suite's (or file's) children. */
  tasks?: RawTask[];
  result?: { state: string; duration?: number };
}

/** The note Vitest puts on cases it skips itself when a run is cancelled. */
const VITEST_ABORT_NOTE = 'The test run was aborted by the user.';

/**
 * trc's reporter in the Vitest main process. It takes pause/resume/cancel from the daemon,
 * pushes the flags to every test worker, and reports each case's record, counters and log
 * as the run goes, so that whatever ran before a crash is known.
 */
export class TrcReporter implements Reporter {
  private readonly records: TestChangeBatcher;
  private readonly progress: ProgressLog;
  private readonly logs: CaseLogWriter;
  private readonly control: ControlServer;
  private flags: ControlFlags = { paused: false, cancelled: false, reason: '' };
  private vitest: Vitest | null = null;
  private cancelling: Promise<void> | null = null;
  private controlQueue: Promise<void> = Promise.resolve();
  private shimDirReady: Promise<void> = Promise.resolve();
  private readonly relativePaths = new Map<string, string>();
  /** Cases whose names the daemon has. */
  private readonly described = new Set<string>();
  /** Cases a worker named as running. */
  private readonly started = new Set<string>();

  constructor(
    private readonly config: ChildConfig,
    private readonly daemon: DaemonLink,
  ) {
    this.progress = new ProgressLog(progressFile(config), (batch) => daemon.send({ t: 'tests', ...batch }));
    this.records = new TestChangeBatcher((batch) => this.progress.write(batch));
    this.logs = new CaseLogWriter(
      config.logsDir,
      deriveTraceIds(config.runId),
      (id) => this.described.has(id) || this.started.has(id),
    );
    this.control = new ControlServer({
      socketPath: config.controlSocket,
      flagsFile: controlFlagsFile(config),
      onRunning: (cases) => this.markRunning(cases),
      isListeningOnIpc: config.runnerSources.isWorkerIpcShared,
    });
  }

  /** Open the workers' control channel and take the run's flags from the daemon (before Vitest starts). */
  async connect(): Promise<void> {
    // Off the main thread while Vitest loads: the default runner shim's folder is deep.
    this.shimDirReady = prepareDefaultShimDir(this.config.workDir, this.config.runnerSources);
    await this.control.listen();
    const first = this.daemon.hello({
      onFlags: (flags) => this.enqueue(() => this.syncFlags(flags)),
      onControl: (message) => this.enqueue(() => this.handleControl(message)),
      onLost: () => this.enqueue(() => this.syncFlags(LOST_FLAGS)),
    });
    // The first flags take their place in the control queue before any message that follows them.
    this.controlQueue = first.then((flags) => {
      this.flags = flags;
    });
    await this.controlQueue;
  }

  async onInit(vitest: Vitest): Promise<void> {
    this.vitest = vitest;
    await this.shimDirReady;
    installRunners(vitest.projects, { workDir: this.config.workDir, ...this.config.runnerSources });
    // Through the control queue, so the flags the workers get are never older than a message handled before.
    this.enqueue(async () => {
      await this.control.update(this.flags, randomUUID());
      this.daemon.send({ t: 'ready' });
    });
    await this.controlQueue;
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    const files: Record<string, 'planned'> = {};
    for (const spec of specifications) {
      files[this.fileKey(spec.project.name, spec.moduleId)] = 'planned';
    }
    this.records.addFiles(files);
    if (this.flags.cancelled) {
      this.stopScheduling();
    }
  }

  onTestModuleQueued(module: TestModule): void {
    this.records.addFiles({ [this.fileKey(module.project.name, module.moduleId)]: 'started' });
  }

  onTestModuleCollected(module: TestModule): void {
    // Vitest's worker waits for this hook's RPC to return before it runs the file: record later.
    setImmediate(() => {
      const cases: CollectedFile['cases'] = [];
      // Vitest's own tree, walked without its reported entities: where Vitest's main process is
      // the slower end (4.0 on a large suite), every step here adds to the run's time.
      this.describeTasks((module as unknown as { task: RawTask }).task.tasks ?? [], '', cases);
      if (cases.length > 0) {
        const project = module.project.name;
        this.records.addCollected({
          file: this.relative(module.moduleId),
          ...(project ? { project } : {}),
          cases,
        });
      }
    });
  }

  onTestCaseResult(testCase: TestCase): void {
    // The common case, a pass, takes the fewest steps: Vitest waits for every reporter before
    // it answers the worker, and a large suite ends thousands of cases a second.
    // Its trace id the daemon derives from the case id, as the worker did.
    const task = (testCase as unknown as { task?: RawTask }).task;
    if (task?.result?.state === 'pass' && this.described.has(testCase.id)) {
      this.records.addPassed(testCase.id, roundMs(task.result.duration));
      return;
    }
    const result = testCase.result();
    const change: TestRecordChange = this.described.has(testCase.id)
      ? { id: testCase.id }
      : this.describe(testCase);
    change.durationMs = roundMs(testCase.diagnostic()?.duration);
    if (result.state === 'passed') {
      change.status = 'passed';
    } else if (result.state === 'failed') {
      change.status = 'failed';
      change.errors = (result.errors ?? []).map(toTestError);
      change.error = change.errors[0] ?? { message: 'Test failed', kind: 'failure' };
    } else {
      change.status = 'skipped';
      change.skipReason = this.skipReason(testCase, result.state === 'skipped' ? result.note : undefined);
    }
    this.records.add(change);
  }

  onTestModuleEnd(module: TestModule): void {
    const errors = module.errors();
    if (errors.length === 0) {
      return;
    }
    // A file that failed to load, or whose suite hooks threw, must not look green.
    const file = this.relative(module.moduleId);
    this.records.add({
      id: `${module.id}:file-error`,
      file,
      name: '(test file error)',
      fullName: `${file} (test file error)`,
      project: module.project.name || undefined,
      status: 'failed',
      errors: errors.map(toTestError),
      error: toTestError(errors[0] as SerializedError),
    });
  }

  onUserConsoleLog(log: UserConsoleLog): void {
    if (log.taskId) {
      this.logs.append(log.taskId, log.content, log.type);
    }
  }

  onTestRunEnd(
    _modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: string,
  ): void {
    this.records.flush();
    this.daemon.send({ t: 'end', reason, errors: unhandledErrors.slice(0, 5).map(toTestError) });
  }

  /** Report an error that stopped Vitest before or outside the run. */
  recordStartupError(message: string): void {
    this.daemon.send({ t: 'startup-error', message });
  }

  async close(): Promise<void> {
    this.records.flush();
    this.progress.close();
    await this.control.close();
    await this.daemon.flush();
  }

  private enqueue(task: () => Promise<void>): void {
    this.controlQueue = this.controlQueue.then(task).catch(reportError);
  }

  /** Apply flags read from Redis when they differ from those the workers have. */
  private async syncFlags(flags: ControlFlags): Promise<void> {
    if (flags.paused === this.flags.paused && flags.cancelled === this.flags.cancelled) {
      return;
    }
    this.flags = this.flags.cancelled ? { ...flags, cancelled: true, reason: this.flags.reason } : flags;
    await this.control.update(this.flags, randomUUID());
    this.records.flush();
    if (this.flags.cancelled) {
      this.stopScheduling();
    }
  }

  private async handleControl(message: ControlMessage): Promise<void> {
    if (message.type === 'pause') {
      this.flags = { ...this.flags, paused: true };
    } else if (message.type === 'resume') {
      this.flags = { ...this.flags, paused: false };
    } else {
      this.flags = { ...this.flags, cancelled: true, reason: message.reason };
    }
    await this.control.update(this.flags, message.nonce ?? randomUUID());
    // The cases the workers named as running reach Redis before the request is answered.
    this.records.flush();
    if (message.nonce) {
      this.daemon.send({ t: 'ack', nonce: message.nonce });
    }
    if (this.flags.cancelled) {
      this.stopScheduling();
    }
  }

  /**
   * Stop Vitest from starting more test files. The cases in flight run to the end: trc's runner
   * keeps Vitest's cancel from marking them skipped, and the workers' flags skip every later case.
   */
  private stopScheduling(): void {
    if (!this.cancelling && this.vitest) {
      this.cancelling = this.vitest.cancelCurrentRun('keyboard-input').catch(reportError);
    }
  }

  private markRunning(cases: ReadonlyArray<{ id: string; trace: string }>): void {
    for (const { id, trace } of cases) {
      this.started.add(id);
      this.logs.release(id);
      this.records.add({ id, status: 'running', traceId: trace });
    }
  }

  private skipReason(testCase: TestCase, note: string | undefined): string {
    if (
      this.flags.cancelled &&
      !this.started.has(testCase.id) &&
      (!note || note === VITEST_ABORT_NOTE || note === this.flags.reason)
    ) {
      return this.flags.reason;
    }
    if (note) {
      return note;
    }
    const mode = testCase.options.mode;
    return mode === 'todo' ? 'todo' : mode === 'skip' ? 'skip' : 'skipped';
  }

  /** Name each test case under `tasks` (a suite's children; `prefix`: the suite's full name and ` > `). */
  private describeTasks(tasks: readonly RawTask[], prefix: string, cases: CollectedFile['cases']): void {
    for (const task of tasks) {
      if (task.type === 'suite') {
        this.describeTasks(task.tasks ?? [], `${prefix}${task.name} > `, cases);
      } else if (!this.described.has(task.id)) {
        this.described.add(task.id);
        this.logs.release(task.id);
        cases.push(prefix ? [task.id, task.name, prefix + task.name] : [task.id, task.name]);
      }
    }
  }

  /** Where a case is and what it is called. */
  private describe(testCase: TestCase): TestRecordChange {
    this.described.add(testCase.id);
    this.logs.release(testCase.id);
    return {
      id: testCase.id,
      file: this.relative(testCase.module.moduleId),
      name: testCase.name,
      fullName: testCase.fullName,
      project: testCase.project.name || undefined,
    };
  }

  private relative(moduleId: string): string {
    let relative = this.relativePaths.get(moduleId);
    if (relative === undefined) {
      relative = path.relative(this.config.projectRoot, moduleId).split(path.sep).join('/');
      this.relativePaths.set(moduleId, relative);
    }
    return relative;
  }

  private fileKey(projectName: string, moduleId: string): string {
    return JSON.stringify([projectName, this.relative(moduleId)]);
  }
}

function toTestError(
  error: SerializedError | { message?: string; stack?: string; name?: string; diff?: string },
): TestError {
  const message = [
    error.name && error.name !== 'Error' ? `${error.name}: ` : '',
    error.message ?? String(error),
  ].join('');
  const stack = [error.stack, 'diff' in error && error.diff ? `\n${error.diff}` : ''].join('');
  return { message, ...(stack ? { stack } : {}), kind: 'failure' };
}

function roundMs(duration: number | undefined): number | null {
  return duration === undefined ? null : Math.round(duration * 1000) / 1000;
}

function reportError(error: unknown): void {
  process.stderr.write(`[trc] ${error instanceof Error ? error.stack : String(error)}\n`);
}
