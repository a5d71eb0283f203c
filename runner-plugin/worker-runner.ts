import { WORKER_FLAGS_ENV, WORKER_IPC_ENV, WORKER_SOCKET_ENV } from '../src/runner/env-contract.js';
import { ControlClient, type IpcPort } from './control-client.js';
import { deriveTraceIds, getTraceState } from './trace-state.js';

/** The slice of Vitest's task objects the runner touches (stable across Vitest 3.2–5). */
interface RunnerTask {
  id: string;
  mode: string;
  meta: Record<string, unknown>;
  result?: { state: string; note?: string } & Record<string, unknown>;
  file?: RunnerTask;
}

/** `updateTask` of the project's own `@vitest/runner` (the instance the worker runs). */
export type UpdateTask = (event: string, task: RunnerTask, runner: unknown) => void;

export interface TrcRunnerOptions {
  updateTask?: UpdateTask;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mixins need a rest-any constructor
type RunnerClass = new (...args: any[]) => {
  onBeforeRunTask?(task: RunnerTask): unknown;
  onCollectStart?(file: RunnerTask): unknown;
  importFile(filepath: string, source: string): unknown;
  config: { passWithNoTests?: boolean };
  cancel?(reason: unknown): unknown;
};

/**
 * Longest stretch of cases a worker runs without letting pushed control messages in. Only
 * cases that never await anything need it (others let messages in by themselves); each such
 * pause also lets Vitest send the results it holds, so a short stretch multiplies its traffic.
 * A pause or cancel call on a run of purely synchronous cases answers within about this long.
 */
const MAX_MS_WITHOUT_YIELD = 200;

/** Once paused this long, a worker nudges Vitest to send the results it still holds. */
const FLUSH_RESULTS_AFTER_MS = 120;

/** An event name Vitest's main process does not act on: it only carries the held results along. */
const FLUSH_EVENT = 'trc-flush';

let client: ControlClient | null | undefined;

/**
 * The worker's IPC channel, where the main process listens there and the worker is a forked
 * process. Taken as the module loads: test code may stub `process` later.
 */
const ipcPort = ((): IpcPort | undefined => {
  if (process.env[WORKER_IPC_ENV] !== '1' || typeof process.send !== 'function') {
    return undefined;
  }
  // The Buffer of the channel's realm (a Vitest vm pool runs this module in a context of its own).
  // Vitest 4.0 and later, the only ones that set the variable, need a node that has getBuiltinModule.
  const Buffer = process.getBuiltinModule?.('node:buffer').Buffer;
  if (!Buffer) {
    return undefined;
  }
  const send = process.send.bind(process);
  const on = process.on.bind(process);
  const ignoreError = (): void => undefined;
  return {
    // With a callback, a closed channel is the callback's error, not the process's.
    send: (bytes) =>
      send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), undefined, undefined, ignoreError),
    onMessage: (listener) => on('message', listener),
    onDisconnect: (listener) => on('disconnect', listener),
  };
})();

/** Where a worker keeps its one client: a vm pool loads this module again for each test file. */
const CLIENT_KEY = Symbol.for('trc.control-client');

function getClient(): ControlClient | null {
  if (client === undefined) {
    const shared = process as unknown as Record<symbol, ControlClient | null | undefined>;
    const socketPath = process.env[WORKER_SOCKET_ENV];
    client = shared[CLIENT_KEY] ??= socketPath
      ? new ControlClient(socketPath, process.env[WORKER_FLAGS_ENV], ipcPort)
      : null;
  }
  return client;
}

let lastYield = Date.now();

const traceState = getTraceState();

/** True when a run of synchronous-looking cases has kept the event loop from taking in pushed flags. */
function isOverdueForYield(): boolean {
  // Date.now, not performance.now: a tenth of its cost per case while the JIT is cold. A clock set
  // back counts as overdue, so it can never hold flags out.
  const elapsed = Date.now() - lastYield;
  return elapsed >= MAX_MS_WITHOUT_YIELD || elapsed < 0;
}

/**
 * Let pushed flags in, and wait while paused. Vitest throttles result updates from a worker and,
 * when its trailing timer fires exactly on the interval, keeps the last results until the next
 * update: while paused there is none, so the cases that finished before the pause would look
 * still running. A no-op update after a moment makes Vitest send them.
 */
async function waitUntilRunnable(control: ControlClient, flush: () => void): Promise<void> {
  await control.connect();
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastYield = Date.now();
  if (!control.paused || control.cancelled) {
    return;
  }
  const timer = setTimeout(flush, FLUSH_RESULTS_AFTER_MS);
  try {
    while (control.paused && !control.cancelled) {
      await control.waitForChange();
    }
  } finally {
    clearTimeout(timer);
  }
}

