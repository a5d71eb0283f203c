import { once } from 'node:events';
import type { Redis } from 'ioredis';
import type { ControlMessage } from '../runner/env-contract.js';
import type { RedisKeys } from './keys.js';

type ControlHandler = (message: ControlMessage) => void;

/**
 * The daemon's one subscriber connection: control messages of runs it executes (to keep the
 * timeout clock honest while paused) and the child's acknowledgements of them.
 */
export class ControlBus {
  private readonly ackWaiters = new Map<string, () => void>();
  private readonly handlers = new Map<string, Set<ControlHandler>>();
  private ready: Promise<unknown> | null = null;

  constructor(
    private readonly subscriber: Redis,
    private readonly keys: RedisKeys,
  ) {}

  async start(): Promise<void> {
    this.subscriber.on('pmessage', (_pattern: string, channel: string, text: string) =>
      this.dispatch(channel, text),
    );
    // Subscribing during the connection's handshake can lose the subscription (ioredis#2037).
    this.ready ??= (async () => {
      if (this.subscriber.status !== 'ready') {
        await once(this.subscriber, 'ready');
      }
      await this.subscriber.psubscribe(this.keys.ack('*'), this.keys.control('*'));
    })();
    await this.ready;
  }

  /** Wait until the child acknowledges a control message (true) or the bound passes (false). */
  waitForAck(nonce: string, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ackWaiters.delete(nonce);
        resolve(false);
      }, timeoutMs);
      this.ackWaiters.set(nonce, () => {
        clearTimeout(timer);
        this.ackWaiters.delete(nonce);
        resolve(true);
      });
    });
  }

  /** Hear the control messages of one run; returns the way to stop listening. */
  onControl(runId: string, handler: ControlHandler): () => void {
    const channel = this.keys.control(runId);
    const set = this.handlers.get(channel) ?? new Set();
    set.add(handler);
    this.handlers.set(channel, set);
    return () => {
      set.delete(handler);
      if (set.size === 0) {
        this.handlers.delete(channel);
      }
    };
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }

  private dispatch(channel: string, text: string): void {
    if (channel.endsWith(':ack')) {
      this.ackWaiters.get(text)?.();
      return;
    }
    const handlers = this.handlers.get(channel);
    if (handlers) {
      const message = JSON.parse(text) as ControlMessage;
      for (const handler of handlers) {
        handler(message);
      }
    }
  }
}
