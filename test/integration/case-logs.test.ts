import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CaseLogWriter } from '../../runner-plugin/case-logs.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'trc-case-logs-'));
const TRACE_A = 'a'.repeat(32);
const TRACE_B = 'b'.repeat(32);
let logsDir: string;
let writer: CaseLogWriter;
let count = 0;

beforeEach(() => {
  logsDir = path.join(root, `run-${(count += 1)}`, 'logs');
  writer = new CaseLogWriter(logsDir);
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function logOf(traceId: string): string | null {
  const file = path.join(logsDir, `${traceId}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8') : null;
}

describe('CaseLogWriter', () => {
  it('creates the logs folder', () => {
    expect(existsSync(logsDir)).toBe(true);
  });

  it('holds lines printed before the trace id is known, and writes them on bind', () => {
    writer.append('task-1', 'first\n', 'stdout');
    writer.append('task-1', 'second\n', 'stdout');
    expect(logOf(TRACE_A)).toBeNull();
    writer.bind('task-1', TRACE_A);
    expect(logOf(TRACE_A)).toBe('first\nsecond\n');
  });

  it('writes lines synchronously once bound', () => {
    writer.bind('task-1', TRACE_A);
    writer.append('task-1', 'now\n', 'stdout');
    expect(logOf(TRACE_A)).toBe('now\n');
    writer.append('task-1', 'and now\n', 'stdout');
    expect(logOf(TRACE_A)).toBe('now\nand now\n');
  });

  it('prefixes every stderr line', () => {
    writer.bind('task-1', TRACE_A);
    writer.append('task-1', 'out\n', 'stdout');
    writer.append('task-1', 'oops\nat line 2\n', 'stderr');
    writer.append('task-1', 'no newline', 'stderr');
    expect(logOf(TRACE_A)).toBe('out\n[stderr] oops\n[stderr] at line 2\n[stderr] no newline\n');
  });

  it('keeps the output of two tasks apart', () => {
    writer.append('task-2', 'from two\n', 'stdout');
    writer.bind('task-1', TRACE_A);
    writer.append('task-1', 'from one\n', 'stdout');
    writer.bind('task-2', TRACE_B);
    expect(logOf(TRACE_A)).toBe('from one\n');
    expect(logOf(TRACE_B)).toBe('from two\n');
  });

  it('writes buffered lines only once when bound twice', () => {
    writer.append('task-1', 'once\n', 'stdout');
    writer.bind('task-1', TRACE_A);
    writer.bind('task-1', TRACE_A);
    expect(logOf(TRACE_A)).toBe('once\n');
  });

  it('writes nothing for a task that never printed', () => {
    writer.bind('task-1', TRACE_A);
    expect(logOf(TRACE_A)).toBeNull();
  });
});
