import { v4 as uuidv4 } from 'uuid';

/** Run ids read `test_YYYYMMDD_HHMMSS_<8 hex>`, the time in UTC. */
export const RUN_ID_PATTERN = /^test_\d{8}_\d{6}_[0-9a-f]{8}$/;

export function createRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return `test_${stamp}_${uuidv4().replace(/-/g, '').slice(0, 8)}`;
}
