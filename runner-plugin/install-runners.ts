import { mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The slice of a Vitest project the installer changes. */
interface ProjectLike {
  config: { runner?: string };
}

/** Where the runner's pieces come from in the Vitest that runs the project. */
export interface RunnerSources {
  /** An import statement that binds `BaseRunner` to the project's Vitest runner class. */
  baseRunnerImport: string;
  /**
   * file: URL of the project's `@vitest/runner`, the instance its workers use, for its `updateTask`.
   * Null from Vitest 5 on: the runner is bundled into `vitest` and its result throttle no longer
   * holds results back, so no nudge is needed.
   */
  vitestRunnerUrl: string | null;
  /** Real path of the Vitest's `dist` folder, as its test workers see it. */
  vitestDistDir: string;
}

/**
 * Find the runner class of the project's Vitest and, where it is a package of its own, `@vitest/runner`.
 * The class is `TestRunner` from `vitest` since 4.1 and `VitestTestRunner` from `vitest/runners`
 * before (5 has no `vitest/runners`); only the entry the version has is read, and the module it
 * takes the class from is imported.
 */
export function findRunnerSources(vitestPackageDir: string): RunnerSources {
  const { version } = JSON.parse(readFileSync(path.join(vitestPackageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const [major = 0, minor = 0] = version.split('.').map(Number);
  const modern = major > 4 || (major === 4 && minor >= 1);
  const entry = path.join(vitestPackageDir, 'dist', modern ? 'index.js' : 'runners.js');
  const { file, binding } = findReexport(entry, modern ? 'TestRunner' : 'VitestTestRunner');
  return {
    baseRunnerImport: `import { ${binding} as BaseRunner } from ${JSON.stringify(pathToFileURL(file).href)};`,
    vitestRunnerUrl: major >= 5 ? null : findRunnerPackage(vitestPackageDir),
    vitestDistDir: realDir(path.join(vitestPackageDir, 'dist')),
  };
}

/**
 * Where an entry module's export `name` is defined, when the entry only passes it on from one of
 * Vitest's chunks (`export { V as VitestTestRunner } from './chunks/test.<hash>.js'`), else the entry.
 * A test worker has that chunk loaded already; `vitest/runners` itself would cost it the resolution
 * of some twenty imports, a few milliseconds of every worker of a suite of many small files.
 */
export function findReexport(entry: string, name: string): { file: string; binding: string } {
  let source: string;
  try {
    source = readFileSync(entry, 'utf8');
  } catch {
    return { file: entry, binding: name };
  }
  for (const [, names = '', from = ''] of source.matchAll(
    /export\s*\{([^}]*)\}\s*from\s*['"](\.[^'"]+)['"]/g,
  )) {
    for (const part of names.split(',')) {
      // `V as VitestTestRunner`: the chunk exports the class as `V`.
      const [imported, exported = imported] = part.trim().split(/\s+as\s+/);
      if (exported === name && imported && /^[\w$]+$/.test(imported)) {
        return { file: path.resolve(path.dirname(entry), from), binding: imported };
      }
    }
  }
  return { file: entry, binding: name };
}

function realDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return dir;
  }
}

function findRunnerPackage(vitestPackageDir: string): string | null {
  try {
    const require = createRequire(path.join(vitestPackageDir, 'package.json'));
    return pathToFileURL(require.resolve('@vitest/runner')).href;
  } catch {
    return null;
  }
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

/** How the bundle of trc's runner ends: its one export. */
const RUNNER_EXPORT = /^export \{ createTrcRunner \};\n?/m;

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

/** The shim for projects without a runner of their own: the Vitest's runner with trc's inline. */
function writeDefaultShim(nativeDir: string, trcRunnerFile: string, sources: RunnerSources): string {
  const dir = defaultShimDir(nativeDir, sources.vitestDistDir);
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'default-runner.mjs');
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
  const nativeDir = path.join(options.workDir, 'node_modules', 'trc-runner');
  // Each file is written once, and only when a project uses it.
  let defaultShim: string | undefined;
  let bridge: string | undefined;
  projects.forEach((project, index) => {
    const userRunner = project.config.runner;
    if (!userRunner) {
      defaultShim ??= writeDefaultShim(nativeDir, trcRunnerFile, options);
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
