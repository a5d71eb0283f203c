import type { Logger } from 'pino';
import type { ChildMessage, ControlMessage, DaemonMessage } from '../runner/env-contract.js';
import type { ChildState, RunStore } from '../store/run-store.js';
import { ProgressFileReader } from './progress-file.js';
import type { FileState, TestBatch } from './test-batch.js';
import { TestProgress } from './test-progress.js';

/** How often the flags are read again from Redis, in case a published message was lost. */
const FLAG_POLL_MS = 1000;

/**
 * Waits before each attempt, once the child has exited, to store what a failed write lost. An
 * attempt itself lasts as long as the Redis client keeps retrying (about 10 s by default).
 */
const REPAIR_WAITS_MS = [0, 250, 1000, 4000];

/**
 * Shortest time between two writes of the child's news of cases and files, and how often its
 * progress file is read. News that comes sooner waits, and goes in one write with whatever comes
 * meanwhile: a suite of many short files has news of nearly every file, and every write costs the
 * daemon and Redis CPU that Vitest, on a busy machine, is short of. News in the file or in memory
 * is not lost when the child dies; any other write (the child's state, an acknowledgement) first
 * reads the file and writes what waits.
 */
const MIN_PROGRESS_WRITE_INTERVAL_MS = 250;

/** News of the child waiting for its write: its batches in order, their summed deltas, the files' latest states. */
interface HeldProgress {
  batches: Array<Omit<TestBatch, 'files'>>;
  deltas: Record<string, number>;
  files: Record<string, FileState>;
}

export interface ChildRelayDeps {
  store: RunStore;
  runId: string;
  logger: Logger;
  /** Send to the child over its IPC channel. */
  send: (message: DaemonMessage) => void;
  /** The file the child appends its batches of news to (see runner-plugin/progress-log.ts). */
  progressFile?: string;
}

/**
 * The daemon's end of one Vitest child's IPC channel and progress file. It relays the run's control
 * messages to the child and writes what the child reports (its batches of case news as they came,
 * with the counters they move, file states, how Vitest ended) to Redis in the order the child
 * reported it: the file is read before each message is taken. The child thus loads no Redis client.
 *
 * Control goes through one queue (the first flags, relayed messages, the poll), so the child
 * never sees flags read before a message after that message. Writes start as they arrive, in
 * order on one connection, so an acknowledgement follows every record the child sent before it.
 * A write that fails (Redis gone for longer than the client's own retries) is made good: the
 * relay keeps the whole report in memory and stores all of it in place of the next write, or at
 * close.
 */
export class ChildRelay {
  private control: Promise<void> | null = null;
  private writes: Promise<void> = Promise.resolve();
  private poll: NodeJS.Timeout | undefined;
  private stopped = false;
  private closing: Promise<void> | null = null;
  /** The child's cases as merged so far, for exact counter deltas. */
  private readonly progress = new TestProgress();
  /** The latest state of each test file. */
  private readonly files: Record<string, FileState> = {};
  /** What the child said of itself. */
  private readonly childState: ChildState = {};
  /** A write of the report failed: Redis may miss part of it until the whole is stored again. */
  private hasUnstoredReport = false;
  private held: HeldProgress | null = null;
  private heldTimer: NodeJS.Timeout | null = null;
  private lastProgressWriteAt = Number.NEGATIVE_INFINITY;
  private progressFile: ProgressFileReader | null;
  private readonly progressPoll: NodeJS.Timeout | undefined;
  private hasLoggedReadError = false;

  constructor(private readonly deps: ChildRelayDeps) {
    this.progressFile = deps.progressFile ? new ProgressFileReader(deps.progressFile) : null;
    if (this.progressFile) {
      this.progressPoll = setInterval(() => {
        try {
          this.readProgressFile();
          this.writeHeld();
        } catch (err) {
          // Never the daemon's end: the next read or the child's exit takes what is left.
          this.deps.logger.error({ err }, "could not take the Vitest child's progress file");
        }
      }, MIN_PROGRESS_WRITE_INTERVAL_MS);
      this.progressPoll.unref();
    }
  }

