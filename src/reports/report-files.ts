import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RunReportInput } from '../runs/model.js';
import { renderHtml } from './html.js';
import { buildJunit } from './junit.js';

/** Where {@link writeReports} put the reports. */
export interface ReportPaths {
  junitPath: string;
  htmlPath: string;
}

/** Writes a file under a temporary name in the same folder, then renames it into place. */
async function writeFileAtomic(filePath: string, content: string): Promise<void> {
  const tempPath = `${filePath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tempPath, content, 'utf8');
    await rename(tempPath, filePath);
  } catch (error) {
    await rm(tempPath, { force: true });
    throw error;
  }
}

/**
 * Writes `junit.xml` and `report.html` for a run into `dir` (created if missing). Each file
 * appears whole or not at all: a reader never sees a half-written report, and a report
 * written again replaces the old one in one step.
 */
export async function writeReports(dir: string, input: RunReportInput): Promise<ReportPaths> {
  await mkdir(dir, { recursive: true });
  const junitPath = path.join(dir, 'junit.xml');
  const htmlPath = path.join(dir, 'report.html');
  await writeFileAtomic(junitPath, buildJunit(input));
  await writeFileAtomic(htmlPath, renderHtml(input));
  return { junitPath, htmlPath };
}
