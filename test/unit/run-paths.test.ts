import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunPaths } from '../../src/runs/run-paths.js';

const RUN_ID = 'test_20240101_000000_abcdef01';
const OTHER_RUN_ID = 'test_20240101_000000_abcdef02';

function createPaths(dataDir: string): RunPaths {
  return new RunPaths({ reportsDir: '/srv/trc/reports', logsDir: '/srv/trc/logs', dataDir });
}

describe('RunPaths', () => {
  it('places reports and logs in one folder per run', () => {
    const paths = createPaths('/srv/trc/.trc');
    expect(paths.junit(RUN_ID)).toBe(`/srv/trc/reports/${RUN_ID}/junit.xml`);
    expect(paths.html(RUN_ID)).toBe(`/srv/trc/reports/${RUN_ID}/report.html`);
    expect(paths.runLog(RUN_ID)).toBe(`/srv/trc/logs/${RUN_ID}/run.log`);
    expect(paths.caseLog(RUN_ID, 'a'.repeat(32))).toBe(`/srv/trc/logs/${RUN_ID}/${'a'.repeat(32)}.log`);
    expect(paths.workDir(RUN_ID)).toBe(`/srv/trc/.trc/runs/${RUN_ID}`);
  });

  it('keeps the control socket in the run folder when the path is short', () => {
    expect(createPaths('/srv/trc/.trc').controlSocket(RUN_ID, 'linux')).toBe(
      `/srv/trc/.trc/runs/${RUN_ID}/c.sock`,
    );
  });

  it('falls back to a short socket in the temp folder for a very long data folder', () => {
    const paths = createPaths(`/srv/${'deep/'.repeat(40)}.trc`);
    const socket = paths.controlSocket(RUN_ID, 'linux');
    expect(Buffer.byteLength(socket)).toBeLessThan(100);
    expect(path.dirname(socket)).toBe(os.tmpdir());
    expect(paths.controlSocket(RUN_ID, 'linux')).toBe(socket);
    expect(paths.controlSocket(OTHER_RUN_ID, 'linux')).not.toBe(socket);
  });

  it('uses a named pipe on Windows', () => {
    const socket = createPaths(`C:\\${'deep\\'.repeat(40)}.trc`).controlSocket(RUN_ID, 'win32');
    expect(socket).toBe(`\\\\.\\pipe\\trc-${RUN_ID}`);
  });
});
