import type { ChildProcess } from 'node:child_process';
import diagnostics from 'node:diagnostics_channel';
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { ControlFlags } from '../src/runner/env-contract.js';
import {
  createLineDecoder,
  decodeIpcMessage,
  encodeIpcMessage,
  type RunningCase,
  type StateLine,
  type WorkerLine,
} from './control-protocol.js';

export interface ControlServerOptions {
  /** Unix socket path or Windows named pipe the workers connect to. */
  socketPath: string;
  /**
   * A file that always holds the flags last pushed, so that a worker can take them without
   * connecting. It is written before the flags are pushed, and replaced whole.
   */
  flagsFile?: string;
  /** The cases workers name as running. */
  onRunning: (cases: RunningCase[]) => void;
  /** Also take workers on the IPC channel of each process this one forks (Vitest's forks pools). */
  isListeningOnIpc?: boolean;
}

/** A worker at the other end: a socket, or a forked worker's IPC channel. */
interface Peer {
  write(line: StateLine): void;
}

/** Every process this one starts is published here as it is made (node ≥ 16.18). */
const CHILD_PROCESS_CHANNEL = 'child_process';

/** How long the main process waits for every worker to acknowledge a flag change. */
const ACK_TIMEOUT_MS = 2000;

/**
 * The Vitest main process's end of the control channel: pushes flags to every test worker and
 * learns, in their acknowledgements, which cases they are running at that moment.
 */
export class ControlServer {
  private readonly server: net.Server;
  private readonly peers = new Set<Peer>();
  private readonly sockets = new Set<net.Socket>();
  private readonly pendingAcks = new Map<string, { peers: Set<Peer>; done: () => void }>();
  private flags: ControlFlags = { paused: false, cancelled: false, reason: '' };
  private readonly socketPath: string;
  private readonly flagsFile: string | undefined;
  private readonly onRunning: (cases: RunningCase[]) => void;
  private readonly isListeningOnIpc: boolean;
  private readonly onChildProcess = (message: unknown): void => {
    this.watchChild((message as { process: ChildProcess }).process);
  };

  constructor(options: ControlServerOptions) {
    this.socketPath = options.socketPath;
    this.flagsFile = options.flagsFile;
    this.onRunning = options.onRunning;
    this.isListeningOnIpc = options.isListeningOnIpc ?? false;
    this.server = net.createServer((socket) => this.acceptSocket(socket));
  }

  async listen(): Promise<void> {
    if (process.platform !== 'win32') {
      rmSync(this.socketPath, { force: true });
    }
    // Until the first update writes it, a worker finds no file and connects.
    if (this.flagsFile) {
      rmSync(this.flagsFile, { force: true });
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.socketPath, () => resolve());
    });
    this.server.unref();
    if (this.isListeningOnIpc) {
      diagnostics.subscribe(CHILD_PROCESS_CHANNEL, this.onChildProcess);
    }
  }

  /** Change the flags; resolves once every connected worker has applied them (or after a bound). */
  async update(flags: ControlFlags, nonce: string): Promise<void> {
    this.flags = flags;
    // First the file: a worker that reads it from now on starts no case these flags forbid.
    this.writeFlagsFile();
    const waiting = new Set(this.peers);
    if (waiting.size === 0) {
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(finish, ACK_TIMEOUT_MS);
      timer.unref();
      function finish(): void {
        clearTimeout(timer);
        resolve();
      }
      this.pendingAcks.set(nonce, { peers: waiting, done: finish });
      const line = this.stateLine(nonce);
      for (const peer of waiting) {
        peer.write(line);
      }
    });
    this.pendingAcks.delete(nonce);
  }

  async close(): Promise<void> {
    if (this.isListeningOnIpc) {
      diagnostics.unsubscribe(CHILD_PROCESS_CHANNEL, this.onChildProcess);
    }
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private acceptSocket(socket: net.Socket): void {
    const peer: Peer = { write: (line) => socket.write(`${JSON.stringify(line)}\n`) };
    this.sockets.add(socket);
    socket.setNoDelay?.(true);
    socket.unref();
    this.accept(peer);
    socket.on(
      'data',
      createLineDecoder<WorkerLine>((line) => this.receive(peer, line)),
    );
    const forget = (): void => {
      this.sockets.delete(socket);
      this.forget(peer);
    };
    socket.on('close', forget);
    socket.on('error', forget);
  }

  /**
   * Listen on a forked process's IPC channel, beside Vitest. A test worker opens the channel there
   * with a `hello`; until then, and to any other process, nothing is sent.
   */
  private watchChild(child: ChildProcess): void {
    child.once('spawn', () => {
      if (typeof child.send !== 'function') {
        return;
      }
      const peer: Peer = {
        write: (line) => {
          if (child.connected) {
            const bytes = encodeIpcMessage(line);
            child.send(
              Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
              undefined,
              undefined,
              () => undefined,
            );
          }
        },
      };
      child.on('message', (message: unknown) => {
        const line = decodeIpcMessage<WorkerLine>(message);
        if (line?.t === 'hello') {
          this.accept(peer);
        } else if (line && this.peers.has(peer)) {
          this.receive(peer, line);
        }
      });
      child.once('exit', () => this.forget(peer));
      child.once('disconnect', () => this.forget(peer));
    });
  }

  /** A worker opened its channel: it gets the current flags, and a say in every update from now on. */
  private accept(peer: Peer): void {
    this.peers.add(peer);
    peer.write(this.stateLine());
  }

  private forget(peer: Peer): void {
    if (this.peers.delete(peer)) {
      for (const [nonce] of this.pendingAcks) {
        this.acknowledge(peer, nonce);
      }
    }
  }

  private receive(peer: Peer, line: WorkerLine): void {
    if (line.t === 'hello') {
      return;
    }
    if (line.t === 'running') {
      this.onRunning(line.running);
      return;
    }
    if (line.running.length > 0) {
      this.onRunning(line.running);
    }
    this.acknowledge(peer, line.nonce);
  }

  private acknowledge(peer: Peer, nonce: string): void {
    const pending = this.pendingAcks.get(nonce);
    if (pending && pending.peers.delete(peer) && pending.peers.size === 0) {
      pending.done();
    }
  }

  /**
   * Replace the flags file whole; where a rename cannot replace it (Windows, while read), write it
   * in place. Never throws: when the file cannot be written it is removed, so that workers connect
   * and take the flags by push.
   */
  private writeFlagsFile(): void {
    if (!this.flagsFile) {
      return;
    }
    const json = JSON.stringify(this.flags);
    const next = `${this.flagsFile}.next`;
    try {
      writeFileSync(next, json);
      renameSync(next, this.flagsFile);
      return;
    } catch {
      // A worker that reads a half-written file connects instead.
    }
    try {
      writeFileSync(this.flagsFile, json);
    } catch {
      rmSync(this.flagsFile, { force: true });
    }
  }

  private stateLine(nonce?: string): StateLine {
    return { t: 'state', ...this.flags, ...(nonce ? { nonce } : {}) };
  }
}
