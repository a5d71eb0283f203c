import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { waitFor } from '../../setup/wait-for.js';
import { validateJunit, type TestDaemon } from './test-daemon.js';

/**
 * Start a run of `test/loaded.test.ts` whose worker waits in the shared gate setup file
 * (test/fixtures/shared/gate-setup.ts), cancel it there, open the gate, and check what a user sees:
 * the file's own code never ran, it is listed as one skipped placeholder, Vitest's output counts it
 * as skipped, and the JUnit report validates.
 */
export async function expectCancelAtSetupToLeaveFileUnloaded(
  trc: TestDaemon,
  body: { project: string; files?: string[]; env?: Record<string, string> },
): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'trc-gate-'));
  const events = path.join(dir, 'events');
  const gate = path.join(dir, 'gate');
  await writeFile(gate, '');
  const readEvents = (): Promise<string> => readFile(events, 'utf8').catch(() => '');
  const run = await trc.createRun({ ...body, env: { ...body.env, EVENTS_FILE: events, GATE_FILE: gate } });
  await waitFor(async () => (await readEvents()).includes('setup'), { message: 'the setup file to run' });

  expect((await trc.request('POST', `/api/v1/runs/${run.runId}/cancel`)).status).toBe(202);
  await rm(gate);
  const ended = await trc.waitForEnd(run.runId);
  expect(ended).toMatchObject({ status: 'CANCELLED', reason: 'cancelled by request' });
  expect(ended.counts).toEqual({ total: 1, passed: 0, failed: 0, skipped: 1, running: 0 });
  expect(await readEvents()).toBe('setup\n');
  expect(await trc.tests(run.runId)).toMatchObject([
    { file: 'test/loaded.test.ts', status: 'skipped', skipReason: 'cancelled', placeholder: true },
  ]);
  const runLog = await trc.request('GET', `/api/v1/runs/${run.runId}/logs/run`);
  expect(runLog.body).not.toContain('No test suite found');
  expect(validateJunit(path.join(trc.dirs.reports, run.runId, 'junit.xml'))).toBeNull();
}
