import net from 'node:net';
import { createLineDecoder, type StateLine, type WorkerLine } from './control-protocol.js';

/**
 * A test worker's end of the control channel. Flags live in memory and change by push from
 * the Vitest main process, so checking them before a test case costs no round trip.
 */
export class ControlClient {
  paused = false;
  cancelled = false;
  reason = '';
  readonly ready: Promise<void>;
  private readonly socket: net.Socket;
  private waiters: Array<() => void> = [];
  private markReady!: () => void;

  constructor(socketPath: string) {
    this.ready = new Promise((resolve) => {
      this.markReady = resolve;
    });
    this.socket = net.connect(socketPath);
    this.socket.setNoDelay?.(true);
    this.socket.on('data', createLineDecoder<StateLine>((line) => this.apply(line)));
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
      this.send({ t: 'ack', nonce: line.nonce });
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
