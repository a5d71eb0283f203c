import { readdirSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isProcessAlive } from '../../src/runner/stop-process-tree.js';
import { waitFor } from '../setup/wait-for.js';
import { FIXTURES, startTestDaemon, type TestDaemon } from './support/test-daemon.js';

interface Printed {
  mark: string | null;
  cwd: string;
  launcherPid: number;
  env: Record<string, string>;
  hasStandbyMark: boolean;
}

/**
 * Launchers this process (the test daemon's) started ahead of a run (Linux: /proc). Between runs
 * they are the ones waiting; a process's /proc environ keeps the variables it started with.
 */
function startedAhead(): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return (
          ppid === process.pid && readFileSync(`/proc/${pid}/environ`, 'utf8').includes('\0TRC_STANDBY=1')
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

// With NODE_OPTIONS in the daemon's environment (an IDE's debugger, say) a run whose env adds
// anything is spawned, as a preload may read it: these runs would be.
describe.skipIf(process.platform !== 'linux' || Boolean(process.env.NODE_OPTIONS))(
  'runs handed to a launcher started ahead of them',
  () => {
    let trc: TestDaemon;
    let cold: Printed;

    /** Run the env-echo fixture and return what its case printed and its run.log. */
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
      waitFor(
        () => {
          const pids = startedAhead();
          return pids.length === 1 ? pids[0] : undefined;
        },
        { message: 'one launcher waiting for the next run' },
      );

    beforeAll(async () => {
      trc = await startTestDaemon();
      // A daemon's first run spawns its child; when it exits, a launcher starts for the next run.
      expect(startedAhead()).toEqual([]);
      cold = (await echo({ RUN_MARK: 'first' })).printed;
      expect(cold.mark).toBe('first');
    });
    afterAll(() => trc?.close());

    it('hands the next run to the waiting launcher: same environment, cwd and output as a spawned child', async () => {
      const waiting = await waitingLauncher();
      const { printed, runLog } = await echo({ RUN_MARK: 'second' });
      expect(printed).toEqual({ ...cold, mark: 'second', launcherPid: waiting });
      expect(printed.cwd).toBe(path.join(FIXTURES, 'env-echo'));
      expect(printed.hasStandbyMark).toBe(false);
      expect(runLog).toMatch(/Test Files\s+1 passed/);
    });

    it('spawns the child of a run whose env changes what node reads as it starts, and keeps the launcher', async () => {
      const waiting = await waitingLauncher();
      const { printed } = await echo({ RUN_MARK: 'third', NODE_OPTIONS: '--no-warnings' });
      expect(printed.mark).toBe('third');
      expect(printed.env.NODE_OPTIONS).toBe('--no-warnings');
      expect(printed.launcherPid).not.toBe(waiting);
      expect(startedAhead()).toEqual([waiting]);
    });

    it('spawns the child when the waiting launcher died, with a run.log of its own output only', async () => {
      const waiting = await waitingLauncher();
      process.kill(waiting, 'SIGKILL');
      await waitFor(() => !isProcessAlive(waiting), { message: 'the launcher to die' });
      const { printed, runLog } = await echo({ RUN_MARK: 'fourth' });
      expect(printed.launcherPid).not.toBe(waiting);
      expect(runLog).toMatch(/Test Files\s+1 passed/);
      expect(await waitingLauncher()).not.toBe(waiting);
    });

    it('hands one of two runs started at once to the launcher and spawns the other’s child', async () => {
      const waiting = await waitingLauncher();
      const both = await Promise.all([echo({ RUN_MARK: 'a' }), echo({ RUN_MARK: 'b' })]);
      const pids = both.map(({ printed }) => printed.launcherPid);
      expect(pids.filter((pid) => pid === waiting)).toHaveLength(1);
      // Each child's exit asks for a launcher for the next run: one waits.
      expect(await waitingLauncher()).not.toBe(waiting);
    });

    it('stops the waiting launcher when the daemon closes, leaving no file behind', async () => {
      const waiting = await waitingLauncher();
      await trc.daemon.close();
      expect(isProcessAlive(waiting)).toBe(false);
      expect(await readdir(path.join(trc.dirs.logs, '.standby'))).toEqual([]);
    });
  },
);
