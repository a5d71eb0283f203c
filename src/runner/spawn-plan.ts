import type { Options } from 'execa';
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
  const inherited = Object.fromEntries(
    Object.entries(input.baseEnv).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !entry[0].startsWith('TRC_'),
    ),
  );
  const env: Record<string, string> = {
    ...inherited,
    NO_COLOR: '1',
    ...input.env,
    [CHILD_ENV.config]: JSON.stringify(input.child),
    ...(ownConsole ? { [CHILD_ENV.teeLog]: input.runLogPath } : {}),
  };
  // execa passes a descriptor number on to the child as is; its types list only 3 to 9.
  const runLog = input.runLogFd as Options['stdout'];
  const options: SpawnPlan['options'] = {
    cwd: input.child.projectRoot,
    env,
    extendEnv: false,
    shell: false,
    reject: false,
    stdin: 'ignore',
    stdout: ownConsole ? 'ignore' : runLog,
    stderr: ownConsole ? 'ignore' : runLog,
    detached: input.platform !== 'win32' || ownConsole,
    windowsHide: !ownConsole,
    cleanup: false,
    // The child reports to the daemon over IPC; JSON keeps the channel readable across node versions.
    ipc: true,
    serialization: 'json',
    // Output goes to a file and messages are handled as they come: nothing to hold in memory.
    buffer: false,
  };
  return { file: input.nodePath, args: [input.launcherPath], options, notes };
}
