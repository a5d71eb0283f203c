import { readFileSync } from 'node:fs';

/**
 * Read the JSON lines the fixture cases append (`{t, file, i, kind}`), sorted by time.
 * A missing file is an empty list; a torn last line (a child killed mid-write) is skipped.
 */
export function readStarts(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') {
      return [];
    }
    throw error;
  }
  const entries = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      continue;
    }
    try {
      entries.push(JSON.parse(line));
    } catch {
      // torn line
    }
  }
  return entries.sort((a, b) => a.t - b.t);
}
