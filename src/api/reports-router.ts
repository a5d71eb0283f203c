import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Router, type Response } from 'express';
import type { Logger } from 'pino';
import { ZipFile } from 'yazl';
import { AppError } from '../errors.js';
import type { ReportKind, RunService } from '../runs/run-service.types.js';
import {
  CONTENT_TYPES,
  isNotFoundError,
  openExistingFile,
  setAttachment,
  streamFile,
} from './file-response.js';
import { parseRunId } from './route-params.js';

/** What the reports router needs. */
export interface ReportsRouterDeps {
  runs: RunService;
  logger: Logger;
}

interface ArchiveEntry {
  path: string;
  name: string;
}

const REPORT_FILES: Record<ReportKind, { suffix: string; contentType: string }> = {
  html: { suffix: '-report.html', contentType: CONTENT_TYPES.html },
  junit: { suffix: '-junit.xml', contentType: CONTENT_TYPES.xml },
};

async function sendReport(res: Response, runs: RunService, runId: string, kind: ReportKind): Promise<void> {
  const file = await openExistingFile(await runs.reportPath(runId, kind));
  if (file === null) {
    throw new AppError('Report not ready', { code: 'REPORT_NOT_READY' });
  }
  const { suffix, contentType } = REPORT_FILES[kind];
  try {
    const { size } = await file.stat();
    setAttachment(res.status(200).type(contentType), `${runId}${suffix}`).set('Content-Length', String(size));
  } catch (error) {
    await file.close();
    throw error;
  }
  await streamFile(res, file);
}

/** Keeps the archive entries whose file still exists (retention may remove files at any time). */
async function keepExistingFiles(entries: ArchiveEntry[], logger: Logger): Promise<ArchiveEntry[]> {
  const checked = await Promise.all(
    entries.map(async (entry) => {
      try {
        return (await stat(entry.path)).isFile() ? entry : null;
      } catch (error) {
        if (isNotFoundError(error)) {
          logger.warn({ file: entry.name }, 'archive entry missing, left out');
          return null;
        }
        throw error;
      }
    }),
  );
  return checked.filter((entry): entry is ArchiveEntry => entry !== null);
}

async function sendArchive(res: Response, deps: ReportsRouterDeps, runId: string): Promise<void> {
  const entries = await keepExistingFiles(await deps.runs.archiveEntries(runId), deps.logger);
  const zip = new ZipFile();
  for (const entry of entries) {
    zip.addFile(entry.path, entry.name);
  }
  // yazl's outputStream is a PassThrough; its types only say ReadableStream.
  const output = zip.outputStream as Readable;
  zip.on('error', (error: Error) => output.destroy(error));
  zip.end();
  setAttachment(res.status(200).type(CONTENT_TYPES.zip), `${runId}.zip`);
  await pipeline(output, res);
}

/**
 * Routes of a run's reports, relative to `/api/v1/runs`: report.html, junit.xml and a zip
 * archive of reports and logs, each an attachment whose file name carries the run id.
 */
export function createReportsRouter(deps: ReportsRouterDeps): Router {
  const router = Router();

  router.get('/:runId/report', async (req, res) => {
    await sendReport(res, deps.runs, parseRunId(req.params.runId), 'html');
  });

  router.get('/:runId/report/junit.xml', async (req, res) => {
    await sendReport(res, deps.runs, parseRunId(req.params.runId), 'junit');
  });

  router.get('/:runId/report/archive', async (req, res) => {
    await sendArchive(res, deps, parseRunId(req.params.runId));
  });

  return router;
}
