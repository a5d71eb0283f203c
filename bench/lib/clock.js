/**
 * One clock for the whole bench: epoch milliseconds with sub-millisecond resolution, the same
 * expression the fixture test cases use (`performance.timeOrigin + performance.now()`), so
 * times taken here and inside Vitest's workers can be compared directly.
 */
export function now() {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `check` until it returns something other than undefined/false; returns that value.
 * @throws {Error} `<message> (not within <timeoutMs> ms)`.
 */
export async function waitFor(check, { timeoutMs = 30_000, intervalMs = 20, message }) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
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
