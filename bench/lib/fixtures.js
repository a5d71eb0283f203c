import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** trc's own node_modules: fixtures link it so plain Vitest and trc run the same Vitest. */
export const NODE_MODULES = fileURLToPath(new URL('../../node_modules', import.meta.url));

/** The test suite's fixture projects, one per Vitest line, each with its own node_modules. */
const VERSION_FIXTURES = fileURLToPath(new URL('../../test/fixtures', import.meta.url));

/**
 * A project at `dir` that runs the Vitest of test/fixtures/vitest-<version>: `files` (file name →
 * text) at its root, `test` as the config's test options, and Vite's cache in `cacheDir` if given.
 */
export async function writeVersionProject(dir, { version, files, test, cacheDir }) {
  await mkdir(dir, { recursive: true });
  await symlink(
    path.join(VERSION_FIXTURES, `vitest-${version}`, 'node_modules'),
    path.join(dir, 'node_modules'),
  );
  await writeFile(path.join(dir, 'package.json'), '{"type":"module","private":true}\n');
  const config = cacheDir === undefined ? { test } : { cacheDir, test };
  await writeFile(path.join(dir, 'vitest.config.js'), `export default ${JSON.stringify(config)};\n`);
  for (const [file, text] of Object.entries(files)) {
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

/** The first lines of a test file whose cases record their start (and end) times. */
function recorderPreamble(fileLabel) {
  return `import { appendFileSync } from 'node:fs';
import { expect, it } from 'vitest';

const OUT = process.env.BENCH_STARTS;
const FILE = ${JSON.stringify(fileLabel)};
function mark(i, kind) {
  if (OUT) {
    appendFileSync(OUT, JSON.stringify({ t: performance.timeOrigin + performance.now(), file: FILE, i, kind }) + '\\n');
  }
}
function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
`;
}

const TRIVIAL_ONE = `import { expect, it } from 'vitest';

it('x', () => {
  expect(1).toBe(1);
});
`;

export function trivialMany(count) {
  return `import { expect, it } from 'vitest';

for (let i = 0; i < ${count}; i += 1) {
  it(\`case \${i}\`, () => {
    expect(1).toBe(1);
  });
}
`;
}

/** `count` test files of one trivial case each: `t001.test.js` and on (file name → text). */
export function trivialFiles(count) {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [`t${String(i + 1).padStart(3, '0')}.test.js`, TRIVIAL_ONE]),
  );
}

/** Many short async cases; each records its start first thing (scenario 2, pause/resume). */
function pauseFile(label, count) {
  return `${recorderPreamble(label)}
for (let i = 0; i < ${count}; i += 1) {
  it(\`case \${i}\`, async () => {
    mark(i, 'start');
    await sleep(3 + (i % 3));
    expect(i).toBeGreaterThanOrEqual(0);
  });
}
`;
}

/** Cases of a fixed length that record start and end (scenario 3, cancel). */
function cancelFile(label, count, caseMs) {
  return `${recorderPreamble(label)}
for (let i = 0; i < ${count}; i += 1) {
  it(\`case \${i}\`, async () => {
    mark(i, 'start');
    await sleep(${caseMs});
    mark(i, 'end');
  });
}
`;
}

/** One file whose first case records its start (scenario 4, cold start). */
function startFile() {
  return `${recorderPreamble('start')}
it('first', () => {
  mark(0, 'start');
  expect(1).toBe(1);
});

it('second', () => {
  expect(2).toBe(2);
});
`;
}

async function writeProject(root, name, files, maxWorkers) {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'tests'), { recursive: true });
  await writeFile(
    path.join(dir, 'package.json'),
    `${JSON.stringify({ name: `bench-${name}`, private: true, type: 'module' })}\n`,
  );
  // cacheDir keeps Vite's cache out of the linked node_modules. The pool stays Vitest's default
  // (forks); maxWorkers is set to the core count, see createFixtures.
  await writeFile(
    path.join(dir, 'vitest.config.js'),
    `import { defineConfig } from 'vitest/config';

export default defineConfig({
  cacheDir: ${JSON.stringify(path.join(root, '.vite-cache', name))},
  test: { include: ['tests/**/*.test.js'], maxWorkers: ${maxWorkers} },
});
`,
  );
  for (const [file, text] of Object.entries(files)) {
    await writeFile(path.join(dir, 'tests', file), text);
  }
  return dir;
}

/**
 * Generate every fixture project under `root` (which gets a `node_modules` link to trc's).
 * Every project runs `sizes.maxWorkers` test workers (the bench passes the core count): Vitest's
 * own default in run mode is cores − 1, which on a 2-core machine leaves a core idle to absorb
 * trc's work in the Vitest main process and so flatters it; it also doubles the bench's time.
 * @returns {Promise<Record<string, string>>} project name → absolute folder
 */
export async function createFixtures(root, sizes) {
  await symlink(NODE_MODULES, path.join(root, 'node_modules'), 'dir');
  const write = (name, files) => writeProject(root, name, files, sizes.maxWorkers);
  const projects = {};
  projects.manyfiles = await write('manyfiles', trivialFiles(sizes.manyFiles));
  projects.manycases = await write('manycases', {
    'cases.test.js': trivialMany(sizes.manyCases),
  });
  // Unequal files, so that two workers do not switch files (a fork of ~150 ms with no case
  // starting anywhere) at the same moment, which would stall a resume for reasons not trc's.
  const pauseFiles = {};
  for (let i = 1; i <= sizes.pauseFiles; i += 1) {
    const share = [0.6, 1.1, 1.6, 0.9][(i - 1) % 4];
    pauseFiles[`p${i}.test.js`] = pauseFile(`p${i}`, Math.round(sizes.pauseCases * share));
  }
  projects.pause = await write('pause', pauseFiles);
  const cancelFiles = {};
  for (let i = 1; i <= sizes.cancelFiles; i += 1) {
    cancelFiles[`c${String(i).padStart(2, '0')}.test.js`] = cancelFile(
      `c${i}`,
      sizes.cancelCases,
      sizes.cancelCaseMs,
    );
  }
  projects.cancel = await write('cancel', cancelFiles);
  projects.start = await write('start', { 'start.test.js': startFile() });
  return projects;
}
