/** Pretend to talk to a slow environment. */
export function step(ms = Number(process.env.DEMO_STEP_MS ?? 1500)): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
