/**
 * The environment contract between the daemon (which spawns the Vitest child) and
 * runner-plugin/ (which runs inside it). Only these variables cross the boundary.
 */
export const CHILD_ENV = {
  /** JSON of ChildConfig. */
  config: 'TRC_CHILD_CONFIG',
  /** Set on Windows when the child has its own console: the child tees its output to this file. */
  teeLog: 'TRC_TEE_LOG',
} as const;

/** What the launcher inside the child needs to know, passed as JSON in TRC_CHILD_CONFIG. */
export interface ChildConfig {
  runId: string;
  /** ioredis connection: a redis:// URL or a unix socket path. */
  redis: string;
  keyPrefix: string;
  /** Absolute project root (the child's cwd). */
  projectRoot: string;
  /** Absolute path of the entry `vitest/node` of the Vitest that runs this project. */
  vitestNodeEntry: string;
  /** Absolute folder of the Vitest package, to resolve its runner classes. */
  vitestPackageDir: string;
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
/** Environment variable a test worker reads to find the per-test log folder. */
export const WORKER_LOGS_ENV = 'TRC_RUN_LOGS_DIR';
/** Environment variable carrying the run id into test workers. */
export const WORKER_RUN_ID_ENV = 'TRC_RUN_ID';

/** Control messages published on the run's control channel. */
export type ControlMessage =
  | { type: 'pause'; nonce?: string }
  | { type: 'resume'; nonce?: string }
  | { type: 'cancel'; reason: string; nonce?: string };

/** 32 lowercase hex characters: a valid W3C trace-id. */
export const TRACE_ID_PATTERN = /^[0-9a-f]{32}$/;
