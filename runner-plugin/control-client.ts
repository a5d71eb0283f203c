import net from 'node:net';
import { createLineDecoder, type StateLine, type WorkerLine } from './control-protocol.js';

/** A case still running this long after its start is reported to the main process. */
const REPORT_RUNNING_AFTER_MS = 2;

/**
 * A test worker's end of the control channel. Flags live in memory and change by push from
 * the Vitest main process, so checking them before a test case costs no round trip.
 */
export class ControlClient {
  paused = false;
  cancelled = false;
  reason = '';
  /** True once the first state arrived (or the channel is gone). */
  isReady = false;
  readonly ready: Promise<void>;
  /** Cases this worker is running now: test id → trace id. */
  private readonly inFlight = new Map<string, string>();
  /** Cases in flight the main process has not been told about. */
  private readonly unreported = new Set<string>();
  private reportTimer: NodeJS.Timeout | null = null;
  private readonly socket: net.Socket;
  private waiters: Array<() => void> = [];
  private markReady!: () => void;

  constructor(socketPath: string) {
    this.ready = new Promise((resolve) => {
      this.markReady = () => {
        this.isReady = true;
        resolve();
      };
    });
    this.socket = net.connect(socketPath);
    this.socket.setNoDelay?.(true);
    this.socket.on(
      'data',
      createLineDecoder<StateLine>((line) => this.apply(line)),
    );
    // A lost channel must never hang the run: behave as if no control existed.
    const release = (): void => {
      this.paused = false;
      this.markReady();
      this.wake();
    };
    this.socket.on('error', release);
    this.socket.on('close', release);
    this.socket.unref();
  }

  /** Resolve at the next state change. */
  waitForChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  caseStarted(testId: string, traceId: string): void {
    this.inFlight.set(testId, traceId);
    this.unreported.add(testId);
    this.reportTimer ??= setTimeout(() => this.reportRunning(), REPORT_RUNNING_AFTER_MS).unref();
  }

  caseEnded(testId: string): void {
    this.unreported.delete(testId);
    this.inFlight.delete(testId);
  }

  private reportRunning(): void {
    this.reportTimer = null;
    const running = [...this.unreported].map((id) => ({ id, trace: this.inFlight.get(id) ?? '' }));
    this.unreported.clear();
    if (running.length > 0) {
      this.send({ t: 'running', running });
    }
  }

  send(line: WorkerLine): void {
    if (!this.socket.destroyed) {
      this.socket.write(`${JSON.stringify(line)}\n`);
    }
  }

  private apply(line: StateLine): void {
    this.paused = line.paused;
    this.cancelled = line.cancelled;
    this.reason = line.reason;
    if (line.nonce) {
      this.unreported.clear();
      const running = [...this.inFlight].map(([id, trace]) => ({ id, trace }));
      this.send({ t: 'ack', nonce: line.nonce, running });
    }
    this.markReady();
    this.wake();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) {
      resolve();
    }
  }
}
