import type * as fs from 'node:fs';
import type * as net from 'node:net';

/**
 * The Node built-ins that trc's code in a test worker uses, each taken when first needed. A static
 * `import` of a built-in costs every fresh worker the ES module facade Node builds for it (about
 * 0.2 ms each, in each of a suite's hundreds of workers), and the socket module is needed only by
 * a worker that connects. `process.getBuiltinModule` (Node ≥ 20.16) returns the module without
 * one; an older Node, which Vitest 3.2 still runs on, imports both once as the module loads.
 */
interface WorkerBuiltins {
  'node:fs': typeof fs;
  'node:net': typeof net;
}

const preloaded: WorkerBuiltins | null =
  typeof process.getBuiltinModule === 'function'
    ? null
    : { 'node:fs': await import('node:fs'), 'node:net': await import('node:net') };

export function builtin<Name extends keyof WorkerBuiltins>(name: Name): WorkerBuiltins[Name] {
  return preloaded ? preloaded[name] : (process.getBuiltinModule(name) as WorkerBuiltins[Name]);
}
