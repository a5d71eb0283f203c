import { randomBytes } from 'node:crypto';

const ID_BYTES = 16;
/** Trace ids drawn per call to the random source: one call costs as much as hundreds of slices. */
const IDS_PER_DRAW = 256;
const ALL_ZEROS = '0'.repeat(ID_BYTES * 2);

let pool = Buffer.alloc(0);
let offset = 0;

/** A W3C-compatible trace id: 32 lowercase hex characters, never all zeros. */
export function createTraceId(): string {
  if (offset >= pool.length) {
    pool = randomBytes(ID_BYTES * IDS_PER_DRAW);
    offset = 0;
  }
  const id = pool.toString('hex', offset, offset + ID_BYTES);
  offset += ID_BYTES;
  return id === ALL_ZEROS ? createTraceId() : id;
}
