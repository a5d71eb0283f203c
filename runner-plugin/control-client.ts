import type { Socket } from 'node:net';
import type { ControlFlags } from '../src/runner/env-contract.js';
import {
  createLineDecoder,
  decodeIpcMessage,
  encodeIpcMessage,
  type RunningCase,
  type StateLine,
  type WorkerLine,
} from './control-protocol.js';
import { getBuiltin } from './worker-builtins.js';

/** A case still running this long after its start is reported to the main process. */
const REPORT_RUNNING_AFTER_MS = 2;

/** What the client reads of a Vitest test task: its id, trace id and whether it is still running. */
export interface InFlightCase {
  id: string;
  mode: string;
  meta: { traceId?: unknown };
  /**
   * Set by Vitest as the case starts (`run`, with its start time). Its state turns `pass` or `fail`
   * when the body returns, but `duration` is set only once the case's hooks and cleanup are done.
   */
  result?: { state: string; startTime?: number; duration?: number };
}

/** True until the case's very end (after afterEach and teardown), and false for a case Vitest skipped after all. */
function isRunning(task: InFlightCase): boolean {
  return (task.mode === 'run' || task.mode === 'queued') && task.result?.duration === undefined;
}

/** A forked test worker's IPC channel to the Vitest main process. */
export interface IpcPort {
  send(message: Uint8Array): void;
  onMessage(listener: (message: unknown) => void): void;
  onDisconnect(listener: () => void): void;
}

/** A worker that said hello on its IPC channel and got no state this long after runs without control. */
const IPC_ANSWER_TIMEOUT_MS = 5000;

/**
 * A test worker's end of the control channel. Flags live in memory and change by push from
 * the Vitest main process, so checking them before a test case costs no round trip. The channel
 * is the worker's own IPC channel where it has one and the main process listens there (cheaper for
 * a fresh worker than a socket's first use), else a socket.
 *
 * The worker's runner opens the channel as it starts and starts no case before the first state
 * arrives. Until then, the flags file the main process keeps can tell it to skip a file (never to
 * start a case: a worker the main process does not know of could start one after a pause or
 * cancel was answered).
 */
export class ControlClient {
  paused = false;
  cancelled = false;
  reason = '';
  /** True once the first state arrived over the channel (or the channel is gone): the flags are live. */
  isReady = false;
  readonly ready: Promise<void>;
  /**
   * Cases this worker started and has not seen end. A case's own result tells when it ended, so
   * the runner needs no hook after each case: ended ones are dropped whenever the list is read.
   */
  private inFlight: InFlightCase[] = [];
  /** Cases in flight the main process has been told about. */
  private readonly reported = new WeakSet<InFlightCase>();
  private reportTimer: NodeJS.Timeout | null = null;
  private socket: Socket | null = null;
  private isIpcOpen = false;
  private waiters: Array<() => void> = [];
  private markReady!: () => void;

  /**
   * @param socketPath the main process's control socket
   * @param flagsFile the file where the main process keeps the flags it last pushed, if any
   * @param ipc the worker's IPC channel, when the main process listens on it instead of the socket
   * @param ipcAnswerTimeoutMs how long a hello on the IPC channel may go unanswered
   */
  constructor(
    private readonly socketPath: string,
    private readonly flagsFile?: string,
    private readonly ipc?: IpcPort,
    private readonly ipcAnswerTimeoutMs = IPC_ANSWER_TIMEOUT_MS,
  ) {
    this.ready = new Promise((resolve) => {
      this.markReady = () => {
        this.isReady = true;
        resolve();
      };
    });
  }

  get isConnected(): boolean {
    return this.socket !== null || this.isIpcOpen;
  }

