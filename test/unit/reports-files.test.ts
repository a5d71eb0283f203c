import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeReports } from '../../src/reports/report-files.js';
import { RUN_ID, makeCancelledRun, makeEmptyRun } from './reports-fixtures.js';
import { validateJunitFile } from './reports-xml.js';

const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function makeTempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'trc-reports-'));
  dirs.push(dir);
  return dir;
}

describe('writeReports', () => {
  it('creates the folder and writes junit.xml and report.html, with no temporary file left', async () => {
    const dir = path.join(await makeTempDir(), 'reports', RUN_ID);
    const paths = await writeReports(dir, makeCancelledRun());
    expect(paths).toEqual({
      junitPath: path.join(dir, 'junit.xml'),
      htmlPath: path.join(dir, 'report.html'),
    });
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'report.html']);
    validateJunitFile(paths.junitPath);
    expect(await readFile(paths.htmlPath, 'utf8')).toContain(`<span class="run-id">${RUN_ID}</span>`);
  });

  it('replaces reports written earlier', async () => {
    const dir = await makeTempDir();
    await writeReports(dir, makeCancelledRun());
    const paths = await writeReports(dir, makeEmptyRun());
    expect((await readdir(dir)).sort()).toEqual(['junit.xml', 'report.html']);
    expect(await readFile(paths.junitPath, 'utf8')).not.toContain('<testsuite ');
    expect(await readFile(paths.htmlPath, 'utf8')).toContain('This run has no test cases.');
  });
});
