import type { Options, ResultPromise } from 'execa';
import { CHILD_ENV, type ChildConfig } from './env-contract.js';

export interface SpawnPlanInput {
  platform: NodeJS.Platform;
  /** The daemon's environment, inherited by the child without trc's own TRC_* variables. */
  baseEnv: NodeJS.ProcessEnv;
  nodePath: string;
  launcherPath: string;
  child: ChildConfig;
  /** Extra environment from the request. */
  env: Record<string, string>;
  showConsole: boolean;
  runLogPath: string;
  /**
   * A descriptor open for appending to run.log. The child writes to it directly: its output never
   * passes through the daemon.
   */
  runLogFd: number;
}

/** A run's Vitest child, as execa gives it: a promise of its end. */
export type ChildSubprocess = ResultPromise<SpawnPlan['options']>;

export interface SpawnPlan {
  file: string;
  args: string[];
  options: Options & { ipc: true; serialization: 'json' };
  /** What the run should tell the user about how it was spawned. */
  notes: string[];
}

/**
 * How the Vitest child is spawned: no shell, the project root as cwd, output appended to run.log.
 * On POSIX it leads its own process group so a hard stop reaches its test workers.
 * On Windows with `showConsole` it gets its own console window (detached, not hidden) and,
 * since its output then reaches no pipe, writes run.log itself.
 */
export function planSpawn(input: SpawnPlanInput): SpawnPlan {
  const notes: string[] = [];
  const ownConsole = input.showConsole && input.platform === 'win32';
  if (input.showConsole && !ownConsole) {
    notes.push(`showConsole ignored: only supported on Windows (this daemon runs on ${input.platform})`);
  }
  const env: Record<string, string> = {
    ...planRunEnv(input),
    ...(ownConsole ? { [CHILD_ENV.teeLog]: input.runLogPath } : {}),
  };
  const options = planOptions({
    platform: input.platform,
    cwd: input.child.projectRoot,
    env,
    // execa passes a descriptor number on to the child as is; its types list only 3 to 9.
    output: ownConsole ? 'ignore' : (input.runLogFd as Options['stdout']),
    ownConsole,
  });
  return { file: input.nodePath, args: [input.launcherPath], options, notes };
}

export interface StandbyPlanInput {
  platform: NodeJS.Platform;
  /** From planStandbyEnv. */
  env: Record<string, string>;
  nodePath: string;
  launcherPath: string;
  /** The project root of the run it is started for. */
  cwd: string;
  /** A descriptor open for appending to the file that becomes the run's run.log. */
  logFd: number;
}

/** How a launcher is spawned to wait for a run (POSIX only): as a run's child would be. */
export function planStandby(input: StandbyPlanInput): Omit<SpawnPlan, 'notes'> {
  const options = planOptions({
    platform: input.platform,
    cwd: input.cwd,
    env: input.env,
    output: input.logFd as Options['stdout'],
    ownConsole: false,
  });
  return { file: input.nodePath, args: [input.launcherPath], options };
}

/**
 * A waiting launcher's environment: a run's when its request adds none, with `TRC_STANDBY` in place
 * of the run's config.
 */
export function planStandbyEnv(baseEnv: NodeJS.ProcessEnv): Record<string, string> {
  return { ...planChildEnv(baseEnv, {}), [CHILD_ENV.standby]: '1' };
}

/** A run's child's environment (with no console of its own). */
export function planRunEnv(input: Pick<SpawnPlanInput, 'baseEnv' | 'env' | 'child'>): Record<string, string> {
  return { ...planChildEnv(input.baseEnv, input.env), [CHILD_ENV.config]: JSON.stringify(input.child) };
}

/** The daemon's environment without trc's own TRC_* variables, and the request's. */
function planChildEnv(baseEnv: NodeJS.ProcessEnv, extra: Record<string, string>): Record<string, string> {
  const inherited = Object.fromEntries(
    Object.entries(baseEnv).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('TRC_'),
    ),
  );
  return { ...inherited, NO_COLOR: '1', ...extra };
}

function planOptions(input: {
  platform: NodeJS.Platform;
  cwd: string;
  env: Record<string, string>;
  output: Options['stdout'];
  ownConsole: boolean;
}): SpawnPlan['options'] {
  return {
    cwd: input.cwd,
    env: input.env,
    extendEnv: false,
    shell: false,
    reject: false,
    stdin: 'ignore',
    stdout: input.output,
    stderr: input.output,
    detached: input.platform !== 'win32' || input.ownConsole,
    windowsHide: !input.ownConsole,
    cleanup: false,
    // The child reports to the daemon over IPC; JSON keeps the channel readable across node versions.
    ipc: true,
    serialization: 'json',
    // Output goes to a file and messages are handled as they come: nothing to hold in memory.
    buffer: false,
  };
}
