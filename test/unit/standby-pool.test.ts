import { describe, expect, it } from 'vitest';
import { isSameAtStart } from '../../src/runner/standby-pool.js';

const started = { PATH: '/usr/bin', HOME: '/root', NO_COLOR: '1', TRC_STANDBY: '1' };

describe('isSameAtStart (may a launcher started ahead take a run with this environment)', () => {
  it.each<[string, Record<string, string>]>([
    ['the same environment', {}],
    ['a variable of the test code', { BASE_URL: 'https://staging' }],
    ['NODE_ENV, which node does not read', { NODE_ENV: 'production' }],
    ["trc's own run config", { TRC_CHILD_CONFIG: '{}' }],
    ['LANGX, which is not LANG', { LANGX: 'x' }],
  ])('yes with %s', (_what, extra) => {
    expect(isSameAtStart(started, { ...started, ...extra })).toBe(true);
  });

  it.each<[string, Record<string, string>]>([
    ['NODE_OPTIONS', { NODE_OPTIONS: '--max-old-space-size=4096' }],
    ['NODE_EXTRA_CA_CERTS', { NODE_EXTRA_CA_CERTS: '/etc/ca.pem' }],
    ['UV_THREADPOOL_SIZE', { UV_THREADPOOL_SIZE: '16' }],
    ['LD_PRELOAD', { LD_PRELOAD: '/lib/x.so' }],
    ['LANG', { LANG: 'de_DE.UTF-8' }],
    ['LANGUAGE', { LANGUAGE: 'de' }],
    ['LC_ALL', { LC_ALL: 'C' }],
    ['HOME', { HOME: '/home/qa' }],
  ])('no when the run sets %s', (_what, extra) => {
    expect(isSameAtStart(started, { ...started, ...extra })).toBe(false);
  });

  it('no when the run drops a variable node reads as it starts', () => {
    const { HOME: _home, ...withoutHome } = started;
    expect(isSameAtStart(started, withoutHome)).toBe(false);
  });

  it('with NODE_OPTIONS set as it started (a preload may read anything), only when every variable agrees', () => {
    const preloading = { ...started, NODE_OPTIONS: '--require dotenv/config' };
    expect(isSameAtStart(preloading, { ...preloading, TRC_CHILD_CONFIG: '{}' })).toBe(true);
    expect(isSameAtStart(preloading, { ...preloading, OTEL_SERVICE_NAME: 'checkout' })).toBe(false);
  });
});
