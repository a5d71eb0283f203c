import { execa } from 'execa';

const known = new Map<string, string>();

/** The version (`22.12.0`) of a node binary: the running one is read in place, others are asked once. */
export async function findNodeVersion(nodePath: string): Promise<string> {
  if (nodePath === process.execPath) {
    return process.versions.node;
  }
  const cached = known.get(nodePath);
  if (cached) {
    return cached;
  }
  const result = await execa(nodePath, ['-p', 'process.versions.node'], {
    reject: false,
    timeout: 15_000,
    stdin: 'ignore',
  });
  const version = String(result.stdout ?? '').trim();
  if (result.exitCode !== 0 || !/^\d+\.\d+\.\d+/.test(version)) {
    throw new Error(
      `the node binary ${nodePath} does not run: ${result.shortMessage ?? 'no version printed'}`,
    );
  }
  known.set(nodePath, version);
  return version;
}
