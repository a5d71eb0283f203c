import path from 'node:path';
import type { TestError } from '../runs/model.js';
import type { TestBatch } from '../runs/test-batch.js';
import type { RunnerSources } from './runner-sources.js';

/**
 * The environment contract between the daemon (which spawns the Vitest child) and
 * runner-plugin/ (which runs inside it). Only these variables cross the boundary.
 */
export const CHILD_ENV = {
  /** JSON of ChildConfig. */
  config: 'TRC_CHILD_CONFIG',
  /** Set on Windows when the child has its own console: the child tees its output to this file. */
  teeLog: 'TRC_TEE_LOG',
  /** Set on a launcher started ahead of its run: it loads, then waits for a StandbyStart. */
  standby: 'TRC_STANDBY',
} as const;

/**
 * What makes a waiting launcher a run's Vitest child: the environment and cwd the run's child
 * would have been spawned with (its config in CHILD_ENV.config).
 */
export interface StandbyStart {
  t: 'start';
  env: Record<string, string>;
  cwd: string;
}

/** A waiting launcher has loaded and can take a run. */
export interface StandbyReady {
  t: 'standby-ready';
}

/** What the launcher inside the child needs to know, passed as JSON in TRC_CHILD_CONFIG. */
export interface ChildConfig {
  runId: string;
  /** Absolute project root (the child's cwd). */
  projectRoot: string;
  /** Absolute path of the entry `vitest/node` of the Vitest that runs this project. */
  vitestNodeEntry: string;
  /** Where the runner's base class and helpers come from in that Vitest. */
  runnerSources: RunnerSources;
  /** Absolute folder for per-test logs: logs/<runId>. */
  logsDir: string;
  /** Folder for files the launcher generates (runner shims). */
  workDir: string;
  /** Unix socket path or Windows named pipe for the control channel to test workers. */
  controlSocket: string;
  /** Filters (file paths or globs) passed to Vitest. */
  files: string[];
  testNamePattern: string | null;
  vitestProject: string | null;
}

/** Environment variable a test worker reads to find the control socket. */
export const WORKER_SOCKET_ENV = 'TRC_CONTROL_SOCKET';
/** Environment variable a test worker reads to find the file that holds the control flags. */
export const WORKER_FLAGS_ENV = 'TRC_CONTROL_FLAGS';
/**
 * Set (to `1`) where the Vitest main process also listens on its forked test workers' IPC channels:
 * a worker that has one takes the control channel there instead of the socket.
 */
export const WORKER_IPC_ENV = 'TRC_CONTROL_IPC';
/** Environment variable a test worker reads to find the per-test log folder. */
export const WORKER_LOGS_ENV = 'TRC_RUN_LOGS_DIR';
/** Environment variable carrying the run id into test workers. */
export const WORKER_RUN_ID_ENV = 'TRC_RUN_ID';

/** Where the Vitest main process keeps the control flags for its test workers. */
export function controlFlagsFile(config: Pick<ChildConfig, 'workDir'>): string {
  return path.join(config.workDir, 'control-flags.json');
}

/** Where the Vitest child appends its batches of news of test files and cases, for the daemon to read. */
export function progressFile(config: Pick<ChildConfig, 'workDir'>): string {
  return path.join(config.workDir, 'progress.jsonl');
}

/** Control messages published on the run's control channel. */
export type ControlMessage =
  | { type: 'pause'; nonce?: string }
  | { type: 'resume'; nonce?: string }
  | { type: 'cancel'; reason: string; nonce?: string };

/** What a test worker needs to know before each case. */
export interface ControlFlags {
  paused: boolean;
  cancelled: boolean;
  /** Why the run stops (`cancelled`, `timed out`, …); the skip reason of the cases it did not run. */
  reason: string;
}

/**
 * What the Vitest child tells the daemon over its IPC channel. The daemon writes it to Redis, with
 * the batches in the child's progress file, in the order the child reported them, so the child
 * needs no Redis client of its own.
 */
export type ChildMessage =
  /** The reporter is listening: the daemon answers with the run's flags. */
  | { t: 'hello' }
  /** Every test worker has the flags: pause and cancel may now wait for the child's acknowledgement. */
  | { t: 'ready' }
  /**
   * What the child learned of test files (`planned` when Vitest plans them, `started` when one is
   * queued to a worker) and cases since the last batch (the daemon merges the records). Sent only
   * where the child cannot write its progress file (see progressFile), which carries the same batches.
   */
  | ({ t: 'tests' } & TestBatch)
  /** How the run ended inside Vitest, or the error that kept it from running. */
  | { t: 'end'; reason: string; errors?: TestError[] }
  | { t: 'startup-error'; message: string }
  /** The control message with this nonce is applied, and what it made known is sent before. */
  | { t: 'ack'; nonce: string };

/** What the daemon tells the Vitest child. */
export type DaemonMessage =
  /** The run's flags as Redis has them (at hello, then a slow poll). */
  | { t: 'flags'; flags: ControlFlags }
  /** A control message relayed as it was published. */
  | { t: 'control'; message: ControlMessage };

/** 32 lowercase hex characters: a valid W3C trace-id. */
export const TRACE_ID_PATTERN = /^[0-9a-f]{32}$/;
