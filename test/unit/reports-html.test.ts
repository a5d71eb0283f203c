import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/reports/html.js';
import { LOG_LIMIT_BYTES } from '../../src/reports/html-log.js';
import {
  INVALID_XML_CHARS,
  RUN_ID,
  makeCancelledRun,
  makeEmptyRun,
  makeRun,
  makeTest,
} from './reports-fixtures.js';

/** The markup of the case row whose trace id is given (its `<tbody>`). */
function caseBlock(html: string, traceId: string): string {
  const start = html.indexOf(`<tbody class="case"`, html.indexOf(`id="trace-${traceId}"`) - 60);
  const block = html.slice(start, html.indexOf('</tbody>', start));
  expect(block).toContain(`id="trace-${traceId}"`);
  return block;
}

function readTile(html: string, label: string): string | undefined {
  return new RegExp(`<div class="value">(\\d+)</div><div class="label">${label}</div>`).exec(html)?.[1];
}

describe('renderHtml on a cancelled run', () => {
  const html = renderHtml(makeCancelledRun());

  it('is one self-contained page: no external script, style, font, image or link', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toMatch(/<link\b/i);
    expect(html).not.toMatch(/<img\b|<iframe\b|<object\b|<embed\b/i);
    expect(html).not.toMatch(/\b(?:src|href)\s*=\s*["']/i);
    expect(html).not.toMatch(/@import|url\(/i);
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script>']);
    expect(html.match(/<style\b[^>]*>/g)).toEqual(['<style>']);
  });

  it('forbids any fetch by policy and allows exactly its own inline script and style', () => {
    const policy = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(policy).toContain("default-src 'none'");
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(html)?.[1] ?? '';
    const hash = (text: string): string => createHash('sha256').update(text).digest('base64');
    expect(policy).toContain(`script-src 'sha256-${hash(script)}'`);
    expect(policy).toContain(`style-src 'sha256-${hash(style)}'`);
    expect(() => new Function(script)).not.toThrow();
  });

  it('shows the run summary', () => {
    expect(html).toContain(`<title>${RUN_ID} · CANCELLED · trc report</title>`);
    expect(html).toContain(`<span class="run-id">${RUN_ID}</span>`);
    expect(html).toContain('<span class="badge skipped">CANCELLED</span>');
    expect(html).toContain('Reason:</strong> cancelled by qa@example.com: &lt;b&gt;wrong build&lt;/b&gt;');
    expect(html).toContain('<dt>Project</dt><dd>shop-e2e</dd>');
    expect(html).toContain('<dt>Result</dt><dd>no result</dd>');
    expect(html).toContain(
      '<dt>Started</dt><dd><time datetime="2025-01-31T09:15:03.000Z">2025-01-31 09:15:03 UTC</time>',
    );
    expect(html).toContain('<dt>Duration</dt><dd>1 min 42 s</dd>');
    expect(html).toContain('<li class="chip">branch=main</li><li class="chip">build=1842</li>');
    expect(html).toContain('<li>showConsole ignored on linux</li>');
    expect([
      readTile(html, 'Total'),
      readTile(html, 'Passed'),
      readTile(html, 'Failed'),
      readTile(html, 'Skipped'),
    ]).toEqual(['9', '2', '2', '5']);
  });

  it('has a status filter that is hidden until the script runs, with every case visible without it', () => {
    const bar = /<nav class="toolbar" id="filters"[^>]*>[\s\S]*?<\/nav>/.exec(html)?.[0] ?? '';
    expect(bar).toMatch(/^<nav[^>]* hidden>/);
    const filters = [...bar.matchAll(/data-filter="(\w+)"[^>]*>(\w+)<span class="count">(\d+)<\/span>/g)].map(
      (m) => m.slice(1),
    );
    expect(filters).toEqual([
      ['all', 'All', '9'],
      ['passed', 'Passed', '2'],
      ['failed', 'Failed', '2'],
      ['skipped', 'Skipped', '5'],
    ]);
    const rows = [...html.matchAll(/<tbody class="case" data-status="(\w+)"[^>]*>/g)];
    expect(rows.map((row) => row[1])).toEqual([
      'passed',
      'failed',
      'skipped',
      'skipped',
      'passed',
      'failed',
      'skipped',
      'skipped',
      'skipped',
    ]);
    expect(rows.every((row) => !row[0].includes('hidden'))).toBe(true);
  });

  it('has a section per test file with its counts', () => {
    const files = [...html.matchAll(/<details class="file" open data-file="([^"]+)">/g)].map((m) => m[1]);
    expect(files).toEqual([
      'test/api/login.test.ts',
      'test/api/orders.test.ts',
      'test/e2e/checkout.test.ts',
      'test/e2e/search.test.ts',
    ]);
    expect(html).toContain('4 tests · <span class="failed">1 failed</span> · 1 passed · 2 skipped · 1.32 s');
  });

  it('shows a row per case with badge, name, duration and trace id', () => {
    const ok = caseBlock(html, 'tr-login-ok');
    expect(ok).toContain('<span class="badge passed">passed</span>');
    expect(ok).toContain('<span class="parents">login &gt; </span>accepts valid credentials');
    expect(ok).toContain('<td class="duration">1.23 s</td>');
    expect(ok).toContain('<td class="trace">tr-login-ok</td>');
    expect(caseBlock(html, 'tr-search')).toContain(
      '<span class="badge skipped">skipped</span><div class="skip-reason">timed out</div>',
    );
    expect(caseBlock(html, 'tr-orders-cancel')).toContain('<div class="skip-reason">cancelled</div>');
  });

  it('shows failures and crashes with message and stack', () => {
    const failed = caseBlock(html, 'tr-login-bad');
    expect(failed).toContain('<div class="error-message">expected 401 to be 200 // Object.is equality</div>');
    expect(failed).toContain(
      '<pre>AssertionError: expected 401 to be 200 // Object.is equality\n    at /repo/test/api/login.test.ts:42:27',
    );
    const crashed = caseBlock(html, 'tr-orders-crash');
    expect(crashed).toContain('<div class="error crash">');
    expect(crashed).toContain('Vitest child was killed (SIGKILL) while this case ran');
  });

  it('escapes names and logs so markup in them stays inert', () => {
    expect(html).not.toContain('<script>alert(1)</script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('creates an order for &quot;Tom &amp; Jerry&quot;');
    const xssLog = caseBlock(html, 'tr-orders-xss');
    expect(xssLog).toContain(
      '&lt;/pre&gt;&lt;script&gt;alert(&quot;log&quot;)&lt;/script&gt;&lt;img src=&quot;http://evil.test/x.png&quot;&gt;',
    );
  });

  it('puts each log in a collapsible block, without ANSI codes or control characters', () => {
    const ok = caseBlock(html, 'tr-login-ok');
    expect(ok).toMatch(
      /<details class="log"><summary>Log · [\d.]+ B<\/summary><pre>✓ POST \/login 200 — 用户 Zoë 👩‍💻 logged in\nlink done<\/pre><\/details>/,
    );
    expect(html).not.toContain('\u001b');
    for (const char of INVALID_XML_CHARS) {
      expect(html).not.toContain(char);
    }
    expect(caseBlock(html, 'tr-login-sso')).not.toContain('<details');
  });
});

describe('renderHtml edge cases', () => {
  it('says so when a run has no test cases', () => {
    const html = renderHtml(makeEmptyRun());
    expect(html).toContain('<p class="empty">This run has no test cases.</p>');
    expect(html).toContain('Reason:</strong> Vitest was not found in the project');
    expect(html).toContain('<dt>Started</dt><dd>–</dd>');
    expect(readTile(html, 'Total')).toBe('0');
    expect(html).not.toContain('<tbody class="case"');
  });

  it('truncates a log above 256 KiB, keeps its start and end, and says so', () => {
    const line = 'x'.repeat(99) + '\n';
    const log = 'FIRST LINE\n' + line.repeat(5000) + 'LAST LINE';
    const test = makeTest({ file: 'big.test.ts', name: 'chatty', traceId: 'tr-big' });
    const html = renderHtml({ run: makeRun(), tests: [test], logs: new Map([['tr-big', log]]) });
    const block = caseBlock(html, 'tr-big');
    expect(block).toContain('<summary>Log · 488.3 KiB (truncated)</summary>');
    expect(block).toContain('<p class="log-note">Log truncated');
    expect(block).toContain('FIRST LINE');
    expect(block).toContain('LAST LINE');
    expect(block).toMatch(/… \d+ bytes omitted/);
    expect(block.length).toBeLessThan(LOG_LIMIT_BYTES + 2000);
    expect(block.length).toBeGreaterThan(LOG_LIMIT_BYTES - 1000);
  });

  it('does not truncate a log of exactly 256 KiB', () => {
    const log = 'é'.repeat(LOG_LIMIT_BYTES / 2);
    const test = makeTest({ file: 'big.test.ts', name: 'exact', traceId: 'tr-exact' });
    const html = renderHtml({ run: makeRun(), tests: [test], logs: new Map([['tr-exact', log]]) });
    expect(caseBlock(html, 'tr-exact')).toContain('<summary>Log · 256.0 KiB</summary>');
    expect(html).not.toContain('Log truncated');
  });
});
