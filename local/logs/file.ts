// A log group's file in a data directory: one JSON line per event (`{"t","i","m"}`), after
// optional lines `{"d":N}` counting the events dropped from it so far.

import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { finished } from 'node:stream/promises';

/** A line counting events dropped from the file. */
const DROPPED_LINE = /^\{"d":(\d+)/;

/** Parses a group file: its dropped count and its events' lines, oldest first. */
export function parseGroupFile(text: string): { dropped: number; lines: string[] } {
  let dropped = 0;
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const count = DROPPED_LINE.exec(line);
    if (count) dropped += Number(count[1]);
    else lines.push(line);
  }
  return { dropped, lines };
}

/** The file's lines, one at a time, without the empty ones. */
async function* linesOf(path: string): AsyncGenerator<string> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
  for await (const line of lines) if (line) yield line;
}

/**
 * Cuts a group file to its newest `keep` events, adding the ones it cuts to its dropped count.
 * It streams: the file is read twice, a line at a time (to count, then to copy), so the cut costs
 * no memory however long the file. Read whole, the file was one large string, split and joined
 * again: several copies of it held at once, at every cut.
 */
export async function cutGroupFile(path: string, keep: number): Promise<void> {
  let dropped = 0;
  let events = 0;
  for await (const line of linesOf(path)) {
    const count = DROPPED_LINE.exec(line);
    if (count) dropped += Number(count[1]);
    else events += 1;
  }
  const cut = Math.max(0, events - keep);
  const scratch = `${path}.${process.pid}.tmp`;
  const out = createWriteStream(scratch);
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  try {
    await write(`{"d":${dropped + cut}}`);
    let seen = 0;
    for await (const line of linesOf(path)) {
      if (DROPPED_LINE.test(line)) continue;
      seen += 1;
      if (seen > cut) await write(line);
    }
  } finally {
    out.end();
    await finished(out);
  }
  await rename(scratch, path);
}
