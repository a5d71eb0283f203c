import type { RunStatus } from '../runs/model.js';

/**
 * Every Redis key and channel name trc uses, built from one prefix (default `trc`).
 */
export interface RedisKeys {
  prefix: string;
  /** Hash: run metadata; counters live in `c:*` fields. */
  run(runId: string): string;
  /** Hash: test id → TestRecord JSON, the settled records of a run whose child is gone. */
  tests(runId: string): string;
  /**
   * List: the child's test batches (TestBatch JSON without file states) in the order they came, while
   * it runs; a reader merges them over `tests`. The final records replace them.
   */
  progress(runId: string): string;
  /** Hash: test file (relative) → `planned` | `started`. */
  files(runId: string): string;
  /** Pub/sub channel: control messages for the run's child (pause, resume, cancel, stop), relayed by its daemon. */
  control(runId: string): string;
  /** Pub/sub channel: a control message is acknowledged here once the child applied it. */
  ack(runId: string): string;
  /** Sorted set of every run id, scored by creation sequence. */
  runs(): string;
  /** Sorted set of run ids with one status, scored by creation sequence. */
  runsByStatus(status: RunStatus): string;
  /** Sorted set of finished run ids, scored by end time (ms), for retention. */
  finished(): string;
  /** Counter for creation sequence numbers. */
  sequence(): string;
  /** Prefix for BullMQ's own keys. */
  bullPrefix(): string;
}

export function createKeys(prefix = 'trc'): RedisKeys {
  return {
    prefix,
    run: (runId) => `${prefix}:run:${runId}`,
    tests: (runId) => `${prefix}:run:${runId}:tests`,
    progress: (runId) => `${prefix}:run:${runId}:progress`,
    files: (runId) => `${prefix}:run:${runId}:files`,
    control: (runId) => `${prefix}:run:${runId}:control`,
    ack: (runId) => `${prefix}:run:${runId}:ack`,
    runs: () => `${prefix}:runs`,
    runsByStatus: (status) => `${prefix}:runs:${status}`,
    finished: () => `${prefix}:finished`,
    sequence: () => `${prefix}:seq`,
    bullPrefix: () => `${prefix}:bull`,
  };
}

/** Name of the BullMQ queue that holds runs waiting for a worker. */
export const RUN_QUEUE_NAME = 'runs';

/** Fields of the run hash that hold live counters (HINCRBY'd as the child reports cases). */
export const COUNTER_FIELDS = {
  total: 'c:total',
  passed: 'c:passed',
  failed: 'c:failed',
  skipped: 'c:skipped',
  running: 'c:running',
} as const;
