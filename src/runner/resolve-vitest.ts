import { realpathSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { findRunnerSources, type RunnerSources } from './runner-sources.js';
import { checkVitestVersion, parseVersion, SUPPORTED_VITEST } from './vitest-support.js';

export interface ResolvedVitest {
  /** Real path of the vitest package folder. */
  packageDir: string;
  /** The `vitest/node` entry file. */
  nodeEntry: string;
  version: string;
  /** True when the project has no Vitest of its own and trc's is used. */
  isFallback: boolean;
  runnerSources: RunnerSources;
}

/** Runner sources of each Vitest install and version seen: the same for every run on it. */
const runnerSourcesCache = new Map<string, RunnerSources>();

/**
 * Found once per install: keyed by its version and its `dist` folder's time, which a rebuild under
 * the same version (a linked local build) changes. A result that fell back is not kept.
 */
function findRunnerSourcesOnce(packageDir: string, version: string): RunnerSources {
  let distTime = 0;
  try {
    distTime = statSync(path.join(packageDir, 'dist')).mtimeMs;
  } catch {
    // No dist folder: the import of the runner fails in the child, which reports it.
  }
  const key = `${packageDir}@${version}@${distTime}`;
  let sources = runnerSourcesCache.get(key);
  if (!sources) {
    sources = findRunnerSources(packageDir, version);
    const isComplete = sources.vitestRunnerUrl !== null || parseVersion(version)[0] >= 5;
    if (isComplete) {
      runnerSourcesCache.set(key, sources);
    }
  }
  return sources;
}

function findPackageDir(fromDir: string): string | null {
  try {
    const require = createRequire(path.join(fromDir, 'noop.js'));
    return path.dirname(realpathSync(require.resolve('vitest/package.json')));
  } catch {
    return null;
  }
}

/**
 * The Vitest installed in the project, else trc's own (test files must import the copy that runs them).
 * @throws when no Vitest is found or its version is one trc cannot drive; the message names both.
 */
export async function resolveVitest(projectRoot: string): Promise<ResolvedVitest> {
  const own = findPackageDir(projectRoot);
  const packageDir = own ?? findPackageDir(path.dirname(new URL(import.meta.url).pathname));
  if (!packageDir) {
    throw new Error(
      `no Vitest found for ${projectRoot} and trc's own is missing: install vitest in the project (trc supports Vitest ${SUPPORTED_VITEST})`,
    );
  }
  const { version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const problem = checkVitestVersion(version);
  if (problem) {
    throw new Error(`${problem} (found ${packageDir})`);
  }
  return {
    packageDir,
    nodeEntry: path.join(packageDir, 'dist', 'node.js'),
    version,
    isFallback: own === null,
    runnerSources: findRunnerSourcesOnce(packageDir, version),
  };
}
