import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findReexport, findRunnerSources } from '../../runner-plugin/install-runners.js';

const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');

describe('findReexport', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'trc-reexport-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('follows an export passed on from a chunk to the chunk and its local name', async () => {
    const entry = path.join(dir, 'runners.js');
    await writeFile(
      entry,
      "export { a as other } from './chunks/a.js';\n" +
        "export { N as NodeBenchmarkRunner, V as VitestTestRunner } from './chunks/test.w5HLbjmU.js';\n" +
        "import '@vitest/runner';\n",
    );
    expect(findReexport(entry, 'VitestTestRunner')).toEqual({
      file: path.join(dir, 'chunks', 'test.w5HLbjmU.js'),
      binding: 'V',
    });
  });

  it('keeps the entry when it defines the export itself or cannot be read', async () => {
    const entry = path.join(dir, 'runners.js');
    await writeFile(
      entry,
      "import { x } from './chunks/x.js';\nclass VitestTestRunner {}\nexport { VitestTestRunner };\n",
    );
    expect(findReexport(entry, 'VitestTestRunner')).toEqual({ file: entry, binding: 'VitestTestRunner' });
    const missing = path.join(dir, 'missing.js');
    expect(findReexport(missing, 'TestRunner')).toEqual({ file: missing, binding: 'TestRunner' });
  });
});

describe('findRunnerSources on the installed Vitest versions', () => {
  it.each([
    ['3.2', 'VitestTestRunner'],
    ['4.0', 'VitestTestRunner'],
    ['4.1', 'TestRunner'],
    ['5', 'TestRunner'],
  ])(
    'Vitest %s: imports a module that defines the runner class %s under the bound name',
    async (version, name) => {
      const vitestDir = path.join(FIXTURES, `vitest-${version}`, 'node_modules', 'vitest');
      const { baseRunnerImport } = findRunnerSources(vitestDir);
      const [, binding = '', url = ''] =
        /^import \{ ([\w$]+) as BaseRunner \} from "([^"]+)";$/.exec(baseRunnerImport) ?? [];
      const file = fileURLToPath(url);
      expect(file.startsWith(path.join(vitestDir, 'dist') + path.sep)).toBe(true);
      const source = await readFile(file, 'utf8');
      expect(source).toMatch(new RegExp(`class ${name}\\b`));
      const exported = binding === name ? `\\b${name}\\b` : `\\b${name} as ${binding.replace('$', '\\$')}\\b`;
      expect(source).toMatch(new RegExp(`export \\{[^}]*${exported}[^}]*\\}`));
    },
  );
});
