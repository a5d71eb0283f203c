import { mkdir, open, rm } from 'node:fs/promises';
import { execa, type Message, type Result } from 'execa';
import type { Logger } from 'pino';
import { progressFile, type ChildConfig, type ChildMessage } from '../runner/env-contract.js';
import { expandFiles } from '../runner/expand-files.js';
import { findNodeVersion } from '../runner/find-node-version.js';
import { resolveVitest } from '../runner/resolve-vitest.js';
import { planRunEnv, planSpawn, type ChildSubprocess } from '../runner/spawn-plan.js';
import type { StandbyPool } from '../runner/standby-pool.js';
import { stopProcessTree } from '../runner/stop-process-tree.js';
import { checkNodeForVitest } from '../runner/vitest-support.js';
import type { ControlBus } from '../store/control-bus.js';
import { ChildRelay } from './child-relay.js';
import { finalizeRun, type ChildExit, type FinalizeDeps } from './finalize-run.js';
import type { RunRecord } from './model.js';
import { PausableTimer } from './pausable-timer.js';

export interface ExecutorDeps extends FinalizeDeps {
  bus: ControlBus;
  projects: ReadonlyMap<string, string>;
  /** node binary of the Vitest child, unless the project has its own in `projectNodes`. */
  nodePath: string;
  /** node binaries configured per project (`TRC_PROJECT_NODE`). */
  projectNodes?: ReadonlyMap<string, string>;
  launcherPath: string;
  platform: NodeJS.Platform;
  killGraceMs: number;
  /** `host:pid` of this daemon, stored on the runs it claims. */
  owner: string;
  /** Launchers started ahead of runs; without it every run's child is spawned when the run starts. */
  standbys?: StandbyPool;
}

interface ActiveRun {
  /** Null until the child is spawned. */
  pid: number | null;
  /** Settles when the run has been finalized. */
  done: Promise<unknown>;
}

/** Runs one queued run: claims it, spawns the Vitest child, keeps its timeout budget, and finalizes it. */
export class RunExecutor {
  private readonly active = new Map<string, ActiveRun>();

  constructor(private readonly deps: ExecutorDeps) {}

  get activeRunIds(): string[] {
    return [...this.active.keys()];
  }

  /** Execute a run taken from the queue; a run that is paused, cancelled or gone is left alone. */
  async execute(runId: string): Promise<void> {
    const claim = await this.deps.store.transition(runId, {
      from: ['PENDING'],
      to: 'RUNNING',
      set: { startedAt: new Date().toISOString(), owner: this.deps.owner },
    });
    if (claim.kind !== 'applied') {
      return;
    }
    const logger = this.deps.logger.child({ runId });
    const active: ActiveRun = { pid: null, done: Promise.resolve() };
    active.done = this.runChild(runId, active, logger).catch(async (err: unknown) => {
      logger.error({ err }, 'run failed to execute');
      await this.failRun(runId, err instanceof Error ? err.message : String(err));
    });
    this.active.set(runId, active);
    try {
      await active.done;
    } finally {
      this.active.delete(runId);
    }
  }

  /** Stop every run this daemon executes (flags first, a hard kill after the grace) and wait for them. */
  async stopAll(reason: string): Promise<void> {
    const runs = [...this.active.entries()];
    await Promise.all(
      runs.map(async ([runId]) => {
        await this.deps.store.transition(runId, {
          from: '*',
          set: { cancelRequested: true, stopReason: reason },
        });
        await this.deps.store.publishControl(runId, { type: 'cancel', reason });
      }),
    );
    await Promise.all(runs.map(([, run]) => this.waitOrKill(run, this.deps.killGraceMs * 3)));
  }

