import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CaseLogWriter } from '../../runner-plugin/case-logs.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'trc-case-logs-'));
const TRACES: Record<string, string> = { 'task-1': 'a'.repeat(32), 'task-2': 'b'.repeat(32) };
let logsDir: string;
let writer: CaseLogWriter;
let cases: Set<string>;
let count = 0;

beforeEach(() => {
  logsDir = path.join(root, `run-${(count += 1)}`, 'logs');
  cases = new Set();
  writer = new CaseLogWriter(
    logsDir,
    (id) => TRACES[id] ?? 'f'.repeat(32),
    (id) => cases.has(id),
  );
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function logOf(taskId: string): string | null {
  const file = path.join(logsDir, `${TRACES[taskId] ?? 'f'.repeat(32)}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

function knowCase(taskId: string): void {
  cases.add(taskId);
  writer.release(taskId);
}

describe('CaseLogWriter', () => {
  it('creates the logs folder', () => {
    expect(existsSync(logsDir)).toBe(true);
  });

  it('holds lines of a task not yet known as a case, and writes them when it is', () => {
    writer.append('task-1', 'first\n', 'stdout');
    writer.append('task-1', 'second\n', 'stdout');
    expect(logOf('task-1')).toBeNull();
    knowCase('task-1');
    expect(logOf('task-1')).toBe('first\nsecond\n');
  });

  it("writes a known case's lines synchronously into the file named by its trace id", () => {
    knowCase('task-1');
    writer.append('task-1', 'now\n', 'stdout');
    expect(logOf('task-1')).toBe('now\n');
    writer.append('task-1', 'and now\n', 'stdout');
    expect(logOf('task-1')).toBe('now\nand now\n');
  });

  it('prefixes every stderr line', () => {
    knowCase('task-1');
    writer.append('task-1', 'out\n', 'stdout');
    writer.append('task-1', 'oops\nat line 2\n', 'stderr');
    writer.append('task-1', 'no newline', 'stderr');
    expect(logOf('task-1')).toBe('out\n[stderr] oops\n[stderr] at line 2\n[stderr] no newline\n');
  });

  it('keeps the output of two tasks apart', () => {
    writer.append('task-2', 'from two\n', 'stdout');
    knowCase('task-1');
    writer.append('task-1', 'from one\n', 'stdout');
    knowCase('task-2');
    expect(logOf('task-1')).toBe('from one\n');
    expect(logOf('task-2')).toBe('from two\n');
  });

  it('writes held lines only once when a case is made known twice', () => {
    writer.append('task-1', 'once\n', 'stdout');
    knowCase('task-1');
    knowCase('task-1');
    expect(logOf('task-1')).toBe('once\n');
  });

  it('writes nothing for a case that never printed, nor for lines outside any case', () => {
    knowCase('task-1');
    writer.append('suite-1', 'from a beforeAll\n', 'stdout');
    expect(logOf('task-1')).toBeNull();
    expect(logOf('suite-1')).toBeNull();
  });
});
