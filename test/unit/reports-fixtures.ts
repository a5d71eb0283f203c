import type { RunRecord, RunReportInput, TestRecord } from '../../src/runs/model.js';

export const RUN_ID = 'test_20250131_091502_3fa9c2d1';

/** Control characters XML 1.0 cannot carry, a lone surrogate, and U+FFFE. */
export const INVALID_XML_CHARS = '\u0000\u0001\u0008\u000b\u000c\u001f\uD800\uFFFE';

export function makeRun(overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: RUN_ID,
    project: 'shop-e2e',
    files: ['test/api/**', 'test/e2e/**'],
    testNamePattern: null,
    vitestProject: null,
    env: {},
    timeoutMs: null,
    showConsole: false,
    labels: { branch: 'main', build: '1842' },
    status: 'COMPLETED',
    result: 'passed',
    createdAt: '2025-01-31T09:15:02.120Z',
    startedAt: '2025-01-31T09:15:03.000Z',
    endedAt: '2025-01-31T09:16:45.250Z',
    pauseRequested: false,
    cancelRequested: false,
    counts: { total: 0, passed: 0, failed: 0, skipped: 0, running: 0 },
    pid: null,
    exitCode: 1,
    reason: null,
    notes: [],
    reportsRemovedAt: null,
    ...overrides,
  };
}

let nextId = 0;

export function makeTest(overrides: Partial<TestRecord> & Pick<TestRecord, 'file' | 'name'>): TestRecord {
  nextId += 1;
  return {
    id: `case-${nextId}`,
    fullName: overrides.name,
    status: 'passed',
    durationMs: 10,
    traceId: `trace-${String(nextId).padStart(4, '0')}`,
    ...overrides,
  };
}

const LOGIN = 'test/api/login.test.ts';
const ORDERS = 'test/api/orders.test.ts';
const CHECKOUT = 'test/e2e/checkout.test.ts';
const SEARCH = 'test/e2e/search.test.ts';

export const ASSERTION_STACK = [
  'AssertionError: expected 401 to be 200 // Object.is equality',
  '    at /repo/test/api/login.test.ts:42:27',
  '    at processTicksAndRejections (node:internal/process/task_queues:95:5)',
].join('\n');

/**
 * A cancelled run as trc stores it: passes, a failure, static skip/todo, a case in flight
 * when the child was killed, cases a cancel never ran, and files that never started.
 */
export function makeCancelledRun(): RunReportInput {
  const tests: TestRecord[] = [
    makeTest({
      file: LOGIN,
      name: 'accepts valid credentials',
      fullName: 'login > accepts valid credentials',
      durationMs: 1234.5678,
      seq: 1,
      traceId: 'tr-login-ok',
    }),
    makeTest({
      file: LOGIN,
      name: 'rejects a wrong password',
      fullName: 'login > rejects a wrong password',
      status: 'failed',
      durationMs: 87.25,
      seq: 2,
      traceId: 'tr-login-bad',
      error: {
        message: 'expected 401 to be 200 // Object.is equality',
        stack: ASSERTION_STACK,
        kind: 'failure',
      },
    }),
    makeTest({
      file: LOGIN,
      name: 'supports SSO',
      fullName: 'login > supports SSO',
      status: 'skipped',
      durationMs: null,
      skipReason: 'skip',
      seq: 3,
      traceId: 'tr-login-sso',
    }),
    makeTest({
      file: LOGIN,
      name: 'locks after 5 attempts',
      fullName: 'login > locks after 5 attempts',
      status: 'skipped',
      durationMs: null,
      skipReason: 'todo',
      seq: 4,
      traceId: 'tr-login-lock',
    }),
    makeTest({
      file: ORDERS,
      name: '<script>alert(1)</script>',
      fullName: 'orders > <script>alert(1)</script>',
      durationMs: 3.3333,
      seq: 5,
      traceId: 'tr-orders-xss',
    }),
    makeTest({
      file: ORDERS,
      name: 'creates an order for "Tom & Jerry"',
      fullName: 'orders > creates an order for "Tom & Jerry"',
      status: 'failed',
      durationMs: 30_000,
      seq: 6,
      traceId: 'tr-orders-crash',
      error: { message: 'Vitest child was killed (SIGKILL) while this case ran', kind: 'error' },
    }),
    makeTest({
      file: ORDERS,
      name: 'cancels an order',
      fullName: 'orders > cancels an order',
      status: 'skipped',
      durationMs: null,
      skipReason: 'cancelled',
      seq: 7,
      traceId: 'tr-orders-cancel',
    }),
    makeTest({
      file: CHECKOUT,
      name: CHECKOUT,
      fullName: CHECKOUT,
      status: 'skipped',
      durationMs: null,
      skipReason: 'cancelled',
      placeholder: true,
      traceId: 'tr-checkout',
    }),
    makeTest({
      file: SEARCH,
      name: SEARCH,
      fullName: SEARCH,
      status: 'skipped',
      durationMs: null,
      skipReason: 'timed out',
      placeholder: true,
      traceId: 'tr-search',
    }),
  ];
  const logs = new Map<string, string>([
    [
      'tr-login-ok',
      '\u001b[32m✓\u001b[39m POST /login 200 — 用户 Zoë 👩‍💻 logged in\n\u001b]8;;https://x.test\u0007link\u001b]8;;\u0007 done',
    ],
    [
      'tr-login-bad',
      `POST /login 401${INVALID_XML_CHARS} body: {"error":"bad password"}\nfirst ]]> then ]]> again </system-out>`,
    ],
    ['tr-orders-xss', '</pre><script>alert("log")</script><img src="http://evil.test/x.png">'],
    ['tr-orders-crash', 'creating order…\n\u001b[1m\u001b[31mERR\u001b[0m upstream took too long'],
  ]);
  const run = makeRun({
    status: 'CANCELLED',
    result: null,
    reason: 'cancelled by qa@example.com: <b>wrong build</b>',
    counts: { total: 9, passed: 2, failed: 2, skipped: 5, running: 0 },
    notes: ['showConsole ignored on linux'],
  });
  return { run, tests, logs };
}

/** A run whose child never collected anything. */
export function makeEmptyRun(): RunReportInput {
  const run = makeRun({
    status: 'FAILED',
    result: null,
    reason: 'Vitest was not found in the project',
    startedAt: null,
    endedAt: '2025-01-31T09:15:03.500Z',
    labels: {},
  });
  return { run, tests: [], logs: new Map() };
}
