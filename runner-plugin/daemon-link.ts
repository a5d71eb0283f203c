import type {
  ChildMessage,
  ControlFlags,
  ControlMessage,
  DaemonMessage,
} from '../src/runner/env-contract.js';

/** Flags of a child whose daemon is gone: run nothing more, since nothing more can be recorded. */
export const LOST_FLAGS: ControlFlags = {
  paused: false,
  cancelled: true,
  reason: 'cancelled: the trc daemon went away',
};

export interface DaemonLinkHandlers {
  onFlags(flags: ControlFlags): void;
  onControl(message: ControlMessage): void;
  /** The daemon is gone: nothing the child does can be recorded any more. */
  onLost(): void;
}

/**
 * The Vitest child's end of its IPC channel to the daemon, which relays the run's control
 * messages and writes what the child reports to Redis.
 */
export class DaemonLink {
  private handlers: DaemonLinkHandlers | null = null;
  private pending = 0;
  private drained: Array<() => void> = [];
  private firstFlags: ((flags: ControlFlags) => void) | null = null;

  constructor() {
    if (typeof process.send !== 'function') {
      throw new Error('this program is started by trc, with an IPC channel to the daemon');
    }
    process.on('message', (message: DaemonMessage) => this.receive(message));
    process.on('disconnect', () => this.lose());
    // The channel must not keep the child alive on its own.
    process.channel?.unref();
  }

  /** Say the reporter listens and wait for the run's flags. */
  async hello(handlers: DaemonLinkHandlers): Promise<ControlFlags> {
    this.handlers = handlers;
    process.channel?.ref();
    try {
      const flags = new Promise<ControlFlags>((resolve) => {
        this.firstFlags = resolve;
      });
      this.send({ t: 'hello' });
      return await flags;
    } finally {
      process.channel?.unref();
    }
  }

  send(message: ChildMessage): void {
    if (!process.connected) {
      return;
    }
    this.pending += 1;
    process.send?.(message, undefined, undefined, () => {
      this.pending -= 1;
      if (this.pending === 0) {
        for (const resolve of this.drained.splice(0)) {
          resolve();
        }
      }
    });
  }

  /** Resolves once every message sent so far is written to the channel. */
  async flush(): Promise<void> {
    if (this.pending > 0 && process.connected) {
      await new Promise<void>((resolve) => this.drained.push(resolve));
    }
  }

  private lose(): void {
    this.firstFlags?.(LOST_FLAGS);
    this.firstFlags = null;
    for (const resolve of this.drained.splice(0)) {
      resolve();
    }
    this.handlers?.onLost();
  }

  private receive(message: DaemonMessage): void {
    if (message.t === 'flags') {
      const first = this.firstFlags;
      this.firstFlags = null;
      if (first) {
        first(message.flags);
      } else {
        this.handlers?.onFlags(message.flags);
      }
    } else if (message.t === 'control') {
      this.handlers?.onControl(message.message);
    }
  }
}
