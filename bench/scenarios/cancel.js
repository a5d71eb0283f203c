import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sleep, waitFor } from '../lib/clock.js';
import { readStarts } from '../lib/starts-log.js';
import { round, summarize } from '../lib/stats.js';
import { isTerminalStatus } from '../lib/trc-client.js';

/** A cancel that takes longer than this to end the child gets its run log kept in the results. */
const SLOW_EXIT_MS = 1000;

/**
 * Scenario 3, cancel: start the 20-file suite, wait until some cases passed, cancel, and take
 * the child's exit (exitedAt) minus the later of the cancel call and the end of the last case
 * that ran (the case in flight finishes first, by design).
 */
export async function measureCancel(ctx, { trials }) {
  const samples = [];
  for (let trial = 0; trial < trials; trial += 1) {
    const startsFile = path.join(ctx.outputDir, `cancel-${trial}.jsonl`);
    const { run } = await ctx.client.startRun({ project: 'cancel', env: { BENCH_STARTS: startsFile } });
    // Vary the point of cancel: different files, different moments within a case.
    const passedAtLeast = 22 + ((trial * 7) % 20);
    const reached = await waitFor(
      async () => {
        const current = await ctx.client.getRun(run.runId);
        return current.counts.passed >= passedAtLeast || isTerminalStatus(current.status) ? current : false;
      },
      {
        timeoutMs: 120_000,
        intervalMs: 20,
        message: `cancel run ${run.runId} did not reach ${passedAtLeast} passed`,
      },
    );
    if (isTerminalStatus(reached.status)) {
      throw new Error(`cancel run ${run.runId} ended ${reached.status} before it could be cancelled`);
    }
    await sleep((trial * 13) % 50);
    const cancel = await ctx.client.control(run.runId, 'cancel');
    if (cancel.status !== 202) {
      throw new Error(`cancel of ${run.runId} answered ${cancel.status}: ${JSON.stringify(cancel.json)}`);
    }
    const end = await ctx.client.waitForTerminal(run.runId, { timeoutMs: 120_000 });
    const marks = readStarts(startsFile);
    const ends = marks.filter((mark) => mark.kind === 'end');
    const starts = marks.filter((mark) => mark.kind === 'start');
    const lastEnd = ends.at(-1)?.t ?? 0;
    const from = Math.max(cancel.sentAt, lastEnd);
    const counts = end.run.counts;
    const files = describeFiles(await ctx.client.getTests(run.runId));
    const sample = {
      runId: run.runId,
      status: end.run.status,
      passedAtCancelThreshold: passedAtLeast,
      cancelCallMs: round(cancel.answeredAt - cancel.sentAt, 2),
      inFlightFinishedAfterCancelMs: round(Math.max(0, lastEnd - cancel.sentAt), 1),
      latencyMs: end.exitedAt === null ? null : round(end.exitedAt - from, 1),
      exitToTerminalMs: end.exitedAt === null ? null : round(end.terminalAt - end.exitedAt, 1),
      startsAfterCancelAnswered: starts.filter((mark) => mark.t > cancel.answeredAt).length,
      // Files Vitest collected but of which no case ran: started by Vitest after the cancel.
      filesCollectedWithoutARun: files.collectedWithoutARun,
      filesNeverStarted: files.neverStarted,
      unfinishedCases: starts.length - ends.length,
      counts,
      // DESIGN.md: at a terminal status total = passed + failed + skipped (files never started count once).
      countsConsistent:
        counts.total === counts.passed + counts.failed + counts.skipped && counts.running === 0,
    };
    if (sample.latencyMs === null || sample.latencyMs > SLOW_EXIT_MS) {
      // Keep the evidence of a slow exit: what the child printed, and when its cases ran.
      sample.runLogTail = (
        await readFile(path.join(ctx.logsDir, run.runId, 'run.log'), 'utf8').catch(() => '')
      ).slice(-3000);
      sample.lastMarks = marks.slice(-6).map((mark) => ({ ...mark, t: round(mark.t - cancel.sentAt, 1) }));
      sample.reason = end.run.reason;
    }
    samples.push(sample);
    ctx.log(
      `cancel: trial ${trial + 1}/${trials} ${sample.status} exit ${sample.latencyMs} ms after max(cancel, last case end); counts ${JSON.stringify(counts)}`,
    );
    if (end.run.status !== 'CANCELLED') {
      throw new Error(`cancelled run ${run.runId} ended ${end.run.status}: ${end.run.reason ?? ''}`);
    }
  }
  const latencies = samples.map((sample) => sample.latencyMs ?? Infinity);
  return {
    trials: samples.length,
    latencyMs: Object.fromEntries(
      Object.entries(summarize(latencies)).map(([k, v]) => [k, k === 'n' ? v : round(v, 1)]),
    ),
    startsAfterCancelAnswered: samples.reduce((sum, sample) => sum + sample.startsAfterCancelAnswered, 0),
    trialsWithStartsAfterCancel: samples.filter((sample) => sample.startsAfterCancelAnswered > 0).length,
    cancelCallMs: Object.fromEntries(
      Object.entries(summarize(samples.map((sample) => sample.cancelCallMs))).map(([k, v]) => [
        k,
        k === 'n' ? v : round(v, 1),
      ]),
    ),
    // Vitest may hand a worker a new file after the cancel (trc stops its scheduling once the
    // cases in flight end): that file's fork and collection then delay the exit.
    latencyWithoutLateFileMs: roundSummary(
      summarize(
        samples.filter((sample) => sample.filesCollectedWithoutARun === 0).map((sample) => sample.latencyMs),
      ),
    ),
    latencyWithLateFileMs: roundSummary(
      summarize(
        samples.filter((sample) => sample.filesCollectedWithoutARun > 0).map((sample) => sample.latencyMs),
      ),
    ),
    slowExits: samples.filter((sample) => sample.latencyMs === null || sample.latencyMs > SLOW_EXIT_MS)
      .length,
    inconsistentCounts: samples.filter((sample) => !sample.countsConsistent).length,
    samples,
  };
}

/** Per file, from the run's test list: collected with no case run, or never started (placeholder). */
function describeFiles(tests) {
  const byFile = new Map();
  for (const test of tests) {
    const file = byFile.get(test.file) ?? { placeholder: false, ran: false };
    file.placeholder ||= Boolean(test.placeholder);
    file.ran ||= test.status === 'passed' || test.status === 'failed';
    byFile.set(test.file, file);
  }
  const files = [...byFile.values()];
  return {
    collectedWithoutARun: files.filter((file) => !file.placeholder && !file.ran).length,
    neverStarted: files.filter((file) => file.placeholder).length,
  };
}

function roundSummary(summary) {
  return Object.fromEntries(
    Object.entries(summary).map(([key, value]) => [key, key === 'n' ? value : round(value, 1)]),
  );
}
