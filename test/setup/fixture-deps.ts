import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { TestProject } from 'vitest/node';

const TEST_DIR = path.resolve(import.meta.dirname, '..');
const FIXTURES = path.join(TEST_DIR, 'fixtures');
/** Test-only tools from the npm registry: a node ≥ 22 (the `node` package) for the Vitest 5 fixture. */
const TOOLS = path.join(TEST_DIR, '.tools');

/** `npm ci` in a folder whose lock file is committed and whose node_modules is missing. */
async function installLocked(dir: string, marker: string): Promise<void> {
  if (existsSync(path.join(dir, marker))) {
    return;
  }
  const result = await execa('npm', ['ci', '--no-audit', '--no-fund', '--engine-strict=false'], {
    cwd: dir,
    reject: false,
    all: true,
    env: { npm_config_update_notifier: 'false' },
  });
  if (result.exitCode !== 0) {
    throw new Error(`npm ci in ${dir} failed:\n${String(result.all)}`);
  }
}

/**
 * Vitest global setup: the fixture projects that pin their own Vitest (test/fixtures/vitest-*) get
 * their node_modules from their lock files, and test/.tools gets a node 22 from the npm registry's
 * `node` package, handed to tests as `inject('node22Path')`.
 */
export default async function setup(project: TestProject): Promise<void> {
  const fixtures = (await readdir(FIXTURES)).filter((name) => name.startsWith('vitest-'));
  await Promise.all([
    ...fixtures.map((name) => installLocked(path.join(FIXTURES, name), 'node_modules/vitest/package.json')),
    installLocked(TOOLS, 'node_modules/.bin/node'),
  ]);
  project.provide('node22Path', path.join(TOOLS, 'node_modules', '.bin', 'node'));
}
