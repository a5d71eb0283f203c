import { open, type FileHandle } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';

/** Content types of the files the API serves. */
export const CONTENT_TYPES = {
  text: 'text/plain; charset=utf-8',
  html: 'text/html; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  zip: 'application/zip',
} as const;

/**
 * Sets `Content-Disposition: attachment; filename="<fileName>"`. The name must be a plain token
 * (run ids are checked against their pattern before they get here), so no escaping is needed.
 */
export function setAttachment(res: Response, fileName: string): Response {
  return res.set('Content-Disposition', `attachment; filename="${fileName}"`);
}

/** True for a file-system error that means "no such file". */
export function isNotFoundError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR');
}

/** Opens a file for reading, or null when it does not exist. Opening first lets a route answer 404 before any header is sent. */
export async function openExistingFile(path: string): Promise<FileHandle | null> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if (isNotFoundError(error)) {
      return null;
    }
    throw error;
  }
}

/** Streams an open file as the response body (the caller sets the headers); the file is closed afterwards. */
export async function streamFile(res: Response, file: FileHandle): Promise<void> {
  await pipeline(file.createReadStream(), res);
}

/**
 * Answers a text file as text/plain, or an empty body when the file does not exist yet
 * (a run log before the child starts, the log of a case that printed nothing).
 */
export async function sendTextFile(res: Response, path: string): Promise<void> {
  const file = await openExistingFile(path);
  res.status(200).type(CONTENT_TYPES.text).set('X-Content-Type-Options', 'nosniff');
  if (file === null) {
    res.send('');
    return;
  }
  await streamFile(res, file);
}