  /** Take one message from the child, after the news it wrote to its progress file before. */
  receive(message: ChildMessage): void {
    this.readProgressFile();
    switch (message.t) {
      case 'hello':
        this.control ??= this.sendFlags().catch((err: unknown) => {
          // The child waits for its first flags: never leave it waiting. The poll corrects them.
          this.deps.logger.error({ err }, 'could not read the run flags for the Vitest child');
          this.send({ t: 'flags', flags: { paused: false, cancelled: false, reason: 'cancelled' } });
        });
        this.poll ??= setInterval(() => this.enqueueControl(() => this.sendFlags()), FLAG_POLL_MS);
        this.poll.unref();
        return;
      case 'ready':
        this.writeState({ controlReady: true });
        return;
      case 'tests': {
        const { t: _t, ...batch } = message;
        this.take(batch);
        return;
      }
      case 'end':
        this.writeState({ childFinished: message.reason, childErrors: message.errors ?? [] });
        return;
      case 'startup-error':
        this.writeState({ childError: message.message });
        return;
      case 'ack':
        this.publishAck(message.nonce);
        return;
    }
  }

  /** Pass a published control message on, once the child listens (before that, its first flags carry it). */
  relay(message: ControlMessage): void {
    this.enqueueControl(async () => this.send({ t: 'control', message }));
  }

  /**
   * Stop polling and wait for the writes of what the child reported; after a failed one, try a
   * few times to store the whole report.
   */
  close(): Promise<void> {
    this.closing ??= this.finishWrites();
    return this.closing;
  }

