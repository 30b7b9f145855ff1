/**
 * Where `npm start` puts the functions' log lines: a file (they are JSON lines, EMF included),
 * while the metrics in them are counted for the progress line and the summary.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { METRIC_NAMES, type MetricName } from '../../contract/contract';

/** Round trips per stage so far, counted from the functions' metrics. */
export type StageCounts = Record<MetricName, number>;

/** The functions' log of one run, written to `file` from the start (an earlier run's is replaced). */
export class FunctionLog {
  readonly counts = Object.fromEntries(METRIC_NAMES.map((name) => [name, 0])) as StageCounts;
  private readonly stream: WriteStream;
  private firstAcknowledged: number | undefined;

  constructor(readonly file: string) {
    this.stream = createWriteStream(file, { flags: 'w' });
  }

  /** When (`performance.now()`) the first round trip was acknowledged, once one was. */
  get firstRoundTripAt(): number | undefined {
    return this.firstAcknowledged;
  }

  /** Takes one line of a function's output; a bound function, to give the cloud as its `log`. */
  readonly write = (line: string): void => {
    this.stream.write(`${line}\n`);
    if (!line.includes('"_aws"')) return;
    const metrics = JSON.parse(line) as Record<string, unknown>;
    for (const name of METRIC_NAMES) {
      const value = metrics[name];
      if (typeof value === 'number') this.counts[name] += value;
    }
    if (this.firstAcknowledged === undefined && this.counts.Acknowledged > 0) {
      this.firstAcknowledged = performance.now();
    }
  };

  /** Resolves once every line is written and the file closed. */
  close(): Promise<void> {
    return new Promise((done) => this.stream.end(done));
  }
}
