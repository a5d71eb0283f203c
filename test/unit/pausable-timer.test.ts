import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PausableTimer } from '../../src/runs/pausable-timer.js';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** A timer on the fake clock, with a spy for its expiry. */
function createTimer(budgetMs: number): { timer: PausableTimer; onExpire: ReturnType<typeof vi.fn> } {
  const onExpire = vi.fn();
  return { timer: new PausableTimer(budgetMs, onExpire, () => Date.now()), onExpire };
}

describe('PausableTimer', () => {
  it('does not run before resume is called', () => {
    const { onExpire } = createTimer(100);
    vi.advanceTimersByTime(1000);
    expect(onExpire).not.toHaveBeenCalled();
  });

  it('fires once the budget of running time is spent', () => {
    const { timer, onExpire } = createTimer(100);
    timer.resume();
    vi.advanceTimersByTime(99);
    expect(onExpire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onExpire).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(1000);
    expect(onExpire).toHaveBeenCalledTimes(1);
  });

  it('does not count paused time', () => {
    const { timer, onExpire } = createTimer(100);
    timer.resume();
    vi.advanceTimersByTime(60);
    timer.pause();
    vi.advanceTimersByTime(10_000);
    expect(onExpire).not.toHaveBeenCalled();
    timer.resume();
    vi.advanceTimersByTime(39);
    expect(onExpire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onExpire).toHaveBeenCalledTimes(1);
  });

  it('accumulates running time over several pauses', () => {
    const { timer, onExpire } = createTimer(100);
    for (let slice = 0; slice < 4; slice += 1) {
      timer.resume();
      vi.advanceTimersByTime(20);
      timer.pause();
      vi.advanceTimersByTime(500);
    }
    expect(onExpire).not.toHaveBeenCalled();
    timer.resume();
    vi.advanceTimersByTime(20);
    expect(onExpire).toHaveBeenCalledTimes(1);
  });

  it('ignores a second resume and a pause while paused', () => {
    const { timer, onExpire } = createTimer(100);
    timer.resume();
    vi.advanceTimersByTime(50);
    timer.resume();
    vi.advanceTimersByTime(50);
    expect(onExpire).toHaveBeenCalledTimes(1);

    const second = createTimer(100);
    second.timer.pause();
    second.timer.resume();
    second.timer.pause();
    second.timer.pause();
    vi.advanceTimersByTime(500);
    second.timer.resume();
    vi.advanceTimersByTime(100);
    expect(second.onExpire).toHaveBeenCalledTimes(1);
  });

  it('never fires once cancelled, running or paused', () => {
    const running = createTimer(100);
    running.timer.resume();
    vi.advanceTimersByTime(50);
    running.timer.cancel();
    vi.advanceTimersByTime(1000);

    const paused = createTimer(100);
    paused.timer.resume();
    paused.timer.pause();
    paused.timer.cancel();
    paused.timer.resume();
    vi.advanceTimersByTime(1000);

    expect(running.onExpire).not.toHaveBeenCalled();
    expect(paused.onExpire).not.toHaveBeenCalled();
  });

  it('does not fire again when resumed after it fired', () => {
    const { timer, onExpire } = createTimer(10);
    timer.resume();
    vi.advanceTimersByTime(10);
    timer.pause();
    timer.resume();
    vi.advanceTimersByTime(1000);
    expect(onExpire).toHaveBeenCalledTimes(1);
  });
});