  private async finishWrites(): Promise<void> {
    clearInterval(this.progressPoll);
    // A failure of this last read is logged even after an earlier one.
    this.hasLoggedReadError = false;
    this.readProgressFile();
    this.progressFile?.close();
    this.progressFile = null;
    this.writeHeld();
    this.stopped = true;
    clearInterval(this.poll);
    await this.control?.catch(() => undefined);
    await this.writes;
    for (const waitMs of REPAIR_WAITS_MS) {
      if (!this.hasUnstoredReport) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, waitMs));
      await this.storeWholeReport();
    }
    if (this.hasUnstoredReport) {
      this.deps.logger.error('gave up storing what the Vitest child reported: its report may miss cases');
    }
  }

  private enqueueControl(task: () => Promise<void>): void {
    if (this.control && !this.stopped) {
      this.control = this.control.then(task).catch((err: unknown) => {
        this.deps.logger.warn({ err }, 'could not pass control to the Vitest child');
      });
    }
  }

  private async sendFlags(): Promise<void> {
    this.send({ t: 'flags', flags: await this.deps.store.getControlFlags(this.deps.runId) });
  }

  private send(message: DaemonMessage): void {
    if (!this.stopped) {
      this.deps.send(message);
    }
  }

  private writeState(state: ChildState): void {
    Object.assign(this.childState, state);
    this.writeHeld();
    this.write(() => this.deps.store.setChildState(this.deps.runId, state));
  }

  /** Take the batches the child has finished writing to its progress file since the last read. */
  private readProgressFile(): void {
    let lines: string[];
    try {
      lines = this.progressFile?.readLines() ?? [];
    } catch (err) {
      if (!this.hasLoggedReadError) {
        this.hasLoggedReadError = true;
        this.deps.logger.error(
          { err },
          "could not read the Vitest child's progress file: its report may miss cases",
        );
      }
      return;
    }
    for (const line of lines) {
      const batch = this.parseBatch(line);
      if (batch) {
        this.take(batch);
      }
    }
  }

  /** A line of the progress file as a batch; a line that is not one is logged and skipped. */
  private parseBatch(line: string): TestBatch | null {
    let value: unknown;
    let err: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      err = error;
    }
    if (err === undefined && isBatch(value)) {
      return value;
    }
    this.deps.logger.error(
      { ...(err === undefined ? {} : { err }), line: line.slice(0, 200) },
      "skipped a line of the Vitest child's progress file",
    );
    return null;
  }

  private take({ files = {}, ...batch }: TestBatch): void {
    const deltas = this.progress.applyBatch(batch);
    Object.assign(this.files, files);
    this.hold(batch, deltas, files);
  }

  /** Add news to what waits for its write; write at once when the last write is long enough ago. */
  private hold(
    batch: Omit<TestBatch, 'files'>,
    deltas: Readonly<Record<string, number>>,
    files: Readonly<Record<string, FileState>>,
  ): void {
    const held = (this.held ??= { batches: [], deltas: {}, files: {} });
    held.batches.push(batch);
    for (const [field, delta] of Object.entries(deltas)) {
      held.deltas[field] = (held.deltas[field] ?? 0) + delta;
    }
    Object.assign(held.files, files);
    if (this.heldTimer) {
      return;
    }
    const wait = this.lastProgressWriteAt + MIN_PROGRESS_WRITE_INTERVAL_MS - Date.now();
    if (wait <= 0) {
      this.writeHeld();
    } else {
      this.heldTimer = setTimeout(() => this.writeHeld(), wait);
    }
  }

  /** Start the write of what waits, if anything does. */
  private writeHeld(): void {
    if (this.heldTimer) {
      clearTimeout(this.heldTimer);
      this.heldTimer = null;
    }
    const held = this.held;
    if (!held) {
      return;
    }
    this.held = null;
    this.lastProgressWriteAt = Date.now();
    this.write(() =>
      this.deps.store.appendTestProgress(this.deps.runId, held.batches, held.deltas, held.files),
    );
  }

  /**
   * Start a write of the report at once: commands on one Redis connection run in the order they
   * are sent. After a failed write, the whole report is stored in place of the next one.
   */
  private write(task: () => Promise<void>): void {
    const done = this.hasUnstoredReport
      ? this.storeWholeReport()
      : task().catch((err: unknown) => this.onReportWriteFailed(err));
    this.writes = Promise.all([this.writes, done]).then(() => undefined);
  }

  /**
   * Publish the child's acknowledgement once the writes sent before it are done, so that whoever
   * waits on it reads every record the child sent before it (stored whole first after a failed write).
   */
  private publishAck(nonce: string): void {
    this.writeHeld();
    const { store, runId, logger } = this.deps;
    const before = this.writes;
    const published = before
      .then(async () => {
        if (this.hasUnstoredReport) {
          await this.storeWholeReport();
        }
        await store.publishAck(runId, nonce);
      })
      .catch((err: unknown) => logger.warn({ err }, "could not pass on the Vitest child's acknowledgement"));
    this.writes = Promise.all([before, published]).then(() => undefined);
  }

  private onReportWriteFailed(err: unknown): void {
    this.hasUnstoredReport = true;
    this.deps.logger.error(
      { err },
      'could not record what the Vitest child reported; the next write stores all of it',
    );
  }

  /** Store everything the child reported so far, in place of what Redis has of it; a failure is noted, not thrown. */
  private async storeWholeReport(): Promise<void> {
    this.hasUnstoredReport = false;
    const { store, runId, logger } = this.deps;
    try {
      await store.rewriteChildReport(runId, {
        records: this.progress.records(),
        counts: this.progress.counts(),
        files: this.files,
        state: this.childState,
      });
      logger.info('stored the whole of what the Vitest child reported after a failed write');
    } catch (err) {
      this.onReportWriteFailed(err);
    }
  }
}

/** A batch as the child writes it: an object whose lists are lists of entries (the file is not trusted further). */
function isBatch(value: unknown): value is TestBatch {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const { collected, changes, passed, files } = value as Record<string, unknown>;
  const isListOf = (list: unknown, isEntry: (entry: unknown) => boolean): boolean =>
    list === undefined || (Array.isArray(list) && list.every(isEntry));
  const isObject = (entry: unknown): boolean => typeof entry === 'object' && entry !== null;
  return (
    isListOf(changes, (entry) => isObject(entry) && typeof (entry as { id?: unknown }).id === 'string') &&
    isListOf(passed, (entry) => Array.isArray(entry) && typeof entry[0] === 'string') &&
    isListOf(
      collected,
      (entry) =>
        isObject(entry) &&
        Array.isArray((entry as { cases?: unknown }).cases) &&
        (entry as { cases: unknown[] }).cases.every(
          (item) => Array.isArray(item) && typeof item[0] === 'string',
        ),
    ) &&
    (files === undefined || (isObject(files) && !Array.isArray(files)))
  );
}
