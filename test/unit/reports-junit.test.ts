import { afterAll, describe, expect, it } from 'vitest';
import { buildJunit } from '../../src/reports/junit.js';
import {
  ASSERTION_STACK,
  INVALID_XML_CHARS,
  RUN_ID,
  makeCancelledRun,
  makeEmptyRun,
  makeRun,
  makeTest,
} from './reports-fixtures.js';
import { removeXmlFiles, writeXml, type XmlFile } from './reports-xml.js';

afterAll(removeXmlFiles);

const LOGIN = 'test/api/login.test.ts';
const ORDERS = 'test/api/orders.test.ts';

function suite(xml: XmlFile, file: string, attribute: string): string {
  return xml.query(`string(//testsuite[@name="${file}"]/@${attribute})`);
}

function testCase(name: string): string {
  return `//testcase[@name='${name}']`;
}

describe('buildJunit on a cancelled run', () => {
  const input = makeCancelledRun();
  const xml = writeXml(buildJunit(input));

  it('validates against the Jenkins JUnit schema', () => {
    expect(() => xml.validate()).not.toThrow();
  });

  it('counts every case on the root, without the skipped attribute the schema rejects there', () => {
    expect(xml.query('string(/testsuites/@tests)')).toBe('9');
    expect(xml.query('string(/testsuites/@failures)')).toBe('1');
    expect(xml.query('string(/testsuites/@errors)')).toBe('1');
    expect(xml.query('count(/testsuites/@skipped)')).toBe('0');
    expect(xml.query('string(/testsuites/@name)')).toBe(`trc run ${RUN_ID}`);
    expect(xml.query('string(/testsuites/@time)')).toBe('102.25');
  });

  it('writes one suite per file, in execution order, placeholders included', () => {
    expect(xml.query('count(//testsuite)')).toBe('4');
    const names = [1, 2, 3, 4].map((index) => xml.query(`string(//testsuite[${index}]/@name)`));
    expect(names).toEqual([LOGIN, ORDERS, 'test/e2e/checkout.test.ts', 'test/e2e/search.test.ts']);
  });

  it('counts tests, failures, errors and skips per suite', () => {
    const counts = (file: string): string[] =>
      ['tests', 'failures', 'errors', 'skipped'].map((attribute) => suite(xml, file, attribute));
    expect(counts(LOGIN)).toEqual(['4', '1', '0', '2']);
    expect(counts(ORDERS)).toEqual(['3', '0', '1', '1']);
    expect(counts('test/e2e/checkout.test.ts')).toEqual(['1', '0', '0', '1']);
    expect(counts('test/e2e/search.test.ts')).toEqual(['1', '0', '0', '1']);
  });

  it('stamps suites with the run start and their summed time', () => {
    expect(suite(xml, LOGIN, 'timestamp')).toBe('2025-01-31T09:15:03Z');
    expect(suite(xml, LOGIN, 'time')).toBe('1.322');
    expect(xml.query(`string(//testsuite[@name="${LOGIN}"]/properties/property[@name="runId"]/@value)`)).toBe(
      RUN_ID,
    );
  });

  it('names cases by full name and classname by file, with times of at most 3 decimals', () => {
    const ok = testCase('login > accepts valid credentials');
    expect(xml.query(`string(${ok}/@classname)`)).toBe(LOGIN);
    expect(xml.query(`string(${ok}/@time)`)).toBe('1.235');
    expect(xml.query(`string(${testCase('orders > <script>alert(1)</script>')}/@time)`)).toBe('0.003');
    const times = xml.query('//@time').match(/time="[^"]*"/g) ?? [];
    expect(times.length).toBe(14);
    for (const time of times) {
      expect(time).toMatch(/^time="\d+(\.\d{1,3})?"$/);
    }
  });

  it('reports an assertion failure with message, type and stack', () => {
    const failure = `${testCase('login > rejects a wrong password')}/failure`;
    expect(xml.query(`string(${failure}/@message)`)).toBe('expected 401 to be 200 // Object.is equality');
    expect(xml.query(`string(${failure}/@type)`)).toBe('AssertionError');
    expect(xml.query(`string(${failure})`)).toBe(ASSERTION_STACK);
  });

  it('reports the case in flight when the child was killed as an error', () => {
    const crashed = testCase('orders > creates an order for "Tom & Jerry"');
    expect(xml.query(`count(${crashed}/failure)`)).toBe('0');
    expect(xml.query(`string(${crashed}/error/@message)`)).toBe(
      'Vitest child was killed (SIGKILL) while this case ran',
    );
  });

  it('gives every skipped case its reason as the skipped message', () => {
    const reason = (name: string): string => xml.query(`string(${testCase(name)}/skipped/@message)`);
    expect(reason('login > supports SSO')).toBe('skip');
    expect(reason('login > locks after 5 attempts')).toBe('todo');
    expect(reason('orders > cancels an order')).toBe('cancelled');
    expect(reason('test/e2e/checkout.test.ts')).toBe('cancelled');
    expect(reason('test/e2e/search.test.ts')).toBe('timed out');
    expect(xml.query('count(//testcase[not(skipped)])')).toBe('4');
  });

  it('opens each system-out with the runId, traceId and skipReason properties', () => {
    const out = (name: string): string => xml.query(`string(${testCase(name)}/system-out)`);
    expect(out('login > accepts valid credentials').split('\n').slice(0, 2)).toEqual([
      `[[PROPERTY|runId=${RUN_ID}]]`,
      '[[PROPERTY|traceId=tr-login-ok]]',
    ]);
    expect(out('test/e2e/search.test.ts')).toBe(
      [
        `[[PROPERTY|runId=${RUN_ID}]]`,
        '[[PROPERTY|traceId=tr-search]]',
        '[[PROPERTY|skipReason=timed out]]',
      ].join('\n'),
    );
  });

  it('carries each log with ANSI codes and XML-invalid characters removed, unicode kept', () => {
    const out = (name: string): string =>
      xml
        .query(`string(${testCase(name)}/system-out)`)
        .split('\n')
        .slice(2)
        .join('\n');
    expect(out('login > accepts valid credentials')).toBe(
      '✓ POST /login 200 — 用户 Zoë 👩‍💻 logged in\nlink done',
    );
    const bad = out('login > rejects a wrong password');
    expect(bad).toBe(
      'POST /login 401 body: {"error":"bad password"}\nfirst ]]> then ]]> again </system-out>',
    );
    for (const char of INVALID_XML_CHARS) {
      expect(bad).not.toContain(char);
    }
    expect(out('orders > creates an order for "Tom & Jerry"')).toBe(
      'creating order…\nERR upstream took too long',
    );
  });

  it('is the same document when built twice (no state shared between builds)', () => {
    expect(buildJunit(input)).toBe(buildJunit(input));
  });
});