  /** Open the channel (once); `ready` resolves when the first state arrives. */
  connect(): Promise<void> {
    if (this.isConnected) {
      return this.ready;
    }
    if (this.ipc) {
      this.isIpcOpen = true;
      this.ipc.onMessage((message) => {
        const line = decodeIpcMessage<StateLine>(message);
        if (line?.t === 'state') {
          this.apply(line);
        }
      });
      this.ipc.onDisconnect(() => this.release());
      const unanswered = setTimeout(() => this.release(), this.ipcAnswerTimeoutMs);
      unanswered.unref();
      void this.ready.then(() => clearTimeout(unanswered));
      this.send({ t: 'hello' });
      return this.ready;
    }
    const socket = getBuiltin('node:net').connect(this.socketPath);
    this.socket = socket;
    socket.setNoDelay?.(true);
    socket.on(
      'data',
      createLineDecoder<StateLine>((line) => this.apply(line)),
    );
    socket.on('error', () => this.release());
    socket.on('close', () => this.release());
    socket.unref();
    return this.ready;
  }

  /** A lost channel must never hang the run: behave as if no control existed. */
  private release(): void {
    this.paused = false;
    this.markReady();
    this.wake();
  }

  /**
   * Take the flags from the main process's file, without connecting. False when there is no such
   * file or it could not be read whole (it is being replaced): the caller then connects.
   */
  readFlagsFile(): boolean {
    if (!this.flagsFile) {
      return false;
    }
    let flags: Partial<ControlFlags>;
    try {
      flags = JSON.parse(getBuiltin('node:fs').readFileSync(this.flagsFile, 'utf8')) as Partial<ControlFlags>;
    } catch {
      return false;
    }
    if (typeof flags.paused !== 'boolean' || typeof flags.cancelled !== 'boolean') {
      return false;
    }
    this.paused = flags.paused;
    this.cancelled = flags.cancelled;
    this.reason = typeof flags.reason === 'string' ? flags.reason : '';
    return true;
  }

  /** Resolve at the next state change. */
  waitForChange(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  caseStarted(task: InFlightCase): void {
    // A case that already failed (in a beforeAll) is reported by Vitest without running.
    if (task.result && task.result.state !== 'run' && task.result.state !== 'queued') {
      return;
    }
    this.inFlight.push(task);
    this.reportTimer ??= setTimeout(() => this.reportRunning(), REPORT_RUNNING_AFTER_MS).unref();
  }

  /** The cases still running, with ended ones dropped from the list. */
  private takeRunning(): InFlightCase[] {
    this.inFlight = this.inFlight.filter(isRunning);
    return this.inFlight;
  }

  /** Name the cases running for REPORT_RUNNING_AFTER_MS or more; look again for the younger ones. */
  private reportRunning(): void {
    this.reportTimer = null;
    const now = Date.now();
    const due: RunningCase[] = [];
    let youngest = Infinity;
    for (const task of this.takeRunning()) {
      if (this.reported.has(task)) {
        continue;
      }
      const startedAt = task.result?.startTime ?? now;
      if (now - startedAt >= REPORT_RUNNING_AFTER_MS) {
        due.push(describeCase(task));
        this.reported.add(task);
      } else {
        youngest = Math.min(youngest, startedAt);
      }
    }
    if (due.length > 0) {
      this.send({ t: 'running', running: due });
    }
    if (youngest !== Infinity) {
      const wait = Math.max(1, youngest + REPORT_RUNNING_AFTER_MS - now);
      this.reportTimer = setTimeout(() => this.reportRunning(), wait).unref();
    }
  }

  /** Send a line, connecting first if need be (a socket holds what is written before it connects). */
  send(line: WorkerLine): void {
    void this.connect();
    if (this.ipc) {
      this.ipc.send(encodeIpcMessage(line));
    } else if (this.socket && !this.socket.destroyed) {
      this.socket.write(`${JSON.stringify(line)}\n`);
    }
  }

  private apply(line: StateLine): void {
    this.paused = line.paused;
    this.cancelled = line.cancelled;
    this.reason = line.reason;
    if (line.nonce) {
      const running = this.takeRunning();
      for (const task of running) {
        this.reported.add(task);
      }
      this.send({ t: 'ack', nonce: line.nonce, running: running.map(describeCase) });
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

function describeCase(task: InFlightCase): RunningCase {
  return { id: task.id, trace: typeof task.meta.traceId === 'string' ? task.meta.traceId : '' };
}
