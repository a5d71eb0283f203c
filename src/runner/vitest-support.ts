/** The Vitest versions trc's runner plugin works with, as users read them. */
export const SUPPORTED_VITEST = '3.2.x, 4.0.x, 4.1.x and 5.x';

type Version = readonly [number, number, number];

/** The oldest node each supported Vitest line runs on (from their `engines.node`). */
const MIN_NODE: ReadonlyArray<{ from: Version; node: Version }> = [
  { from: [5, 0, 0], node: [22, 12, 0] },
  { from: [4, 0, 0], node: [20, 0, 0] },
  { from: [3, 2, 0], node: [18, 0, 0] },
];

/** `1.2.3-beta.1` → `[1, 2, 3]`; missing parts count as 0. */
export function parseVersion(text: string): Version {
  const [major = 0, minor = 0, patch = 0] = text
    .replace(/^v/, '')
    .split(/[.-]/)
    .slice(0, 3)
    .map((part) => Number.parseInt(part, 10) || 0);
  return [major, minor, patch];
}

function isAtLeast(version: Version, floor: Version): boolean {
  for (let i = 0; i < 3; i += 1) {
    const [a = 0, b = 0] = [version[i], floor[i]];
    if (a !== b) {
      return a > b;
    }
  }
  return true;
}

function formatVersion(version: Version): string {
  return version.join('.');
}

/** Why trc cannot drive this Vitest version, or null when it can. */
export function checkVitestVersion(version: string): string | null {
  const parsed = parseVersion(version);
  if (!isAtLeast(parsed, [3, 2, 0]) || parsed[0] > 5) {
    return `Vitest ${version} is not supported: trc supports Vitest ${SUPPORTED_VITEST}`;
  }
  return null;
}

/** The oldest node the given (supported) Vitest version runs on. */
export function findMinimumNode(vitestVersion: string): string {
  const parsed = parseVersion(vitestVersion);
  const entry = MIN_NODE.find(({ from }) => isAtLeast(parsed, from));
  return formatVersion(entry?.node ?? [18, 0, 0]);
}

/** Why this node cannot run this Vitest, or null when it can. */
export function checkNodeForVitest(vitestVersion: string, nodeVersion: string): string | null {
  const minimum = findMinimumNode(vitestVersion);
  if (isAtLeast(parseVersion(nodeVersion), parseVersion(minimum))) {
    return null;
  }
  return `Vitest ${vitestVersion} needs node ≥ ${minimum}, and this project's node is ${nodeVersion.replace(/^v?/, 'v')}`;
}