describe('buildJunit edge cases', () => {
  it('writes a valid, empty report for a run with zero tests', () => {
    const xml = writeXml(buildJunit(makeEmptyRun()));
    expect(() => xml.validate()).not.toThrow();
    expect(xml.query('count(//testsuite)')).toBe('0');
    expect(xml.query('string(/testsuites/@tests)')).toBe('0');
    expect(xml.query('string(/testsuites/@failures)')).toBe('0');
  });

  it('keeps a placeholder skipped whatever its stored status, and flags unfinished cases', () => {
    const file = 'test/slow.test.ts';
    const tests = [
      makeTest({
        file,
        name: file,
        status: 'pending',
        placeholder: true,
        skipReason: 'cancelled',
        durationMs: null,
      }),
      makeTest({ file: 'a.test.ts', name: 'still running', status: 'running', durationMs: null }),
      makeTest({ file: 'a.test.ts', name: 'never started', status: 'pending', durationMs: null }),
      makeTest({ file: 'a.test.ts', name: 'failed silently', status: 'failed', durationMs: -5 }),
    ];
    const xml = writeXml(buildJunit({ run: makeRun(), tests, logs: new Map() }));
    expect(() => xml.validate()).not.toThrow();
    expect(xml.query(`string(${testCase(file)}/skipped/@message)`)).toBe('cancelled');
    expect(xml.query(`count(${testCase('still running')}/error)`)).toBe('1');
    expect(xml.query(`string(${testCase('never started')}/skipped/@message)`)).toBe('not run');
    expect(xml.query(`string(${testCase('failed silently')}/failure/@message)`)).toBe('Test failed');
    expect(xml.query(`string(${testCase('failed silently')}/@time)`)).toBe('0');
  });

  it('writes a suite per file and Vitest project when the run has several projects', () => {
    const file = 'test/shared.test.ts';
    const tests = [
      makeTest({ file, name: 'works', project: 'chromium', seq: 1 }),
      makeTest({ file, name: 'works', project: 'firefox', seq: 2, status: 'failed' }),
    ];
    const xml = writeXml(buildJunit({ run: makeRun(), tests, logs: new Map() }));
    expect(() => xml.validate()).not.toThrow();
    expect(xml.query(`count(//testsuite[@name="${file}"])`)).toBe('2');
    const project = (index: number): string =>
      xml.query(`string(//testsuite[${index}]/properties/property[@name="vitestProject"]/@value)`);
    expect([project(1), project(2)]).toEqual(['chromium', 'firefox']);
    expect(xml.query('string(//testsuite[2]/@failures)')).toBe('1');
  });

  it('escapes markup and strips invalid characters in names, messages and files', () => {
    const file = `test/we<ird>&"q".test.ts`;
    const tests = [
      makeTest({
        file,
        name: `bell\u0007 <b>&amp;</b>`,
        status: 'failed',
        error: {
          message: `\u001b[31mboom\u001b[0m ${INVALID_XML_CHARS}<x>`,
          stack: 'TypeError: boom\n  at ]]>',
        },
      }),
    ];
    const xml = writeXml(buildJunit({ run: makeRun(), tests, logs: new Map() }));
    expect(() => xml.validate()).not.toThrow();
    expect(xml.query('string(//testsuite/@name)')).toBe(file);
    expect(xml.query('string(//testcase/@name)')).toBe('bell <b>&amp;</b>');
    expect(xml.query('string(//failure/@message)')).toBe('boom <x>');
    expect(xml.query('string(//failure/@type)')).toBe('TypeError');
  });
});
