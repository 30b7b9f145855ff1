// A temporary file an upload is written to as it arrives, so the process holds none of it until
// the whole body has arrived within its bound.

import { randomUUID } from 'node:crypto';
import { type FileHandle, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A temporary file, written in order, read back whole, then discarded. */
export class Spool {
  private constructor(
    private readonly path: string,
    private readonly file: FileHandle,
  ) {}

  /** Creates an empty file of its own (mode 600) in the system's temporary directory. */
  static async open(): Promise<Spool> {
    const path = join(tmpdir(), `local-cloud-upload-${process.pid}-${randomUUID()}`);
    return new Spool(path, await open(path, 'wx', 0o600));
  }

  /** Appends `pieces`, in order. */
  async write(pieces: readonly Buffer[]): Promise<void> {
    for (const piece of pieces) {
      let at = 0;
      while (at < piece.length) at += (await this.file.write(piece, at)).bytesWritten;
    }
  }

  /** Everything written. */
  read(): Promise<Buffer> {
    return readFile(this.path);
  }

  /** Closes and deletes the file; safe to call more than once. */
  async discard(): Promise<void> {
    await this.file.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }
}
