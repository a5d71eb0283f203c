import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa, type Message, type ResultPromise } from 'execa';
import type { Logger } from 'pino';
import type { StandbyReady, StandbyStart } from './env-contract.js';
import { planStandby, planStandbyEnv, type SpawnPlan } from './spawn-plan.js';

export type ChildSubprocess = ResultPromise<SpawnPlan['options']>;

/** How long a run waits for a launcher that is still loading before its child is spawned instead. */
const LOAD_TIMEOUT_MS = 10_000;

/**
 * Environment variables that node, libuv or the C library read as the process starts: a launcher
 * started without a run's values of them cannot take them on afterwards.
 */
const READ_AT_START = /^(NODE_|UV_|LD_|MALLOC_|OPENSSL_|SSL_CERT_|LC_|LANG$|LANGUAGE$|ICU_)/;

interface Standby {
  nodePath: string;
  /** Null while its output file is being opened. */
  subprocess: ChildSubprocess | null;
  /** Its stdout and stderr; renamed to the run's run.log when it takes a run. */
  logPath: string;
  env: Record<string, string>;
  /** True once it has loaded and waits; false if it failed to. */
  isLoaded: Promise<boolean>;
}

export interface StandbyPoolDeps {
  launcherPath: string;
  /** Where waiting launchers write; on the file system of the runs' log folders. */
  dir: string;
  /** The daemon's environment, as runs inherit it. */
  baseEnv: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  logger: Logger;
}

/**
 * One launcher per node binary, started ahead of the next run and loaded while the machine is
 * idle, so that a run's Vitest starts without waiting for node to boot (about 60 ms here, most
 * of what trc adds to a short run). The launcher takes on the run's environment and cwd when it is
 * handed the run, and is then that run's child like any other: same pid, process group, channel
 * and run.log.
 */
export class StandbyPool {
  private readonly waiting = new Map<string, Standby>();
  private isClosed = false;

  constructor(private readonly deps: StandbyPoolDeps) {}

  /**
   * Hand a run to the launcher waiting on `nodePath` (once it has loaded), if it started with the
   * values `env` gives what node reads at start. Its output file becomes `runLog`, its cwd `cwd`. Null:
   * none can take it, spawn the run's child. (The subprocess is a promise of its end: wrapped, so
   * that this promise does not wait for it.)
   */
  async take(
    nodePath: string,
    run: { env: Record<string, string>; cwd: string; runLog: string },
  ): Promise<{ subprocess: ChildSubprocess } | null> {
    const standby = this.waiting.get(nodePath);
    if (!standby || !agreesAtStart(standby.env, run.env)) {
      return null;
    }
    this.waiting.delete(nodePath);
    // One still loading is further on than a child spawned now.
    let timer: NodeJS.Timeout | undefined;
    const isLoaded = await Promise.race([
      standby.isLoaded,
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), LOAD_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    try {
      if (!isLoaded || !standby.subprocess) {
        throw new Error('it did not load');
      }
      await rename(standby.logPath, run.runLog);
      const start: StandbyStart = { t: 'start', env: run.env, cwd: run.cwd };
      await standby.subprocess.sendMessage(start as unknown as Message<'json'>);
      return { subprocess: standby.subprocess };
    } catch (err) {
      this.deps.logger.warn({ err }, 'a waiting Vitest launcher could not take a run: spawning one');
      await this.stop(standby);
      return null;
    }
  }

  /** Start a launcher to wait on `nodePath`, unless one waits already. */
  refill(nodePath: string): void {
    if (this.isClosed || this.waiting.has(nodePath)) {
      return;
    }
    const standby: Standby = {
      nodePath,
      subprocess: null,
      logPath: path.join(this.deps.dir, `${randomUUID()}.log`),
      env: planStandbyEnv(this.deps.baseEnv),
      isLoaded: Promise.resolve(false),
    };
    this.waiting.set(nodePath, standby);
    standby.isLoaded = this.spawn(standby).then(
      () => true,
      (err: unknown) => {
        if (!this.isClosed) {
          this.deps.logger.warn({ err, nodePath }, 'could not start a Vitest launcher ahead of its run');
        }
        this.drop(standby);
        return false;
      },
    );
  }

  /** Stop the launchers that wait. */
  async close(): Promise<void> {
    this.isClosed = true;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    await Promise.all(waiting.map((standby) => this.stop(standby)));
  }

  private async spawn(standby: Standby): Promise<void> {
    await mkdir(this.deps.dir, { recursive: true });
    const log = await open(standby.logPath, 'a');
    let subprocess: ChildSubprocess;
    try {
      const plan = planStandby({
        platform: this.deps.platform,
        env: standby.env,
        nodePath: standby.nodePath,
        launcherPath: this.deps.launcherPath,
        cwd: this.deps.dir,
        logFd: log.fd,
      });
      subprocess = execa(plan.file, plan.args, plan.options);
    } finally {
      await log.close();
    }
    standby.subprocess = subprocess;
    subprocess.once('exit', () => this.drop(standby));
    if (this.isClosed) {
      throw new Error('the daemon is closing');
    }
    await subprocess.getOneMessage({
      filter: (message) => (message as unknown as StandbyReady | null)?.t === 'standby-ready',
    });
  }

  /** Forget a launcher that exited or failed while it waited. */
  private drop(standby: Standby): void {
    if (this.waiting.get(standby.nodePath) === standby) {
      this.waiting.delete(standby.nodePath);
      void rm(standby.logPath, { force: true });
    }
  }

  private async stop(standby: Standby): Promise<void> {
    standby.subprocess?.kill('SIGTERM');
    // Settles once it is spawned and loaded, or has failed to (exited, or the pool closed as it spawned).
    await standby.isLoaded;
    standby.subprocess?.kill('SIGTERM');
    await standby.subprocess;
    await rm(standby.logPath, { force: true });
  }
}

function agreesAtStart(started: Record<string, string>, wanted: Record<string, string>): boolean {
  for (const name of new Set([...Object.keys(started), ...Object.keys(wanted)])) {
    if (READ_AT_START.test(name) && started[name] !== wanted[name]) {
      return false;
    }
  }
  return true;
}