  private async runChild(runId: string, active: ActiveRun, logger: Logger): Promise<void> {
    const run = await this.requireRun(runId);
    const projectRoot = this.deps.projects.get(run.project);
    if (!projectRoot) {
      throw new Error(`project "${run.project}" is not configured in TRC_PROJECTS any more`);
    }
    const nodePath = this.deps.projectNodes?.get(run.project) ?? this.deps.nodePath;
    const { paths } = this.deps;
    // Independent look-ups side by side (each costs a few ms before the child can start);
    // their errors are reported in this fixed order.
    const [vitest, nodeVersion, expanded] = await settleInOrder([
      resolveVitest(projectRoot),
      findNodeVersion(nodePath),
      expandFiles(projectRoot, run.files),
      mkdir(paths.logsDir(runId), { recursive: true }),
      // A progress file left by an earlier attempt of the run would be read again.
      mkdir(paths.workDir(runId), { recursive: true }).then(() =>
        rm(progressFile({ workDir: paths.workDir(runId) }), { force: true }),
      ),
    ] as const);
    const nodeProblem = checkNodeForVitest(vitest.version, nodeVersion);
    if (nodeProblem) {
      throw new Error(
        `${nodeProblem} (${nodePath}): set a node for project "${run.project}" with TRC_PROJECT_NODE=${run.project}=/path/to/node`,
      );
    }
    const { filters, unmatched } = expanded;
    if (unmatched) {
      throw new Error(`no test file matches "${unmatched}" in project "${run.project}"`);
    }
    const child: ChildConfig = {
      runId,
      projectRoot,
      vitestNodeEntry: vitest.nodeEntry,
      runnerSources: vitest.runnerSources,
      logsDir: paths.logsDir(runId),
      workDir: paths.workDir(runId),
      controlSocket: paths.controlSocket(runId, this.deps.platform),
      files: filters,
      testNamePattern: run.testNamePattern,
      vitestProject: run.vitestProject,
    };
    const waiting = run.showConsole
      ? null
      : await this.deps.standbys?.take({
          nodePath,
          projectRoot,
          env: planRunEnv({ baseEnv: process.env, env: run.env, child }),
          runLog: paths.runLog(runId),
          logger,
        });
    const { subprocess, notes: spawnNotes } = waiting
      ? { ...waiting, notes: [] }
      : await this.spawnChild(runId, run, nodePath, child);
    // When the process ended, before its channel is drained and its workers are reaped.
    let exitedAt: Date | null = null;
    const onExit = (): void => {
      exitedAt = new Date();
      // The next run's launcher loads while this one is finalized.
      this.deps.standbys?.refill(nodePath, projectRoot);
    };
    // A launcher handed the run may have ended during the hand-over.
    if (subprocess.exitCode !== null || subprocess.signalCode !== null) {
      onExit();
    } else {
      subprocess.once('exit', onExit);
    }
    const pid = subprocess.pid;
    active.pid = pid ?? null;
    if (pid === undefined) {
      const result = (await subprocess) as Result;
      throw new Error(`could not start the Vitest child: ${result.message ?? 'unknown error'}`);
    }
    const relay = new ChildRelay({
      store: this.deps.store,
      runId,
      logger,
      progressFile: progressFile(child),
      // A closed channel means the child is exiting; its exit is handled below. execa throws at
      // once (not a rejected promise) when the child is already gone.
      send: (message) => {
        if (!subprocess.connected) {
          return;
        }
        try {
          subprocess.sendMessage(message as unknown as Message<'json'>).catch(() => undefined);
        } catch {
          // the child went away between the check and the send
        }
      },
    });
    const received = (async () => {
      for await (const message of subprocess.getEachMessage()) {
        relay.receive(message as ChildMessage);
      }
    })().catch((err: unknown) => logger.warn({ err }, 'the IPC channel to the Vitest child failed'));
    const notes = [
      ...run.notes,
      ...spawnNotes,
      ...(vitest.isFallback ? [`the project has no Vitest; trc's Vitest ${vitest.version} runs it`] : []),
    ];
    let stoppedBy: ChildExit['stoppedBy'] = null;
    let timer: PausableTimer | null = null;
    let stopListening = (): void => undefined;
    const stopWatching = (): void => {
      timer?.cancel();
      stopListening();
    };
    let result: Result;
    try {
      await this.deps.store.transition(runId, {
        from: '*',
        set: { pid, startedAt: new Date().toISOString(), notes },
      });
      logger.info(
        { pid, vitest: vitest.version, node: nodePath, files: filters, warmStart: Boolean(waiting) },
        'Vitest child started',
      );
      timer = run.timeoutMs
        ? new PausableTimer(run.timeoutMs, () => {
            stoppedBy = 'timeout';
            void this.stopForTimeout(runId, pid, logger);
          })
        : null;
      stopListening = this.deps.bus.onControl(runId, (message) => {
        relay.relay(message);
        if (message.type === 'pause') {
          timer?.pause();
        } else if (message.type === 'resume') {
          timer?.resume();
        }
      });
      if (!(await this.requireRun(runId)).pauseRequested) {
        timer?.resume();
      }
      result = (await subprocess) as Result;
      // Whatever the child sent before it exited is still in the channel: write it all first.
      await received;
    } catch (error) {
      // The run is failed next: stop the child first, so nothing it reports lands after the final records.
      stopWatching();
      await this.stopChild(subprocess, pid);
      await received;
      throw error;
    } finally {
      stopWatching();
      await relay.close();
    }
    // Test workers that outlive their main process would keep running cases.
    if (this.deps.platform !== 'win32') {
      await stopProcessTree(pid, this.deps.platform);
    }
    await this.deps.store.transition(runId, {
      from: '*',
      set: { exitedAt: (exitedAt ?? new Date()).toISOString() },
    });
    const exit: ChildExit = { exitCode: result.exitCode ?? null, signal: result.signal ?? null, stoppedBy };
    logger.info(exit, 'Vitest child exited');
    await finalizeRun(this.deps, runId, exit);
  }

