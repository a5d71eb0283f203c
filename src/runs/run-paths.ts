import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

/** Where a run's files live. Run ids are validated before they get here, so they are safe path parts. */
export class RunPaths {
  constructor(private readonly dirs: { reportsDir: string; logsDir: string; dataDir: string }) {}

  reportsDir(runId: string): string {
    return path.join(this.dirs.reportsDir, runId);
  }

  junit(runId: string): string {
    return path.join(this.reportsDir(runId), 'junit.xml');
  }

  html(runId: string): string {
    return path.join(this.reportsDir(runId), 'report.html');
  }

  logsDir(runId: string): string {
    return path.join(this.dirs.logsDir, runId);
  }

  runLog(runId: string): string {
    return path.join(this.logsDir(runId), 'run.log');
  }

  /** Output of Vitest launchers started ahead of their runs: renamed to a run's run.log, so beside them. */
  standbyDir(): string {
    return path.join(this.dirs.logsDir, '.standby');
  }

  caseLog(runId: string, traceId: string): string {
    return path.join(this.logsDir(runId), `${traceId}.log`);
  }

  /** Scratch space for the child (generated runner modules); removed when the run ends. */
  workDir(runId: string): string {
    return path.join(this.dirs.dataDir, 'runs', runId);
  }

  /** The control socket between the child's main process and its workers; kept short for unix limits. */
  controlSocket(runId: string, platform: NodeJS.Platform = process.platform): string {
    if (platform === 'win32') {
      return `\\\\.\\pipe\\trc-${runId}`;
    }
    const preferred = path.join(this.workDir(runId), 'c.sock');
    if (Buffer.byteLength(preferred) < 100) {
      return preferred;
    }
    const digest = createHash('sha256').update(preferred).digest('hex').slice(0, 12);
    return path.join(os.tmpdir(), `trc-${digest}.sock`);
  }
}
