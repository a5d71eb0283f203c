import type { Logger } from 'pino';
import type { ChildMessage, ControlMessage, DaemonMessage } from '../runner/env-contract.js';
import type { RunStore } from '../store/run-store.js';
import { expandTestBatch } from './test-batch.js';
import { TestProgress } from './test-progress.js';

/** How often the flags are read again from Redis, in case a published message was lost. */
const FLAG_POLL_MS = 1000;

export interface ChildRelayDeps {
  store: RunStore;
  runId: string;
  logger: Logger;
  /** Send to the child over its IPC channel. */
  send: (message: DaemonMessage) => void;
}

/**
 * The daemon's end of one Vitest child's IPC channel. It relays the run's control messages
 * to the child and writes what the child reports (its batches of case news as they came, with the
 * counters they move, file states, how Vitest ended) to Redis in the order it arrives. The child
 * thus loads no Redis client.
 *
 * Control goes through one queue (the first flags, relayed messages, the poll), so the child
 * never sees flags read before a message after that message. Writes start as they arrive, in
 * order on one connection, so an acknowledgement follows every record the child sent before it.
 */
export class ChildRelay {
  private control: Promise<void> | null = null;
  private writes: Promise<void> = Promise.resolve();
  private poll: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The child's cases as merged so far, for exact counter deltas. */
  private readonly progress: TestProgress;

  constructor(private readonly deps: ChildRelayDeps) {
    this.progress = new TestProgress();
  }

  /** Take one message from the child. */
  receive(message: ChildMessage): void {
    const { store, runId } = this.deps;
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
        this.write(() => store.setChildState(runId, { controlReady: true }));
        return;
      case 'tests': {
        const { t: _t, files, ...batch } = message;
        const deltas = this.progress.apply(expandTestBatch(batch));
        this.write(() => store.appendTestProgress(runId, batch, deltas, files));
        return;
      }
      case 'end':
        this.write(() =>
          store.setChildState(runId, { childFinished: message.reason, childErrors: message.errors ?? [] }),
        );
        return;
      case 'startup-error':
        this.write(() => store.setChildState(runId, { childError: message.message }));
        return;
      case 'ack':
        this.write(() => store.publishAck(runId, message.nonce));
        return;
    }
  }

  /** Pass a published control message on, once the child listens (before that, its first flags carry it). */
  relay(message: ControlMessage): void {
    this.enqueueControl(async () => this.send({ t: 'control', message }));
  }

  /** Stop polling and wait until everything the child reported is in Redis. */
  async close(): Promise<void> {
    this.stopped = true;
    clearInterval(this.poll);
    await this.control?.catch(() => undefined);
    await this.writes;
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

  /**
   * Start a write at once: commands on one Redis connection run in the order they are sent, so an
   * acknowledgement published after a batch of records reaches its listeners after the records.
   */
  private write(task: () => Promise<void>): void {
    const done = task().catch((err: unknown) => {
      this.deps.logger.error({ err }, 'could not record what the Vitest child reported');
    });
    this.writes = Promise.all([this.writes, done]).then(() => undefined);
  }
}
