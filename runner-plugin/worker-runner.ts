import { ControlClient } from './control-client.js';
import { createTraceId, getTraceState } from './trace-state.js';

/** The slice of Vitest's task objects the runner touches (stable across Vitest 3.2–5). */
interface RunnerTask {
  id: string;
  type: string;
  mode: string;
  meta: Record<string, unknown>;
  result?: { state: string; note?: string } & Record<string, unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- mixins need a rest-any constructor
type RunnerClass = new (...args: any[]) => {
  onBeforeRunTask?(task: RunnerTask): unknown;
  onAfterRunTask?(task: RunnerTask): unknown;
  onBeforeTryTask?(task: RunnerTask, options?: unknown): unknown;
};

/** Longest stretch of cases a worker runs without letting pushed control messages in. */
const MAX_MS_WITHOUT_YIELD = 4;

let client: ControlClient | null | undefined;

function getClient(): ControlClient | null {
  if (client === undefined) {
    const socketPath = process.env.TRC_CONTROL_SOCKET;
    client = socketPath ? new ControlClient(socketPath) : null;
  }
  return client;
}

let lastYield = performance.now();

/** True when a run of synchronous-looking cases has kept the event loop from taking in pushed flags. */
function isOverdueForYield(): boolean {
  return performance.now() - lastYield >= MAX_MS_WITHOUT_YIELD;
}

async function waitUntilRunnable(control: ControlClient): Promise<void> {
  await control.ready;
  await new Promise<void>((resolve) => setImmediate(resolve));
  lastYield = performance.now();
  while (control.paused && !control.cancelled) {
    await control.waitForChange();
  }
}

/**
 * Extend the project's own Vitest runner (or the user's custom runner) so that, before each
 * test case, a paused run waits, a cancelled run skips the case, and every case gets a trace id.
 * Waiting here is outside every test and hook timeout.
 */
export function createTrcRunner<T extends RunnerClass>(Base: T): T {
  class TrcRunner extends Base {
    override onBeforeRunTask(task: RunnerTask): unknown {
      const control = getClient();
      // The common case stays synchronous: no await per test case unless there is a reason to wait.
      if (control && (!control.isReady || control.paused || isOverdueForYield())) {
        return waitUntilRunnable(control).then(() => this.startCase(task, control));
      }
      return this.startCase(task, control);
    }

    startCase(task: RunnerTask, control: ControlClient | null): unknown {
      task.meta.traceId ??= createTraceId();
      const runnable = task.mode === 'run' || task.mode === 'queued';
      if (control?.cancelled && runnable) {
        task.mode = 'skip';
        task.result = { state: 'skip', note: control.reason };
      } else if (control && runnable) {
        control.caseStarted(task.id, task.meta.traceId as string);
      }
      return super.onBeforeRunTask?.(task);
    }

    override onAfterRunTask(task: RunnerTask): unknown {
      getClient()?.caseEnded(task.id);
      return super.onAfterRunTask?.(task);
    }

    override onBeforeTryTask(task: RunnerTask, options?: unknown): unknown {
      getTraceState().current = task;
      return super.onBeforeTryTask?.(task, options);
    }
  }
  return TrcRunner;
}