  private async spawnChild(
    runId: string,
    run: RunRecord,
    nodePath: string,
    child: ChildConfig,
  ): Promise<{ subprocess: ChildSubprocess; notes: string[] }> {
    const { paths } = this.deps;
    const runLog = await open(paths.runLog(runId), 'a');
    try {
      const plan = planSpawn({
        platform: this.deps.platform,
        baseEnv: process.env,
        nodePath,
        launcherPath: this.deps.launcherPath,
        child,
        env: run.env,
        showConsole: run.showConsole,
        runLogPath: paths.runLog(runId),
        runLogFd: runLog.fd,
      });
      return { subprocess: execa(plan.file, plan.args, plan.options), notes: plan.notes };
    } finally {
      // The child has its own copy of the descriptor.
      await runLog.close();
    }
  }

  /**
   * Stop the child if it still runs, and wait for its exit. On Windows the tree of an exited
   * child is left alone: its pid may already be another process's.
   */
  private async stopChild(subprocess: ChildSubprocess, pid: number): Promise<void> {
    const isRunning = subprocess.exitCode === null && subprocess.signalCode === null;
    if (isRunning || this.deps.platform !== 'win32') {
      await stopProcessTree(pid, this.deps.platform);
    }
    if (isRunning) {
      subprocess.kill('SIGKILL');
    }
    await subprocess;
  }

  private async stopForTimeout(runId: string, pid: number, logger: Logger): Promise<void> {
    logger.warn('run timed out: stopping the Vitest child');
    await this.deps.store.transition(runId, { from: '*', set: { stopReason: 'timed out' } });
    await this.deps.store.publishControl(runId, { type: 'cancel', reason: 'timed out' });
    const active = this.active.get(runId);
    const exited = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.deps.killGraceMs);
      void active?.done.then(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    await exited;
    if (this.active.has(runId)) {
      await stopProcessTree(pid, this.deps.platform);
    }
  }

  private async waitOrKill(run: ActiveRun, graceMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), graceMs);
    });
    const outcome = await Promise.race([run.done.then(() => 'done' as const), grace]);
    clearTimeout(timer);
    if (outcome === 'late') {
      if (run.pid !== null) {
        await stopProcessTree(run.pid, this.deps.platform);
      }
      await run.done;
    }
  }

  private async failRun(runId: string, reason: string): Promise<void> {
    await this.deps.store.transition(runId, { from: '*', set: { childError: reason } });
    await finalizeRun(this.deps, runId, { exitCode: null, signal: null, stoppedBy: null });
  }

  private async requireRun(runId: string): Promise<RunRecord> {
    const run = await this.deps.store.getRun(runId);
    if (!run) {
      throw new Error(`run ${runId} disappeared`);
    }
    return run;
  }
}

/** Await every promise, then throw the first rejection in the order given (not the first in time). */
async function settleInOrder<T extends readonly unknown[]>(
  promises: T,
): Promise<{ -readonly [K in keyof T]: Awaited<T[K]> }> {
  const settled = await Promise.allSettled(promises);
  for (const outcome of settled) {
    if (outcome.status === 'rejected') {
      throw outcome.reason;
    }
  }
  return settled.map((outcome) => (outcome as PromiseFulfilledResult<unknown>).value) as {
    -readonly [K in keyof T]: Awaited<T[K]>;
  };
}
