import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/**
 * The daemon's side of a Vitest child's progress file (see runner-plugin/progress-log.ts): the
 * lines the child has finished writing since the last read. A line still being written, or left
 * without its end by a failed write, waits.
 */
export class ProgressFileReader {
  private fd: number | null = null;
  private position = 0;
  private unfinished: Buffer = Buffer.alloc(0);

  constructor(private readonly file: string) {}

  /** Lines finished since the last call; none while the file does not exist. */
  readLines(): string[] {
    if (this.fd === null) {
      try {
        this.fd = openSync(this.file, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
          return [];
        }
        throw err;
      }
    }
    const size = fstatSync(this.fd).size;
    if (size <= this.position) {
      return [];
    }
    const chunk = Buffer.allocUnsafe(size - this.position);
    let length = 0;
    while (length < chunk.length) {
      const read = readSync(this.fd, chunk, length, chunk.length - length, this.position + length);
      if (read === 0) {
        break;
      }
      length += read;
    }
    this.position += length;
    const data =
      this.unfinished.length > 0
        ? Buffer.concat([this.unfinished, chunk.subarray(0, length)])
        : chunk.subarray(0, length);
    const end = data.lastIndexOf(0x0a);
    this.unfinished = Buffer.from(data.subarray(end + 1));
    return end === -1 ? [] : data.subarray(0, end).toString('utf8').split('\n');
  }

  close(): void {
    if (this.fd !== null) {
      closeSync(this.fd);
      this.fd = null;
    }
  }
}
