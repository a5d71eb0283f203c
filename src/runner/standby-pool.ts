import { randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execa, type Message } from 'execa';
import type { Logger } from 'pino';
import type { StandbyReady, StandbyStart } from './env-contract.js';
import { planStandby, planStandbyEnv, type ChildSubprocess } from './spawn-plan.js';
import { isProcessAlive } from './stop-process-tree.js';

/** How long a run waits for a launcher that is still loading before its child is spawned instead. */
const LOAD_TIMEOUT_MS = 3000;

/** Launchers on one node binary that fail to load in a row before warm start stops for that binary. */
const MAX_FAILURES = 3;

/**
 * Variables that node, libuv or the C library read only as the process starts: a launcher
 * started with other values of them cannot take a run's values on afterwards.
 */
const READ_AT_START =
  /^(NODE_(?!ENV$)|UV_|LD_|MALLOC_|GLIBC_TUNABLES$|OPENSSL_|SSL_CERT_|LC_|LANG$|LANGUAGE$|ICU_|HOME$)/;

/**
 * Whether a process started with the environment `started` and given `wanted` afterwards runs as
 * one started with `wanted`. trc's own TRC_* variables are read later, by trc. With NODE_OPTIONS
 * set, node may preload code (a tracer, dotenv) that reads any variable as it starts: then every
 * variable must agree.
 */
export function isSameAtStart(started: Record<string, string>, wanted: Record<string, string>): boolean {
  const isStrict = Boolean(started.NODE_OPTIONS);
  for (const name of new Set([...Object.keys(started), ...Object.keys(wanted)])) {
    const matters = isStrict ? !name.startsWith('TRC_') : READ_AT_START.test(name);
    if (matters && started[name] !== wanted[name]) {
      return false;
    }
  }
  return true;
}

interface Standby {
  nodePath: string;
  /** Its cwd as it starts, as a run's child of this project would have. */
  projectRoot: string;
  /** Null until spawned. */
  subprocess: ChildSubprocess | null;
  /** Its stdout and stderr; renamed to the run's run.log when it takes a run. */
  logPath: string;
  env: Record<string, string>;
  /** True once it has loaded and waits; false if it did not. Never rejects. */
  loaded: Promise<boolean>;
  /** The pool stopped it (replaced, not loaded in time, closing): its end is no failure. */
  isStopped: boolean;
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

export interface StandbyRun {
  nodePath: string;
  projectRoot: string;
  /** The environment the run's child would be spawned with. */
  env: Record<string, string>;
  runLog: string;
  logger: Logger;
}

/**
 * A launcher per node binary, started when a run's child exits and loaded while the machine is
 * idle, so that the next run's Vitest starts without waiting for node to boot (about 60 ms here,
 * more than the rest of what trc adds to a short run). Handed a run, it takes on the run's
 * environment and is from then on the run's child like any other: pid, process group, IPC
 * channel, run.log (its output file, renamed).
 */
export class StandbyPool {
  private readonly waiting = new Map<string, Standby>();
  /** Every launcher not yet ended, waiting or being stopped. */
  private readonly live = new Set<Standby>();
  private readonly failures = new Map<string, number>();
  private swept: Promise<void> | null = null;
  private closing: Promise<void> | null = null;

  constructor(private readonly deps: StandbyPoolDeps) {}

  /**
   * Hand the run to the launcher waiting on its node binary, if that one started in the run's
   * project with what the run's environment gives node at start. Null: spawn the run's child.
   * (The subprocess, a promise of its end, comes wrapped so that this promise does not wait for it.)
   */
  async take(run: StandbyRun): Promise<{ subprocess: ChildSubprocess } | null> {
    const standby = this.waiting.get(run.nodePath);
    if (!standby || standby.projectRoot !== run.projectRoot || !isSameAtStart(standby.env, run.env)) {
      return null;
    }
    this.waiting.delete(run.nodePath);
    let isRenamed = false;
    try {
      // One still loading is further on than a child spawned now.
      const subprocess = (await settlesWithin(standby.loaded, LOAD_TIMEOUT_MS)) ? standby.subprocess : null;
      if (!subprocess) {
        throw new Error(`it did not load within ${LOAD_TIMEOUT_MS} ms`);
      }
      await rename(standby.logPath, run.runLog);
      isRenamed = true;
      const start: StandbyStart = { t: 'start', env: run.env, cwd: run.projectRoot };
      await subprocess.sendMessage(start as unknown as Message<'json'>);
      // The run's child now: the daemon stops it as it stops runs.
      this.live.delete(standby);
      return { subprocess };
    } catch (err) {
      run.logger.warn(
        { err },
        'could not hand the run to a Vitest launcher started ahead of it: spawning the child',
      );
      const stopped = this.stop(standby);
      if (isRenamed) {
        // What the launcher wrote is not this run's output.
        await stopped;
        await rm(run.runLog, { force: true });
      }
      return null;
    }
  }

