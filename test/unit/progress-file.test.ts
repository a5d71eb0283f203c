import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ProgressLog } from '../../runner-plugin/progress-log.js';
import type { TestBatch } from '../../src/runs/test-batch.js';
import { ProgressFileReader } from '../../src/runs/progress-file.js';

let dir: string;
let file: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'trc-progress-'));
  file = path.join(dir, 'progress.jsonl');
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('ProgressLog and ProgressFileReader', () => {
  it('pass each batch as one line, read once, in order', () => {
    const fallback: TestBatch[] = [];
    const log = new ProgressLog(file, (batch) => fallback.push(batch));
    const reader = new ProgressFileReader(file);
    expect(reader.readLines()).toEqual([]);
    log.write({ changes: [{ id: 'a', name: 'first\nline of a name, é' }] });
    log.write({ passed: [['a', 1]] });
    expect(reader.readLines().map((line) => JSON.parse(line) as TestBatch)).toEqual([
      { changes: [{ id: 'a', name: 'first\nline of a name, é' }] },
      { passed: [['a', 1]] },
    ]);
    expect(reader.readLines()).toEqual([]);
    log.write({ files: { '["","a.test.ts"]': 'started' } });
    expect(reader.readLines()).toEqual(['{"files":{"[\\"\\",\\"a.test.ts\\"]":"started"}}']);
    log.close();
    reader.close();
    expect(fallback).toEqual([]);
  });

  it('leave a line being written, split inside a character, until its end is there', () => {
    const reader = new ProgressFileReader(file);
    const line = Buffer.from('{"changes":[{"id":"é"}]}\n');
    const cut = line.indexOf(Buffer.from('é')) + 1;
    appendFileSync(file, line.subarray(0, cut));
    expect(reader.readLines()).toEqual([]);
    appendFileSync(file, line.subarray(cut));
    expect(reader.readLines()).toEqual(['{"changes":[{"id":"é"}]}']);
    reader.close();
  });

  it('send the batch and every later one to the fallback where the file cannot be written', () => {
    const fallback: TestBatch[] = [];
    const log = new ProgressLog(path.join(dir, 'missing', 'progress.jsonl'), (batch) => fallback.push(batch));
    log.write({ passed: [['a', 1]] });
    log.write({ passed: [['b', 2]] });
    expect(fallback).toEqual([{ passed: [['a', 1]] }, { passed: [['b', 2]] }]);
    log.close();
  });

  it('append to what is there: a line is never rewritten', () => {
    appendFileSync(file, '{"passed":[["x",0]]}\n');
    const log = new ProgressLog(file, () => undefined);
    log.write({ passed: [['y', 1]] });
    log.close();
    expect(readFileSync(file, 'utf8')).toBe('{"passed":[["x",0]]}\n{"passed":[["y",1]]}\n');
  });
});
