import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { execa, type Message, type ResultPromise } from 'execa';
import type { Logger } from 'pino';
import type { StandbyReady, StandbyStart } from './env-contract.js';
import { planStandby, type SpawnPlan } from './spawn-plan.js';

export type ChildSubprocess = ResultPromise<SpawnPlan['options']>;

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
  isReady: boolean;
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
   * Hand a run to the launcher waiting on `nodePath`, if it is ready and started with the values
   * `env` gives what node reads at start. Its output file becomes `runLog`, its cwd `cwd`. Null:
   * none can take it, spawn the run's child. (The subprocess is a promise of its end: wrapped, so
   * that this promise does not wait for it.)
   */
  async take(
    nodePath: string,
    run: { env: Record<string, string>; cwd: string; runLog: string },
  ): Promise<{ subprocess: ChildSubprocess } | null> {
    const standby = this.waiting.get(nodePath);
    if (!standby?.subprocess || !standby.isReady || !agreesAtStart(standby.env, run.env)) {
      return null;
    }
    this.waiting.delete(nodePath);
    try {
      await rename(standby.logPath, run.runLog);
      const start: StandbyStart = { t: 'start', env: run.env, cwd: run.cwd };
      await standby.subprocess.sendMessage(start as unknown as Message<'json'>);
    } catch (err) {
      this.deps.logger.warn({ err }, 'a waiting Vitest launcher could not take a run: spawning one');
      await this.stop(standby);
      return null;
    }
    return { subprocess: standby.subprocess };
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
      env: {},
      isReady: false,
    };
    this.waiting.set(nodePath, standby);
    this.spawn(standby).catch((err: unknown) => {
      if (!this.isClosed) {
        this.deps.logger.warn({ err, nodePath }, 'could not start a Vitest launcher ahead of its run');
      }
      this.drop(standby);
    });
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
        baseEnv: this.deps.baseEnv,
        nodePath: standby.nodePath,
        launcherPath: this.deps.launcherPath,
        cwd: this.deps.dir,
        logFd: log.fd,
      });
      subprocess = execa(plan.file, plan.args, plan.options);
      standby.env = plan.options.env as Record<string, string>;
    } finally {
      await log.close();
    }
    standby.subprocess = subprocess;
    subprocess.once('exit', () => this.drop(standby));
    if (this.isClosed) {
      await this.stop(standby);
      return;
    }
    await subprocess.getOneMessage({
      filter: (message) => (message as unknown as StandbyReady | null)?.t === 'standby-ready',
    });
    standby.isReady = true;
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
