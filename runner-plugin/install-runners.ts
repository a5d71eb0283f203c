import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { RunnerSources } from '../src/runner/runner-sources.js';

/** The slice of a Vitest project the installer changes. */
interface ProjectLike {
  config: { runner?: string };
}

/** The lines of a runner shim: the base class, `updateTask` where there is one, trc's runner on top. */
function writeShim(file: string, baseImport: string, trcRunner: string, runnerUrl: string | null): void {
  const lines = runnerUrl
    ? [
        baseImport,
        `import { updateTask } from ${JSON.stringify(runnerUrl)};`,
        trcRunner,
        'export default createTrcRunner(BaseRunner, { updateTask });',
      ]
    : [baseImport, trcRunner, 'export default createTrcRunner(BaseRunner);'];
  writeFileSync(file, `${lines.join('\n')}\n`);
}

const TRC_RUNNER_FILE = fileURLToPath(new URL('./worker-runner.js', import.meta.url));

/** How the bundle of trc's runner ends: its one export (on the last line of code, which is compact). */
const RUNNER_EXPORT = /export\s*\{\s*createTrcRunner\s*\};?[ \t]*$/m;

/**
 * trc's runner as lines for a shim: its bundle's code itself, so that a test worker loads one
 * module instead of two (a module costs a fresh worker about a millisecond), or, when the file is
 * not that bundle (it imports modules of its own), an import of it.
 */
export function inlineTrcRunner(file: string = TRC_RUNNER_FILE): string {
  const importIt = `import { createTrcRunner } from ${JSON.stringify(pathToFileURL(file).href)};`;
  let code: string;
  try {
    code = readFileSync(file, 'utf8');
  } catch {
    return importIt;
  }
  if (!RUNNER_EXPORT.test(code) || /\bfrom\s*["']\./.test(code)) {
    return importIt;
  }
  return code.replace(RUNNER_EXPORT, '').replace(/^\/\/# sourceMappingURL=.*$/m, '');
}

/**
 * The folder for the default runner shim. Inside a `node_modules` folder, so that Vite would
 * import it natively instead of transforming it; and, on POSIX, under a path that contains the
 * Vitest's own `dist` path: its workers import any such module natively without asking the main
 * process about it first (a round trip per worker, and work for Vite there).
 */
function defaultShimDir(nativeDir: string, vitestDistDir: string): string {
  return process.platform === 'win32' ? nativeDir : path.join(nativeDir, 'vitest', vitestDistDir);
}

/** Where installRunners writes its modules: a `node_modules` folder in the run's work folder. */
function nativeDirOf(workDir: string): string {
  return path.join(workDir, 'node_modules', 'trc-runner');
}

/**
 * Where installRunners writes the default shim, for projects without a runner of their own. The
 * launcher resolves this path for Vite itself (each test worker asks the main process to resolve
 * its runner, and Vite's own resolver would look the file up on disk every time).
 */
export function defaultShimFile(workDir: string, sources: Pick<RunnerSources, 'vitestDistDir'>): string {
  return path.join(defaultShimDir(nativeDirOf(workDir), sources.vitestDistDir), 'default-runner.mjs');
}

/**
 * Make the default shim's folder ahead of installRunners, asynchronously (it is some twenty levels
 * deep). A failure is left for installRunners to meet and report.
 */
export async function prepareDefaultShimDir(workDir: string, sources: RunnerSources): Promise<void> {
  await mkdir(path.dirname(defaultShimFile(workDir, sources)), { recursive: true }).catch(() => undefined);
}

/** The shim for projects without a runner of their own: the Vitest's runner with trc's inline. */
function writeDefaultShim(workDir: string, trcRunnerFile: string, sources: RunnerSources): string {
  const file = defaultShimFile(workDir, sources);
  mkdirSync(path.dirname(file), { recursive: true });
  writeShim(file, sources.baseRunnerImport, inlineTrcRunner(trcRunnerFile), sources.vitestRunnerUrl);
  return file;
}

/** A module that passes trc's runner on, for shims Vite transforms (it leaves node_modules alone). */
function writeBridge(nativeDir: string, trcRunnerFile: string): string {
  mkdirSync(nativeDir, { recursive: true });
  const file = path.join(nativeDir, 'trc.mjs');
  writeFileSync(
    file,
    `export { createTrcRunner } from ${JSON.stringify(pathToFileURL(trcRunnerFile).href)};\n`,
  );
  return file;
}

/**
 * Point every project's `runner` at a generated module whose default export is trc's runner
 * extending the project's own base: the user's custom runner when it has one, else the
 * Vitest TestRunner of the Vitest that runs the project.
 *
 * The default shim sits in a `node_modules` folder and carries trc's runner inline (see
 * defaultShimDir and inlineTrcRunner): a test worker pays for one small native module. A shim
 * that wraps a user's runner sits outside it, so that Vite transforms the user's (often
 * TypeScript) file, and imports trc's runner through a bridge that Vite leaves alone.
 */
export function installRunners(
  projects: readonly ProjectLike[],
  options: { workDir: string; trcRunnerFile?: string } & RunnerSources,
): void {
  const trcRunnerFile = options.trcRunnerFile ?? TRC_RUNNER_FILE;
  const nativeDir = nativeDirOf(options.workDir);
  // Each file is written once, and only when a project uses it.
  let defaultShim: string | undefined;
  let bridge: string | undefined;
  projects.forEach((project, index) => {
    const userRunner = project.config.runner;
    if (!userRunner) {
      defaultShim ??= writeDefaultShim(options.workDir, trcRunnerFile, options);
      project.config.runner = defaultShim;
      return;
    }
    bridge ??= writeBridge(nativeDir, trcRunnerFile);
    const shim = path.join(options.workDir, `user-runner-${index}.mjs`);
    writeShim(
      shim,
      `import BaseRunner from ${JSON.stringify(userRunner)};`,
      `import { createTrcRunner } from ${JSON.stringify(bridge)};`,
      options.vitestRunnerUrl && fileURLToPath(options.vitestRunnerUrl),
    );
    project.config.runner = shim;
  });
}
