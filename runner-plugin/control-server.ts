import { renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { ControlFlags } from '../src/runner/env-contract.js';
import { createLineDecoder, type RunningCase, type StateLine, type WorkerLine } from './control-protocol.js';

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
}

/** How long the main process waits for every worker to acknowledge a flag change. */
const ACK_TIMEOUT_MS = 2000;

/**
 * The Vitest main process's end of the control channel: pushes flags to every test worker and
 * learns, in their acknowledgements, which cases they are running at that moment.
 */
export class ControlServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private readonly pendingAcks = new Map<string, { sockets: Set<net.Socket>; done: () => void }>();
  private flags: ControlFlags = { paused: false, cancelled: false, reason: '' };
  private readonly socketPath: string;
  private readonly flagsFile: string | undefined;
  private readonly onRunning: (cases: RunningCase[]) => void;

  constructor(options: ControlServerOptions) {
    this.socketPath = options.socketPath;
    this.flagsFile = options.flagsFile;
    this.onRunning = options.onRunning;
    this.server = net.createServer((socket) => this.accept(socket));
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
  }

  /** Change the flags; resolves once every connected worker has applied them (or after a bound). */
  async update(flags: ControlFlags, nonce: string): Promise<void> {
    this.flags = flags;
    // First the file: a worker that reads it from now on starts no case these flags forbid.
    this.writeFlagsFile();
    const waiting = new Set(this.sockets);
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
      this.pendingAcks.set(nonce, { sockets: waiting, done: finish });
      const line = this.stateLine(nonce);
      for (const socket of waiting) {
        socket.write(line);
      }
    });
    this.pendingAcks.delete(nonce);
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) {
      socket.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setNoDelay?.(true);
    socket.unref();
    socket.write(this.stateLine());
    socket.on(
      'data',
      createLineDecoder<WorkerLine>((line) => this.receive(socket, line)),
    );
    const forget = (): void => {
      this.sockets.delete(socket);
      for (const [nonce] of this.pendingAcks) {
        this.acknowledge(socket, nonce);
      }
    };
    socket.on('close', forget);
    socket.on('error', forget);
  }

  private receive(socket: net.Socket, line: WorkerLine): void {
    if (line.t === 'running') {
      this.onRunning(line.running);
      return;
    }
    if (line.running.length > 0) {
      this.onRunning(line.running);
    }
    this.acknowledge(socket, line.nonce);
  }

  private acknowledge(socket: net.Socket, nonce: string): void {
    const pending = this.pendingAcks.get(nonce);
    if (pending && pending.sockets.delete(socket) && pending.sockets.size === 0) {
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

  private stateLine(nonce?: string): string {
    const line: StateLine = { t: 'state', ...this.flags, ...(nonce ? { nonce } : {}) };
    return `${JSON.stringify(line)}\n`;
  }
}
