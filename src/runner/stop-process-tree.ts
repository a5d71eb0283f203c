import { execa } from 'execa';

/**
 * Hard-stop a Vitest child and its test workers: the last resort after the stop flag.
 * POSIX: SIGKILL to the child's process group. Windows (no groups, no SIGTERM): taskkill /T /F.
 */
export async function stopProcessTree(
  pid: number,
  platform: NodeJS.Platform = process.platform,
): Promise<void> {
  if (platform === 'win32') {
    await execa('taskkill', ['/T', '/F', '/PID', String(pid)], { reject: false, windowsHide: true });
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** True while a process with this pid exists. */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
