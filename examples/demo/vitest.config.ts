import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // Short timeouts on purpose: a run paused for minutes still passes, because trc waits
    // between cases, outside every test and hook timeout.
    testTimeout: 5_000,
    hookTimeout: 5_000,
  },
});
