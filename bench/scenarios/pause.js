import { statSync } from 'node:fs';
import path from 'node:path';
import { sleep, waitFor } from '../lib/clock.js';
import { readStarts } from '../lib/starts-log.js';
import { round, summarize } from '../lib/stats.js';

/**
 * Scenario 2, pause and resume between cases. Within one run (more if it runs out of cases):
 * pause, note when the answer arrived, hold, resume, let it run; repeat. Afterwards, from the
 * start times the cases wrote themselves: cases started after a pause answered and before the
 * resume was sent (must be 0), and resume → next case start.
 */
export async function measurePause(ctx, { trials, holdMs = 30, runMs = 30, maxRuns = 6 }) {
  const done = [];
  const discarded = [];
  const runs = [];
  for (let runIndex = 0; done.length < trials && runIndex < maxRuns; runIndex += 1) {
    const startsFile = path.join(ctx.outputDir, `pause-${runIndex}.jsonl`);
    const { run } = await ctx.client.startRun({ project: 'pause', env: { BENCH_STARTS: startsFile } });
    await waitFor(() => fileSize(startsFile) > 0, {
      timeoutMs: 60_000,
      intervalMs: 5,
      message: `no case of pause run ${run.runId} started`,
    });
    const attempts = [];
    while (done.length + attempts.length < trials) {
      const pause = await ctx.client.control(run.runId, 'pause');
      if (pause.status !== 200) {
        break;
      }
      await sleep(holdMs);
      const resume = await ctx.client.control(run.runId, 'resume');
      const attempt = {
        pauseSentAt: pause.sentAt,
        pauseAnsweredAt: pause.answeredAt,
        statusAfterPause: pause.json?.run?.status,
        runningAtPause: pause.json?.run?.counts?.running,
        resumeSentAt: resume.sentAt,
        resumeStatus: resume.status,
      };
      attempts.push(attempt);
      if (resume.status !== 200) {
        break;
      }
      await sleep(runMs);
    }
    const cancelSentAt = performance.timeOrigin + performance.now();
    const end = await ctx.client.cancelAndWait(run.runId);
    const starts = readStarts(startsFile).filter((entry) => entry.kind === 'start');
    runs.push({
      runId: run.runId,
      status: end.run.status,
      caseStarts: starts.length,
      trials: attempts.length,
    });
    attempts.forEach((attempt, index) => {
      const windowEnd = attempts[index + 1]?.pauseSentAt ?? cancelSentAt;
      const trial = analyzeTrial(attempt, starts, windowEnd);
      (trial.valid ? done : discarded).push({ runIndex, ...trial });
    });
    ctx.log(
      `pause: run ${runIndex + 1} gave ${attempts.length} trials (${done.length}/${trials} valid so far)`,
    );
  }
  const counted = done.slice(0, trials);
  const violations = counted.reduce((sum, trial) => sum + trial.startsWhilePaused, 0);
  return {
    trials: counted.length,
    wanted: trials,
    startsAfterPauseAnswered: violations,
    trialsWithStartsAfterPause: counted.filter((trial) => trial.startsWhilePaused > 0).length,
    // A resume after which no case started before the next pause counts as Infinity.
    resumeToNextStartMs: roundSummary(summarize(counted.map((trial) => trial.resumeLatencyMs ?? Infinity))),
    resumesWithoutStart: counted.filter((trial) => trial.resumeLatencyMs === null).length,
    pauseCallMs: roundSummary(summarize(counted.map((trial) => trial.pauseCallMs))),
    statusesAfterPause: countBy(counted.map((trial) => trial.statusAfterPause)),
    discarded: discarded.map(({ reason, runIndex }) => ({ runIndex, reason })),
    runs,
    samples: counted,
  };
}

function analyzeTrial(attempt, starts, windowEnd) {
  const base = {
    pauseCallMs: round(attempt.pauseAnsweredAt - attempt.pauseSentAt, 2),
    statusAfterPause: attempt.statusAfterPause,
    runningAtPause: attempt.runningAtPause,
  };
  if (attempt.resumeStatus !== 200) {
    return { ...base, valid: false, reason: `resume answered ${attempt.resumeStatus}` };
  }
  const whilePaused = starts.filter((s) => s.t > attempt.pauseAnsweredAt && s.t < attempt.resumeSentAt);
  const next = starts.find((s) => s.t >= attempt.resumeSentAt);
  if (!next || next.t >= windowEnd) {
    const ranOut = !starts.some((s) => s.t >= attempt.resumeSentAt);
    return {
      ...base,
      valid: !ranOut,
      reason: ranOut ? 'the run had no case left to start' : 'no case started before the next pause',
      startsWhilePaused: whilePaused.length,
      resumeLatencyMs: null,
    };
  }
  return {
    ...base,
    valid: true,
    startsWhilePaused: whilePaused.length,
    lateStarts: whilePaused.map((s) => ({
      file: s.file,
      i: s.i,
      afterAnswerMs: round(s.t - attempt.pauseAnsweredAt, 2),
    })),
    resumeLatencyMs: round(next.t - attempt.resumeSentAt, 2),
  };
}

function fileSize(file) {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

function roundSummary(summary) {
  return Object.fromEntries(
    Object.entries(summary).map(([key, value]) => [key, key === 'n' ? value : round(value, 2)]),
  );
}

function countBy(values) {
  const counts = {};
  for (const value of values) {
    counts[value] = (counts[value] ?? 0) + 1;
  }
  return counts;
}
