import { describe, expect, it } from 'vitest';
import {
  checkNodeForVitest,
  checkVitestVersion,
  findMinimumNode,
  parseVersion,
} from '../../src/runner/vitest-support.js';

describe('checkVitestVersion', () => {
  it.each(['3.2.0', '3.2.7', '4.0.9', '4.1.12', '5.0.0', '5.1.1', '5.2.0-beta.1'])(
    'accepts %s',
    (version) => {
      expect(checkVitestVersion(version)).toBeNull();
    },
  );

  it.each(['0.34.6', '1.6.0', '2.1.9', '3.0.9', '3.1.4', '6.0.0'])(
    'refuses %s, naming it and the supported versions',
    (version) => {
      expect(checkVitestVersion(version)).toBe(
        `Vitest ${version} is not supported: trc supports Vitest 3.2.x, 4.0.x, 4.1.x and 5.x`,
      );
    },
  );
});

describe('checkNodeForVitest', () => {
  it.each<[string, string]>([
    ['3.2.7', '18.0.0'],
    ['4.1.12', '20.20.0'],
    ['5.1.1', '22.12.0'],
    ['5.1.1', 'v24.1.0'],
  ])('lets Vitest %s run on node %s', (vitest, node) => {
    expect(checkNodeForVitest(vitest, node)).toBeNull();
  });

  it.each<[string, string, string]>([
    ['5.1.1', '20.20.0', '22.12.0'],
    ['5.0.0', '22.11.0', '22.12.0'],
    ['4.0.9', '18.20.4', '20.0.0'],
  ])('refuses Vitest %s on node %s, naming the node it needs', (vitest, node, needed) => {
    expect(checkNodeForVitest(vitest, node)).toBe(
      `Vitest ${vitest} needs node ≥ ${needed}, and this project's node is v${node}`,
    );
  });

  it('reads versions with a v prefix or a pre-release tag', () => {
    expect(parseVersion('v22.12.0')).toEqual([22, 12, 0]);
    expect(parseVersion('5.0.0-beta.3')).toEqual([5, 0, 0]);
    expect(findMinimumNode('3.2.7')).toBe('18.0.0');
  });
});
