import type { RunRecord } from '../../src/runs/model.js';

/** A fresh PENDING run as trc stores it, with whatever fields a test needs changed. */
export function buildRunRecord(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: 'test_20250102_030405_0123abcd',
    status: 'PENDING',
    result: null,
    project: 'default',
    files: [],
    testNamePattern: null,
    vitestProject: null,
    env: {},
    timeoutMs: null,
    showConsole: false,
    labels: {},
    createdAt: '2025-01-02T03:04:05.000Z',
    startedAt: null,
    endedAt: null,
    pauseRequested: false,
    cancelRequested: false,
    counts: { total: 0, passed: 0, failed: 0, skipped: 0, running: 0 },
    pid: null,
    exitCode: null,
    reason: null,
    notes: [],
    reportsRemovedAt: null,
    ...overrides,
  };
}