  /** Have a launcher wait on `nodePath` for the next run of the project at `projectRoot`. */
  refill(nodePath: string, projectRoot: string): void {
    const current = this.waiting.get(nodePath);
    if (this.closing || current?.projectRoot === projectRoot) {
      return;
    }
    if ((this.failures.get(nodePath) ?? 0) >= MAX_FAILURES) {
      return;
    }
    if (current) {
      this.waiting.delete(nodePath);
      void this.stop(current);
    }
    const standby: Standby = {
      nodePath,
      projectRoot,
      subprocess: null,
      // Host and pid let a later daemon remove what this one left behind if it died.
      logPath: path.join(this.deps.dir, `${os.hostname()}-${process.pid}-${randomUUID()}.log`),
      env: planStandbyEnv(this.deps.baseEnv),
      loaded: Promise.resolve(false),
      isStopped: false,
    };
    this.waiting.set(nodePath, standby);
    this.live.add(standby);
    standby.loaded = this.spawn(standby).then(
      () => {
        this.failures.delete(nodePath);
        return true;
      },
      (err: unknown) => this.fail(standby, err),
    );
  }

  /** Stop the launchers that wait; none is started after. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.waiting.clear();
      await Promise.all([...this.live].map((standby) => this.stop(standby)));
    })();
    return this.closing;
  }

  private async spawn(standby: Standby): Promise<void> {
    this.swept ??= this.sweep();
    await this.swept;
    const log = await open(standby.logPath, 'a');
    let subprocess: ChildSubprocess;
    try {
      const plan = planStandby({
        platform: this.deps.platform,
        env: standby.env,
        nodePath: standby.nodePath,
        launcherPath: this.deps.launcherPath,
        cwd: standby.projectRoot,
        logFd: log.fd,
      });
      subprocess = execa(plan.file, plan.args, plan.options);
    } finally {
      await log.close();
    }
    standby.subprocess = subprocess;
    if (this.closing || standby.isStopped) {
      throw new Error('stopped as it started');
    }
    await Promise.race([
      subprocess.getOneMessage({
        filter: (message) => (message as unknown as StandbyReady | null)?.t === 'standby-ready',
      }),
      subprocess.then((result) => {
        throw new Error(
          `it ended before it loaded: ${result.shortMessage ?? `exit code ${result.exitCode}`}`,
        );
      }),
    ]);
    // Dying while it waits counts as failing to load.
    void subprocess.then((result) => {
      if (this.waiting.get(standby.nodePath) === standby) {
        void this.fail(standby, new Error(`it ended while waiting: ${result.shortMessage ?? ''}`));
      }
    });
  }

  /** Log why a launcher failed, with the end of its output, and forget it. */
  private async fail(standby: Standby, err: unknown): Promise<false> {
    if (this.waiting.get(standby.nodePath) === standby) {
      this.waiting.delete(standby.nodePath);
    }
    if (!this.closing && !standby.isStopped) {
      const failures = (this.failures.get(standby.nodePath) ?? 0) + 1;
      this.failures.set(standby.nodePath, failures);
      const output = await readFile(standby.logPath, 'utf8').catch(() => '');
      this.deps.logger.warn(
        { err, nodePath: standby.nodePath, output: output.slice(-2000) },
        failures >= MAX_FAILURES
          ? `a Vitest launcher started ahead of its run failed ${failures} times in a row: runs on this node spawn their child from now on`
          : 'a Vitest launcher started ahead of its run failed',
      );
    }
    await this.end(standby);
    return false;
  }

  /** Stop a launcher, spawned or still spawning. Never rejects. */
  private async stop(standby: Standby): Promise<void> {
    standby.isStopped = true;
    standby.subprocess?.kill('SIGKILL');
    // Settles once it is spawned and has loaded or failed to (which it does when its process ends).
    await standby.loaded;
    await this.end(standby);
  }

  private async end(standby: Standby): Promise<void> {
    standby.subprocess?.kill('SIGKILL');
    await standby.subprocess;
    this.live.delete(standby);
    await rm(standby.logPath, { force: true }).catch(() => undefined);
  }

  /** Remove the output files of launchers whose daemon died before it could. */
  private async sweep(): Promise<void> {
    await mkdir(this.deps.dir, { recursive: true });
    const host = os.hostname();
    for (const name of await readdir(this.deps.dir)) {
      const [, fileHost, filePid] = /^(.+)-(\d+)-[0-9a-f-]{36}\.log$/.exec(name) ?? [];
      const pid = Number(filePid);
      if (fileHost === host && pid !== process.pid && !isProcessAlive(pid)) {
        await rm(path.join(this.deps.dir, name), { force: true }).catch(() => undefined);
      }
    }
  }
}

async function settlesWithin(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
