import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ControlClient, type InFlightCase } from '../../runner-plugin/control-client.js';
import { createLineDecoder, type StateLine } from '../../runner-plugin/control-protocol.js';
import { ControlServer } from '../../runner-plugin/control-server.js';
import { waitFor } from '../setup/wait-for.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'trc-control-'));
let socketPath: string;
let flagsFile: string;
let server: ControlServer;
let started: Array<[string, string]>;
const rawSockets: net.Socket[] = [];
let socketCount = 0;

beforeEach(async () => {
  socketPath = path.join(root, `s${(socketCount += 1)}.sock`);
  flagsFile = path.join(root, `flags${socketCount}.json`);
  started = [];
  server = new ControlServer({
    socketPath,
    flagsFile,
    onRunning: (cases) => started.push(...cases.map(({ id, trace }): [string, string] => [id, trace])),
  });
  await server.listen();
});

afterEach(async () => {
  vi.useRealTimers();
  for (const socket of rawSockets.splice(0)) {
    socket.destroy();
  }
  await server.close();
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

const PAUSED = { paused: true, cancelled: false, reason: '' };
const CANCELLED = { paused: false, cancelled: true, reason: 'cancelled' };

async function connectClient(): Promise<ControlClient> {
  const client = new ControlClient(socketPath, flagsFile);
  await client.connect();
  return client;
}

/** A bare worker that records the state lines it gets and acknowledges only when told. */
async function connectRawWorker(): Promise<{ socket: net.Socket; lines: StateLine[] }> {
  const socket = net.connect(socketPath);
  rawSockets.push(socket);
  const lines: StateLine[] = [];
  socket.on(
    'data',
    createLineDecoder<StateLine>((line) => lines.push(line)),
  );
  await waitFor(() => lines.length > 0, { message: 'first state line' });
  return { socket, lines };
}

/** Whether a promise has settled, checked after pending I/O callbacks ran. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => {
    settled = true;
  });
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

describe('control channel: flags', () => {
  it("gives a new client the server's current flags before ready resolves", async () => {
    await server.update(CANCELLED, 'n0');
    const client = await connectClient();
    expect({ paused: client.paused, cancelled: client.cancelled, reason: client.reason }).toEqual(CANCELLED);
  });

  it('resolves update once every client applied the new flags', async () => {
    const clients = [await connectClient(), await connectClient()];
    expect(clients.every((client) => !client.paused)).toBe(true);
    await server.update(PAUSED, 'n1');
    expect(clients.every((client) => client.paused && !client.cancelled)).toBe(true);
    await server.update(CANCELLED, 'n2');
    expect(clients.map((client) => [client.paused, client.cancelled, client.reason])).toEqual([
      [false, true, 'cancelled'],
      [false, true, 'cancelled'],
    ]);
  });

  it('wakes a client waiting for a change', async () => {
    const client = await connectClient();
    const changed = client.waitForChange();
    await server.update(PAUSED, 'n1');
    await changed;
    expect(client.paused).toBe(true);
  });

  it('holds update until the worker acknowledges that nonce', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const worker = await connectRawWorker();
    const updated = server.update(PAUSED, 'n1');
    await waitFor(() => worker.lines.some((line) => line.nonce === 'n1'), {
      message: 'state line with nonce',
    });
    expect(worker.lines.at(-1)).toEqual({ t: 'state', ...PAUSED, nonce: 'n1' });

    worker.socket.write(`${JSON.stringify({ t: 'ack', nonce: 'other', running: [] })}\n`);
    // Lines are handled in order: once this one is seen, the wrong ack was handled too.
    worker.socket.write(
      `${JSON.stringify({ t: 'running', running: [{ id: 'probe', trace: 'd'.repeat(32) }] })}\n`,
    );
    await waitFor(() => started.length === 1, { message: 'probe reported' });
    expect(await isSettled(updated)).toBe(false);
    worker.socket.write(`${JSON.stringify({ t: 'ack', nonce: 'n1', running: [] })}\n`);
    await updated;
  });

  it('resolves update at once when no client is connected', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await server.update(PAUSED, 'n1');
  });

  it('does not let a client that went away block update', async () => {
    // The 2 s acknowledgement bound cannot fire on a fake clock: only the close can release update.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const client = await connectClient();
    const silent = await connectRawWorker();
    const updated = server.update(PAUSED, 'n1');
    await waitFor(() => silent.lines.some((line) => line.nonce === 'n1'), {
      message: 'state line with nonce',
    });
    expect(await isSettled(updated)).toBe(false);
    silent.socket.destroy();
    await updated;
    expect(client.paused).toBe(true);
  });
});

/** A test task as Vitest's runner holds it: started now, running until its result says otherwise. */
function startCase(id: string, traceId: string): InFlightCase {
  return { id, mode: 'run', meta: { traceId }, result: { state: 'run', startTime: Date.now() } };
}

function endCase(task: InFlightCase): void {
  task.result = { state: 'pass', startTime: task.result?.startTime, duration: 1 };
}

describe('control channel: the flags file', () => {
  it('lets a worker take the flags last pushed without connecting', async () => {
    const client = new ControlClient(socketPath, flagsFile);
    // Before the first update there is no file: the worker has to connect.
    expect(existsSync(flagsFile)).toBe(false);
    expect(client.readFlagsFile()).toBe(false);

    await server.update(PAUSED, 'n1');
    expect(client.readFlagsFile()).toBe(true);
    expect({ paused: client.paused, cancelled: client.cancelled, reason: client.reason }).toEqual(PAUSED);
    await server.update(CANCELLED, 'n2');
    expect(client.readFlagsFile()).toBe(true);
    expect({ paused: client.paused, cancelled: client.cancelled, reason: client.reason }).toEqual(CANCELLED);
    expect(client.isConnected).toBe(false);
    expect(client.isReady).toBe(false);
  });

  it('writes the file before the update waits for any worker', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const worker = await connectRawWorker();
    const updated = server.update(PAUSED, 'n1');
    const reader = new ControlClient(socketPath, flagsFile);
    expect(reader.readFlagsFile()).toBe(true);
    expect(reader.paused).toBe(true);
    expect(await isSettled(updated)).toBe(false);
    worker.socket.write(`${JSON.stringify({ t: 'ack', nonce: 'n1', running: [] })}\n`);
    await updated;
  });

  it('refuses a file it cannot read whole, and a client without a file', async () => {
    await server.update(PAUSED, 'n1');
    writeFileSync(flagsFile, '{"paused":tr');
    const client = new ControlClient(socketPath, flagsFile);
    expect(client.readFlagsFile()).toBe(false);
    writeFileSync(flagsFile, '{"paused":"yes","cancelled":false}');
    expect(client.readFlagsFile()).toBe(false);
    expect(new ControlClient(socketPath).readFlagsFile()).toBe(false);
    expect(client.paused).toBe(false);
  });

  it('still pushes the flags when the file cannot be written, and leaves no file to read', async () => {
    const unwritable = path.join(root, 'no-such-dir', 'flags.json');
    const pushing = new ControlServer({
      socketPath: `${socketPath}.b`,
      flagsFile: unwritable,
      onRunning: () => {},
    });
    await pushing.listen();
    try {
      const client = new ControlClient(`${socketPath}.b`, unwritable);
      await client.connect();
      await pushing.update(PAUSED, 'n1');
      expect(client.paused).toBe(true);
      expect(new ControlClient(`${socketPath}.b`, unwritable).readFlagsFile()).toBe(false);
    } finally {
      await pushing.close();
    }
  });

  it('connects on its own to report a slow case', async () => {
    await server.update(PAUSED, 'n1');
    const client = new ControlClient(socketPath, flagsFile);
    const trace = 'a'.repeat(32);
    client.caseStarted(startCase('slow-case', trace));
    await waitFor(() => started.length === 1, { message: 'slow case reported' });
    expect(started).toEqual([['slow-case', trace]]);
    await client.ready;
    expect(client.isConnected).toBe(true);
    expect(client.paused).toBe(true);
  });
});

describe('control channel: cases in flight', () => {
  it('names the cases in flight when it acknowledges, and reports a slow case without being asked', async () => {
    const client = await connectClient();
    const trace = 'a'.repeat(32);
    client.caseStarted(startCase('slow-case', trace));
    await waitFor(() => started.length === 1, { message: 'slow case reported' });
    expect(started).toEqual([['slow-case', trace]]);
    client.caseStarted(startCase('second', 'b'.repeat(32)));
    await server.update(PAUSED, 'n1');
    expect(started).toContainEqual(['second', 'b'.repeat(32)]);
    expect(client.paused).toBe(true);
  });

  it('counts a case as running until its hooks are done, and not at all once Vitest skipped it', async () => {
    const client = await connectClient();
    const tearingDown = startCase('tearing-down', 'd'.repeat(32));
    client.caseStarted(tearingDown);
    // The body returned (state pass) but afterEach still runs: no duration yet.
    tearingDown.result = { state: 'pass', startTime: tearingDown.result?.startTime };
    const bailed = startCase('bailed', 'c'.repeat(32));
    client.caseStarted(bailed);
    bailed.mode = 'skip';
    bailed.result = undefined;
    await server.update(PAUSED, 'n1');
    expect(started).toContainEqual(['tearing-down', 'd'.repeat(32)]);
    expect(started.map(([id]) => id)).not.toContain('bailed');
  });

  it('does not report a case that ended quickly', async () => {
    const client = await connectClient();
    const fast = startCase('fast', 'f'.repeat(32));
    client.caseStarted(fast);
    endCase(fast);
    client.caseStarted(startCase('slow', 'e'.repeat(32)));
    await waitFor(() => started.length > 0, { message: 'slow case reported' });
    expect(started).toEqual([['slow', 'e'.repeat(32)]]);
  });
});

describe('control channel: no server', () => {
  it('makes a client ready and permissive when nothing listens', async () => {
    const client = new ControlClient(path.join(root, 'nobody.sock'));
    await client.connect();
    expect(client.paused).toBe(false);
    expect(client.cancelled).toBe(false);
    const task = startCase('x', 'c'.repeat(32));
    client.caseStarted(task);
    endCase(task);
  });

  it('releases a paused client when the server goes away', async () => {
    const client = await connectClient();
    await server.update(PAUSED, 'n1');
    const changed = client.waitForChange();
    await server.close();
    await changed;
    expect(client.paused).toBe(false);
  });
});

describe("control channel: a forked worker's IPC channel", () => {
  const WORKER_SCRIPT = fileURLToPath(new URL('../fixtures/ipc-worker/workers/forks.js', import.meta.url));
  let ipcServer: ControlServer;
  const children: ChildProcess[] = [];

  beforeEach(async () => {
    ipcServer = new ControlServer({
      socketPath: path.join(root, `ipc${(socketCount += 1)}.sock`),
      onRunning: (cases) => started.push(...cases.map(({ id, trace }): [string, string] => [id, trace])),
      isListeningOnIpc: true,
    });
    await ipcServer.listen();
  });

  afterEach(async () => {
    for (const child of children.splice(0)) {
      child.kill('SIGKILL');
    }
    await ipcServer.close();
  });

  /** A worker process and the answers it gives to the test's commands. */
  async function forkWorker(serialization: 'json' | 'advanced', env: Record<string, string> = {}) {
    const child = fork(WORKER_SCRIPT, [], {
      serialization,
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    children.push(child);
    const answers: Array<Record<string, unknown>> = [];
    child.on('message', (message) => {
      if (message && typeof message === 'object' && !Buffer.isBuffer(message) && !('type' in message)) {
        answers.push(message as Record<string, unknown>);
      }
    });
    await waitFor(() => answers.some((answer) => answer.up), { message: 'worker up' });
    const ask = async <T>(cmd: Record<string, unknown>, key: string): Promise<T> => {
      const seen = answers.length;
      child.send(cmd);
      const answer = await waitFor(() => answers.slice(seen).find((a) => key in a), { message: key });
      return answer[key] as T;
    };
    return { child, ask, answers };
  }

  it.each(['json', 'advanced'] as const)(
    'gives a worker the flags, holds update until it applied them, and learns its cases in flight (%s)',
    async (serialization) => {
      await ipcServer.update(CANCELLED, 'n0');
      const worker = await forkWorker(serialization);
      expect(await worker.ask({ cmd: 'connect' }, 'ready')).toEqual(CANCELLED);

      await worker.ask({ cmd: 'start', id: 'c1', trace: 'e'.repeat(32) }, 'started');
      // On a fake clock the 2 s acknowledgement bound cannot fire: only the worker's ack resolves update.
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      await ipcServer.update(PAUSED, 'n1');
      // The worker named the case it runs (a case running 2 ms is reported, and named in the ack).
      expect(started).toContainEqual(['c1', 'e'.repeat(32)]);
      expect(await worker.ask({ cmd: 'flags' }, 'flags')).toEqual(PAUSED);
    },
  );

  it.skipIf(process.platform === 'win32')('stops waiting for a worker that exits', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const worker = await forkWorker('advanced');
    await worker.ask({ cmd: 'connect' }, 'ready');
    worker.child.kill('SIGSTOP');
    const updated = ipcServer.update(PAUSED, 'n1');
    expect(await isSettled(updated)).toBe(false);
    worker.child.kill('SIGKILL');
    await updated;
  });

  it('lets a worker whose hello goes unanswered run without control, and never hang', async () => {
    await ipcServer.close();
    ipcServer = new ControlServer({
      socketPath: path.join(root, `ipc${(socketCount += 1)}.sock`),
      onRunning: () => undefined,
    });
    await ipcServer.listen();
    const worker = await forkWorker('advanced', { IPC_ANSWER_TIMEOUT_MS: '300' });
    await worker.ask({ cmd: 'connect' }, 'connecting');
    // A server not listening on IPC channels counts no such worker: update resolves at once.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    await ipcServer.update(PAUSED, 'n1');
    vi.useRealTimers();
    // The paused flags never reach it: after its wait for an answer it runs as if trc were not there.
    expect(
      await waitFor(() => worker.answers.find((answer) => answer.ready), { message: 'released' }),
    ).toEqual({
      ready: { paused: false, cancelled: false, reason: '' },
    });
  });
});
