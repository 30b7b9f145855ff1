/**
 * Where `npm start` puts the functions' log lines: a file (they are JSON lines, EMF included),
 * while the metrics in them are counted for the progress line and the summary.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { MetricCounts, type StageCounts } from './metric-counts';

export type { StageCounts } from './metric-counts';

/** The functions' log of one run, written to `file` from the start (an earlier run's is replaced). */
export class FunctionLog {
  /** The functions' metrics so far, which the console shows too. */
  readonly metrics = new MetricCounts();
  private readonly stream: WriteStream;
  private firstAcknowledged: number | undefined;

  constructor(readonly file: string) {
    this.stream = createWriteStream(file, { flags: 'w' });
  }

  /** Round trips per stage so far. */
  get counts(): StageCounts {
    return this.metrics.counts;
  }

  /** When (`performance.now()`) the first round trip was acknowledged, once one was. */
  get firstRoundTripAt(): number | undefined {
    return this.firstAcknowledged;
  }

  /** Takes one line of a function's output; a bound function, to give the cloud as its `log`. */
  readonly write = (line: string): void => {
    this.stream.write(`${line}\n`);
    this.metrics.take(line);
    if (this.firstAcknowledged === undefined && this.counts.Acknowledged > 0) {
      this.firstAcknowledged = performance.now();
    }
  };

  /** Resolves once every line is written and the file closed. */
  close(): Promise<void> {
    return new Promise((done) => this.stream.end(done));
  }
}
