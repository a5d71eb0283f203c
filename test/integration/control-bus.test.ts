import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ControlMessage } from '../../src/runner/env-contract.js';
import { ControlBus } from '../../src/store/control-bus.js';
import { createKeys, type RedisKeys } from '../../src/store/keys.js';
import { waitFor } from '../setup/wait-for.js';

const RUN_A = 'test_20240101_000000_0000000a';
const RUN_B = 'test_20240101_000000_0000000b';

const publisher = new Redis(inject('redisUrl'));
let keys: RedisKeys;
let bus: ControlBus;

beforeEach(async () => {
  keys = createKeys(`t${randomBytes(6).toString('hex')}`);
  bus = new ControlBus(new Redis(inject('redisUrl')), keys);
  await bus.start();
});

afterEach(async () => {
  await bus.close();
});

afterAll(async () => {
  await publisher.quit();
});

async function publish(runId: string, message: ControlMessage): Promise<void> {
  await publisher.publish(keys.control(runId), JSON.stringify(message));
}

describe('ControlBus.waitForAck', () => {
  it('resolves true when the child acknowledges the nonce', async () => {
    const nonce = randomUUID();
    const acked = bus.waitForAck(nonce, 10_000);
    await publisher.publish(keys.ack(RUN_A), nonce);
    expect(await acked).toBe(true);
  });

  it('resolves false when no acknowledgement comes in time', async () => {
    const nonce = randomUUID();
    const acked = bus.waitForAck(nonce, 100);
    await publisher.publish(keys.ack(RUN_A), randomUUID());
    expect(await acked).toBe(false);
  });

  it('does not hear acknowledgements under another key prefix', async () => {
    const nonce = randomUUID();
    const acked = bus.waitForAck(nonce, 300);
    await publisher.publish(createKeys(`${keys.prefix}x`).ack(RUN_A), nonce);
    expect(await acked).toBe(false);
  });
});

describe('ControlBus.onControl', () => {
  it('hands each handler the messages of its own run only', async () => {
    const heardA: ControlMessage[] = [];
    const heardB: ControlMessage[] = [];
    bus.onControl(RUN_A, (message) => heardA.push(message));
    bus.onControl(RUN_B, (message) => heardB.push(message));

    await publish(RUN_B, { type: 'pause', nonce: 'n1' });
    await publish(RUN_A, { type: 'cancel', reason: 'cancelled' });
    await waitFor(() => heardA.length === 1 && heardB.length === 1, { message: 'both handlers heard' });

    expect(heardA).toEqual([{ type: 'cancel', reason: 'cancelled' }]);
    expect(heardB).toEqual([{ type: 'pause', nonce: 'n1' }]);
  });

  it('stops calling a handler after it unsubscribes, and keeps calling the others', async () => {
    const removed: ControlMessage[] = [];
    const kept: ControlMessage[] = [];
    const unsubscribe = bus.onControl(RUN_A, (message) => removed.push(message));
    bus.onControl(RUN_A, (message) => kept.push(message));

    await publish(RUN_A, { type: 'pause' });
    await waitFor(() => removed.length === 1 && kept.length === 1, { message: 'first message heard' });
    unsubscribe();
    await publish(RUN_A, { type: 'resume' });
    // Messages arrive in order, so once `kept` has the resume, `removed` would have it too.
    await waitFor(() => kept.length === 2, { message: 'second message heard' });

    expect(removed).toEqual([{ type: 'pause' }]);
    expect(kept).toEqual([{ type: 'pause' }, { type: 'resume' }]);
  });
});