/** The run's trace-id function, made when a trace id is first read (a worker's tests may never read one). */
let traceIdFor: ((caseId: string) => string) | undefined;

/** Where a case's meta keeps its case id for the trace-id getter (symbols never leave the worker). */
const CASE_ID = Symbol('trc.caseId');

/** One accessor shared by every case: a closure and a descriptor per case cost more than the rest of the hook. */
const TRACE_ID_PROPERTY: PropertyDescriptor = {
  get(this: Record<symbol, string | undefined>): string {
    traceIdFor ??= deriveTraceIds(traceState.runId);
    return traceIdFor(this[CASE_ID] ?? '');
  },
  enumerable: false,
  configurable: true,
};

/**
 * Give the case its trace id in `task.meta.traceId`, where test code reads it. Derived when read,
 * and not enumerable: Vitest sends a task's meta to its main process with every result, and the
 * main process and the daemon derive the same id from the run and case ids themselves.
 */
function setTraceId(task: RunnerTask): void {
  (task.meta as Record<symbol, string>)[CASE_ID] = task.id;
  Object.defineProperty(task.meta, 'traceId', TRACE_ID_PROPERTY);
}

/**
 * Extend the project's own Vitest runner (or the user's custom runner) so that, before each
 * test case, a paused run waits, a cancelled run skips the case, and every case gets a trace id.
 * Waiting here is outside every test and hook timeout.
 */
export function createTrcRunner<T extends RunnerClass>(Base: T, options: TrcRunnerOptions = {}): T {
  const { updateTask } = options;
  class TrcRunner extends Base {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- mixins need a rest-any constructor
    constructor(...args: any[]) {
      super(...args);
      // Connect now, so the handshake overlaps collecting the file instead of delaying its first case.
      void getClient()?.connect();
      // While files run, Vitest wraps `cancel` so that a cancelled run marks the cases in flight as
      // skipped and aborts their signal. Under trc those cases run to the end and the flags skip the
      // rest, so the runner keeps its own `cancel` and ignores the wrapper.
      const cancel = (reason: unknown): unknown =>
        (Base.prototype as InstanceType<T>).cancel?.call(this, reason);
      Object.defineProperty(this, 'cancel', { get: () => cancel, set: () => undefined, configurable: true });
    }

    /** The file being collected: Vitest collects a worker's files one at a time. */
    private collecting: RunnerTask | null = null;

    override onCollectStart(file: RunnerTask): unknown {
      this.collecting = file;
      return super.onCollectStart?.(file);
    }

    /**
     * Leave a test file unloaded when the run was cancelled while its worker was starting or
     * running setup files: none of its code runs and the run ends sooner. Vitest reports the
     * file as skipped (not as a file without a suite), and trc lists it as not run.
     */
    override importFile(filepath: string, source: string): unknown {
      const control = getClient();
      const isCancelled =
        control !== null && (control.isReady || control.readFlagsFile()) && control.cancelled;
      if (source === 'collect' && isCancelled && this.collecting) {
        this.collecting.mode = 'skip';
        // This worker only skips from now on: no file of the run may fail for having no tests.
        this.config.passWithNoTests = true;
        return Promise.resolve();
      }
      return super.importFile(filepath, source);
    }

    override onBeforeRunTask(task: RunnerTask): unknown {
      const control = getClient();
      // The common case stays synchronous: no await per test case unless there is a reason to wait.
      // A case starts only on pushed flags: the main process answers a pause or cancel once every
      // connected worker has applied it, and a worker that started a case on the flags file could
      // still be on its way to the case's body when that answer goes out.
      if (control && (!control.isReady || control.paused || isOverdueForYield())) {
        const flush = (): void => updateTask?.(FLUSH_EVENT, task.file ?? task, this);
        return waitUntilRunnable(control, flush).then(() => this.startCase(task, control));
      }
      return this.startCase(task, control);
    }

    startCase(task: RunnerTask, control: ControlClient | null): unknown {
      setTraceId(task);
      const runnable = task.mode === 'run' || task.mode === 'queued';
      if (control?.cancelled && runnable) {
        task.mode = 'skip';
        task.result = { state: 'skip', note: control.reason };
      } else if (control && runnable) {
        control.caseStarted(task);
      }
      // Per case, only this hook: every other one Vitest awaits, even when it does nothing.
      traceState.current = task;
      return super.onBeforeRunTask?.(task);
    }
  }
  return TrcRunner;
}
