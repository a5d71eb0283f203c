/**
 * Entry point of the Vitest child: `node dist/runner-plugin/launcher.js`, with TRC_CHILD_CONFIG
 * set. It runs the project's own Vitest in this process (so the child's pid is Vitest's) and
 * adds trc's reporter beside the user's reporters, leaving their config untouched.
 */
import { appendFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Vitest } from 'vitest/node';
import {
  CHILD_ENV,
  controlFlagsFile,
  WORKER_LOGS_ENV,
  WORKER_RUN_ID_ENV,
  WORKER_FLAGS_ENV,
  WORKER_IPC_ENV,
  WORKER_SOCKET_ENV,
  type ChildConfig,
  type StandbyReady,
  type StandbyStart,
} from '../src/runner/env-contract.js';
import { DaemonLink } from './daemon-link.js';
import { defaultShimFile } from './install-runners.js';
import type { TrcReporter } from './reporter.js';

type CreateVitest = (
  mode: 'test',
  options: Record<string, unknown>,
  viteOverrides?: Record<string, unknown>,
) => Promise<Vitest>;

const API_PATH = fileURLToPath(new URL('./api.js', import.meta.url));
const API_SPECIFIER = 'trc/runner-plugin';

/**
 * Resolves `trc/runner-plugin` in test code to trc's API, without the project installing trc, and
 * the default runner shim to itself: each test worker of Vitest 4.0 to 5 asks the main process to
 * resolve its runner, which Vite's own resolver would look up on disk every time. The hook runs
 * first (`order: 'pre'`): on Vite 8 (under Vitest 4.1 and 5 here) the builtin resolvers before it
 * answered from native code, asynchronously, two round trips per worker. A Vite that knows hook
 * filters (7 and 8 here) does not call it for other ids.
 */
function createResolvePlugin(defaultShim: string) {
  return {
    name: 'trc:resolve',
    enforce: 'pre',
    resolveId: {
      order: 'pre',
      filter: { id: [exactly(API_SPECIFIER), exactly(defaultShim)] },
      handler: (id: string) => (id === API_SPECIFIER ? API_PATH : id === defaultShim ? defaultShim : null),
    },
  };
}

/** Matches `text` alone, with either path separator: Vite tests a filter on the id with `/` only. */
function exactly(text: string): RegExp {
  const parts = text.split(/[\\/]/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('[\\\\/]')}$`);
}

/**
 * Vitest builds each inline `test.projects` entry from its own config, without the overrides
 * given to the root: hand trc's resolve plugin to each of them too.
 */
function createProjectsPlugin(resolvePlugin: ReturnType<typeof createResolvePlugin>) {
  return {
    name: 'trc:projects',
    enforce: 'pre',
    config(config: { test?: { projects?: unknown[] } }) {
      const projects = config.test?.projects;
      if (!Array.isArray(projects)) {
        return;
      }
      config.test = {
        ...config.test,
        projects: projects.map((project) =>
          isPlainObject(project)
            ? { ...project, plugins: [...((project.plugins as unknown[]) ?? []), resolvePlugin] }
            : project,
        ),
      };
    },
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}

function readConfig(): ChildConfig {
  const raw = process.env[CHILD_ENV.config];
  if (!raw) {
    throw new Error(`${CHILD_ENV.config} is not set: this program is started by trc`);
  }
  return JSON.parse(raw) as ChildConfig;
}

/** On Windows with its own console window, the child's output reaches no pipe: copy it to run.log. */
function teeOutput(file: string): void {
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      appendFileSync(file, typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array));
      return write(chunk, ...rest);
    }) as typeof stream.write;
  }
}

async function connectReporter(config: ChildConfig, daemon: DaemonLink): Promise<TrcReporter> {
  const { TrcReporter } = await import('./reporter.js');
  const reporter = new TrcReporter(config, daemon);
  await reporter.connect();
  return reporter;
}

async function main(): Promise<void> {
  const config = readConfig();
  const tee = process.env[CHILD_ENV.teeLog];
  if (tee) {
    teeOutput(tee);
  }
  process.env[WORKER_SOCKET_ENV] = config.controlSocket;
  process.env[WORKER_FLAGS_ENV] = controlFlagsFile(config);
  if (config.runnerSources.isWorkerIpcShared) {
    process.env[WORKER_IPC_ENV] = '1';
  }
  process.env[WORKER_LOGS_ENV] = config.logsDir;
  process.env[WORKER_RUN_ID_ENV] = config.runId;
  process.env.TEST = 'true';
  process.env.VITEST = 'true';
  process.env.NODE_ENV ??= 'test';

  const daemon = new DaemonLink();
  // While Vitest loads, trc's reporter loads too and takes the run's flags from the daemon.
  const [{ createVitest }, reporter] = await Promise.all([
    import(pathToFileURL(config.vitestNodeEntry).href) as Promise<{ createVitest: CreateVitest }>,
    connectReporter(config, daemon),
  ]);
  const resolvePlugin = createResolvePlugin(defaultShimFile(config.workDir, config.runnerSources));
  let vitest: Vitest | null = null;
  try {
    vitest = await createVitest(
      'test',
      {
        run: true,
        watch: false,
        root: config.projectRoot,
        ...(config.testNamePattern ? { testNamePattern: config.testNamePattern } : {}),
        ...(config.vitestProject ? { project: [config.vitestProject] } : {}),
      },
      { plugins: [resolvePlugin, createProjectsPlugin(resolvePlugin)] },
    );
    (vitest as unknown as { reporters: unknown[] }).reporters.push(reporter);
    await vitest.start(config.files);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const notFound = error instanceof Error && error.name === 'FilesNotFoundError';
    reporter.recordStartupError(notFound ? 'No test files found' : message);
    if (!notFound) {
      console.error(error);
    }
    process.exitCode = 1;
  } finally {
    await vitest?.close().catch((error: unknown) => console.error(error));
    await reporter.close();
  }
  process.exit(process.exitCode ?? 0);
}

/**
 * A launcher started ahead of its run (TRC_STANDBY): it loads trc's side of the child while the
 * machine is idle, waits for the daemon to hand it a run, takes on that run's environment and cwd,
 * and goes on as a launcher spawned for the run would. The daemon only hands it a run whose
 * environment agrees on what node read as it started (NODE_OPTIONS and the like).
 */
async function standBy(): Promise<void> {
  const exitIfOrphaned = (): void => process.exit(0);
  process.once('disconnect', exitIfOrphaned);
  const started = new Promise<StandbyStart>((resolve) => {
    const take = (message: StandbyStart): void => {
      if (message?.t === 'start') {
        process.off('message', take);
        resolve(message);
      }
    };
    process.on('message', take);
  });
  await import('./reporter.js');
  process.send?.({ t: 'standby-ready' } satisfies StandbyReady);
  const { env, cwd } = await started;
  process.off('disconnect', exitIfOrphaned);
  for (const name of Object.keys(process.env)) {
    if (!Object.hasOwn(env, name)) {
      delete process.env[name];
    }
  }
  Object.assign(process.env, env);
  process.chdir(cwd);
  await main();
}

(process.env[CHILD_ENV.standby] ? standBy() : main()).catch((error: unknown) => {
  console.error('[trc] the Vitest child could not start:', error);
  process.exit(1);
});
