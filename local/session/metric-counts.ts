/**
 * What the functions have counted so far, from the Embedded Metric Format lines they log: the
 * round trips at each stage, for `npm start`'s progress and summary and the console's live
 * counts, without reading a table.
 */
import { METRIC_NAMES, type MetricName } from '../../contract/contract';

/** Round trips per stage so far, counted from the functions' metrics. */
export type StageCounts = Record<MetricName, number>;

/** The functions' metric counts since the cloud started. */
export class MetricCounts {
  readonly counts = Object.fromEntries(METRIC_NAMES.map((name) => [name, 0])) as StageCounts;

  /** Takes one line of a function's output; only metric lines count. A bound function. */
  readonly take = (line: string): void => {
    if (!line.includes('"_aws"')) return;
    let metrics: Record<string, unknown>;
    try {
      metrics = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    for (const name of METRIC_NAMES) {
      const value = metrics[name];
      if (typeof value === 'number') this.counts[name] += value;
    }
  };
}
