import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Logger } from 'pino';
import { RUN_QUEUE_NAME } from '../store/keys.js';

export interface RunQueueOptions {
  connection: ConnectionOptions;
  prefix: string;
  concurrency: number;
  logger: Logger;
  /** Executes one run; resolves when it has reached a terminal status (or was left alone). */
  execute: (runId: string) => Promise<void>;
}

/**
 * Runs waiting for a worker, on BullMQ. A job only carries the run id: the run's state lives in
 * the run hash, and claiming it there is atomic, so a job delivered twice runs the run once.
 */
export class RunQueue {
  private readonly queue: Queue;
  private worker: Worker | null = null;
  private closing: Promise<void> | null = null;
  private isStopping = false;

  constructor(private readonly options: RunQueueOptions) {
    this.queue = new Queue(RUN_QUEUE_NAME, { connection: options.connection, prefix: options.prefix });
  }

  async enqueue(runId: string): Promise<void> {
    await this.queue.add(
      'run',
      { runId },
      { jobId: `${runId}-${Date.now()}`, removeOnComplete: true, removeOnFail: 1000, attempts: 1 },
    );
  }

  /** Start taking runs in this process. */
  startWorker(): void {
    this.worker ??= new Worker(
      RUN_QUEUE_NAME,
      async (job) => {
        const { runId } = job.data as { runId: string };
        // A job fetched while the daemon stops goes back to the queue for the next start.
        if (this.isStopping) {
          await this.enqueue(runId);
          return;
        }
        await this.options.execute(runId);
      },
      {
        connection: this.options.connection,
        prefix: this.options.prefix,
        concurrency: this.options.concurrency,
        // A run can take hours; the lock is renewed while the child runs.
        lockDuration: 60_000,
      },
    );
    this.worker.on('failed', (job, err) =>
      this.options.logger.error({ err, jobId: job?.id }, 'run job failed'),
    );
    this.worker.on('error', (err) => this.options.logger.error({ err }, 'queue worker error'));
  }

  /** Stop taking new runs; resolves once the worker's active jobs have returned. */
  async stopWorker(): Promise<void> {
    this.isStopping = true;
    await this.worker?.close();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.stopWorker();
      await this.queue.close();
    })();
    return this.closing;
  }
}
