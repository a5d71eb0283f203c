import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  /** Give up after this many milliseconds (default 15 000). */
  timeoutMs?: number;
  /** Pause between two checks (default 50 ms). */
  intervalMs?: number;
  /** Says what was awaited; the timeout error starts with it. */
  message: string;
}

/**
 * Polls `check` until it returns a value other than `undefined` or `false`, and returns that value.
 * A check that throws counts as not yet; its last error is attached to the timeout error.
 * @throws {Error} `<message> (not within <timeoutMs> ms)` when the deadline passes.
 */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitForOptions,
): Promise<T> {
  const { timeoutMs = 15_000, intervalMs = 50, message } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) {
        return value;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new Error(`${message} (not within ${timeoutMs} ms)`, { cause: lastError });
    }
    await sleep(intervalMs);
  }
}
