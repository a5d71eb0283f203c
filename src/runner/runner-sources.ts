import { readFileSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseVersion } from './vitest-support.js';

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
  /**
   * Whether trc's control messages may share a forked test worker's IPC channel with Vitest's: from
   * 4.0 on, both ends drop a message that is not Vitest's own (read in 4.0, 4.1 and 5). Not 3.2.
   */
  isWorkerIpcShared: boolean;
}

/**
 * Find the runner class of the project's Vitest and, where it is a package of its own, `@vitest/runner`.
 * The class is `TestRunner` from `vitest` since 4.1 and `VitestTestRunner` from `vitest/runners`
 * before (5 has no `vitest/runners`); only the entry the version has is read, and the module it
 * takes the class from is imported. The daemon finds them once per Vitest install and passes them
 * to the child in its config: in the child's fresh process this took a few milliseconds of start-up.
 */
export function findRunnerSources(
  vitestPackageDir: string,
  version = readVersion(vitestPackageDir),
): RunnerSources {
  const [major, minor] = parseVersion(version);
  const modern = major > 4 || (major === 4 && minor >= 1);
  const entry = path.join(vitestPackageDir, 'dist', modern ? 'index.js' : 'runners.js');
  const { file, binding } = findReexport(entry, modern ? 'TestRunner' : 'VitestTestRunner');
  return {
    baseRunnerImport: `import { ${binding} as BaseRunner } from ${JSON.stringify(pathToFileURL(file).href)};`,
    vitestRunnerUrl: major >= 5 ? null : findRunnerPackage(vitestPackageDir),
    vitestDistDir: realDir(path.join(vitestPackageDir, 'dist')),
    isWorkerIpcShared: major >= 4,
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

function readVersion(vitestPackageDir: string): string {
  const { version } = JSON.parse(readFileSync(path.join(vitestPackageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  return version;
}
