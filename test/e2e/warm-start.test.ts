import { readdirSync, readlinkSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../setup/wait-for.js';
import { FIXTURES, startTestDaemon, type TestDaemon } from './support/test-daemon.js';

interface Printed {
  mark: string | null;
  standby: string | null;
  cwd: string;
  launcherPid: number;
}

/** The processes whose working folder is `dir` (Linux: /proc). */
function processesIn(dir: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readlinkSync(`/proc/${pid}/cwd`) === dir;
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(process.platform !== 'linux')('runs handed to a launcher started ahead of them', () => {
  let trc: TestDaemon;
  let standbyDir: string;

  /** Run the env-echo fixture and return what its case printed. */
  async function echo(env: Record<string, string>): Promise<{ printed: Printed; runLog: string }> {
    const run = await trc.createRun({ project: 'env-echo', env });
    const ended = await trc.waitForEnd(run.runId);
    expect(ended).toMatchObject({ status: 'COMPLETED', result: 'passed' });
    const logsDir = path.join(trc.dirs.logs, run.runId);
    const [caseLog] = (await readdir(logsDir)).filter((name) => name !== 'run.log');
    const printed = JSON.parse(await readFile(path.join(logsDir, caseLog ?? ''), 'utf8')) as Printed;
    return { printed, runLog: await readFile(path.join(logsDir, 'run.log'), 'utf8') };
  }

  const waitingLauncher = (): Promise<number> =>
    waitFor(() => processesIn(standbyDir)[0], { message: 'a launcher waiting for the next run' });

  beforeAll(async () => {
    trc = await startTestDaemon();
    standbyDir = path.join(trc.dirs.logs, '.standby');
    // The first run of a daemon spawns its child; a launcher then waits for the next.
    const first = await echo({ RUN_MARK: 'first' });
    expect(first.printed.mark).toBe('first');
  });
  afterAll(() => trc?.close());

  it('gives the next run to the waiting launcher, with the run’s environment, cwd and run.log', async () => {
    const waiting = await waitingLauncher();
    const { printed, runLog } = await echo({ RUN_MARK: 'second' });
    expect(printed).toEqual({
      mark: 'second',
      standby: null,
      cwd: path.join(FIXTURES, 'env-echo'),
      launcherPid: waiting,
    });
    expect(runLog).toMatch(/Test Files\s+1 passed/);
  });

  it('spawns the child of a run whose environment changes what node reads at start', async () => {
    const waiting = await waitingLauncher();
    const { printed } = await echo({ RUN_MARK: 'third', NODE_OPTIONS: '--no-warnings' });
    expect(printed.mark).toBe('third');
    expect(printed.launcherPid).not.toBe(waiting);
    expect(processesIn(standbyDir)).toEqual([waiting]);
  });

  it('stops the waiting launcher when the daemon closes, leaving no file behind', async () => {
    const waiting = await waitingLauncher();
    await trc.daemon.close();
    expect(processesIn(standbyDir)).not.toContain(waiting);
    expect(await readdir(standbyDir)).toEqual([]);
  });
});
