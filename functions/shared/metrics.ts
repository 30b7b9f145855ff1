import type { MetricName } from '../../contract/contract';
import { type LineSink, stdout } from './logger';

/**
 * Counts per pipeline stage, flushed as one CloudWatch Embedded Metric Format line per
 * invocation, so metrics cost no API calls and arrive with the logs.
 */
export class Metrics {
  private counts = new Map<MetricName, number>();

  constructor(
    private readonly namespace: string,
    private readonly service: string,
    private readonly sink: LineSink = stdout,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Adds `count` to a metric; zero or less is not recorded, so no empty metric is emitted. */
  add(name: MetricName, count = 1): void {
    if (count > 0) this.counts.set(name, (this.counts.get(name) ?? 0) + count);
  }

  /** Writes the EMF line (if anything was counted) and starts over. */
  flush(): void {
    if (this.counts.size === 0) return;
    const names = [...this.counts.keys()];
    this.sink(
      JSON.stringify({
        _aws: {
          Timestamp: this.clock().getTime(),
          CloudWatchMetrics: [
            {
              Namespace: this.namespace,
              Dimensions: [['Service']],
              Metrics: names.map((name) => ({ Name: name, Unit: 'Count' })),
            },
          ],
        },
        Service: this.service,
        ...Object.fromEntries(this.counts),
      }),
    );
    this.counts.clear();
  }
}
