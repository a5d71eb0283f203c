import path from 'node:path';
import { defineConfig } from 'rolldown';

/**
 * The two programs trc loads into every Vitest run, each bundled into one file after `tsc`
 * has compiled the tree (overwriting tsc's output of the same name):
 * - the launcher, with the reporter, in the Vitest main process;
 * - trc's test runner in each test worker.
 * Node loads a module graph file by file; as one file each loads in about half the time, and
 * a test worker's load sits between its start and its first test case.
 */
const entry = (name, output = {}) =>
  defineConfig({
    input: `runner-plugin/${name}.ts`,
    platform: 'node',
    // Packages (vitest, node builtins) stay imports: the project's own copies must be used.
    external: (id) => !id.startsWith('.') && !path.isAbsolute(id),
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
    output: {
      file: `dist/runner-plugin/${name}.js`,
      format: 'esm',
      sourcemap: true,
      codeSplitting: false,
      ...output,
    },
  });

/**
 * Each of a suite's test workers compiles trc's runner afresh: without its comments and spaces it
 * is half the size. Names stay as written (no mangling), so a stack trace still names trc's
 * functions, but its positions point into a few long lines (the shim that carries the runner
 * inline has no source map).
 */
const compact = { minify: { compress: false, mangle: false } };

export default [entry('launcher'), entry('worker-runner', compact)];
