import type { RunService } from '../../src/runs/run-service.types.js';

function notUsed(): Promise<never> {
  return Promise.reject(new Error('not used in this test'));
}

/**
 * The run service interface the HTTP layer codes against, with only the methods a test gives;
 * every other one rejects, so a route that calls what the test did not expect fails loudly.
 */
export function partialRunService(methods: Partial<RunService>): RunService {
  return {
    createRun: notUsed,
    getRun: notUsed,
    listRuns: notUsed,
    pauseRun: notUsed,
    resumeRun: notUsed,
    cancelRun: notUsed,
    deleteRun: notUsed,
    listTests: notUsed,
    listLogs: notUsed,
    runLogPath: notUsed,
    testLogPath: notUsed,
    reportPath: notUsed,
    archiveEntries: notUsed,
    isHealthy: async () => true,
    ...methods,
  };
}
