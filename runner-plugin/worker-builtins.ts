import type * as fs from 'node:fs';
import type * as net from 'node:net';

/** The Node built-ins that trc's code in a test worker uses. */
interface WorkerBuiltins {
  'node:fs': typeof fs;
  'node:net': typeof net;
}

/**
 * Taken once as the module loads: a test may stub the global `process` later (`vi.stubGlobal`).
 * `process.getBuiltinModule` is in Node 20.16+ and 22.3+.
 */
const getBuiltinModule =
  typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule.bind(process) : null;

/**
 * On a Node without `getBuiltinModule` (Vitest 3.2 still runs on 18), both modules are imported
 * once as this module loads. The top-level await makes trc's runner an async module on every Node:
 * it can be imported, never `require`d, which is how Vitest loads a runner.
 */
const preloaded: WorkerBuiltins | null = getBuiltinModule
  ? null
  : { 'node:fs': await import('node:fs'), 'node:net': await import('node:net') };

/**
 * Get a Node built-in for trc's code in a test worker, when it is first needed. A static `import` of
 * a built-in costs every fresh worker the ES module facade Node builds for it (about 0.2 ms each,
 * in each of a suite's hundreds of workers), and the socket module is needed only by a worker that
 * connects.
 */
export function getBuiltin<Name extends keyof WorkerBuiltins>(name: Name): WorkerBuiltins[Name] {
  return preloaded ? preloaded[name] : (getBuiltinModule?.(name) as WorkerBuiltins[Name]);
}
