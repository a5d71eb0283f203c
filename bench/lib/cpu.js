import { readFileSync } from 'node:fs';

/** USER_HZ: the unit of the tick counts in /proc/<pid>/stat (100 on every Linux build in use). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms) of this process's children that have been waited for, from
 * /proc/self/stat: a Vitest child (plain, or trc's, which the in-process daemon spawns) adds its
 * own time and that of its test workers once reaped. Resolution 10 ms. Null off Linux.
 */
export function readReapedChildrenCpuMs() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cutime = Number(fields[13]);
    const cstime = Number(fields[14]);
    return ((cutime + cstime) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU time (ms) of this process itself: the in-process daemon plus the bench's own polling. */
export function readOwnCpuMs() {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** redis-server's own CPU time (ms), from INFO cpu. */
export async function readRedisCpuMs(redis) {
  const info = await redis.info('cpu');
  const value = (name) => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return (value('used_cpu_user') + value('used_cpu_sys')) * 1000;
}
