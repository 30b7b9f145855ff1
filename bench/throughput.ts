/**
 * The bench's throughput section: the local cloud's round trips per second against the bare
 * emulators replaying the same calls, directly and through the endpoint with IAM.
 */
import type { ReplayResult } from './bare-emulators';
import type { CloudRunResult } from './local-run';
import { fixed, table, verdict } from './util';

/** The goal: with every call through the endpoint and IAM evaluated, still 0.7x the bare emulators. */
export const THROUGHPUT_GOAL_RATIO = 0.7;

/** Calls by service: `SQS.` and `DynamoDB.` totals, for a table row. */
function callTotals(calls: Record<string, number>): [string, string] {
  const sum = (prefix: string) =>
    Object.entries(calls)
      .filter(([key]) => key.startsWith(prefix))
      .reduce((n, [, v]) => n + v, 0);
  return [String(sum('SQS.')), String(sum('DynamoDB.'))];
}

/** Prints the throughput section and returns its figures for the results. */
export function reportThroughput(
  run: CloudRunResult,
  bare: ReplayResult,
  bareViaEndpoint: ReplayResult,
) {
  const ratio = run.roundTripsPerSecond / bare.roundTripsPerSecond;
  const endpointRatio = bareViaEndpoint.roundTripsPerSecond / bare.roundTripsPerSecond;
  console.log(
    `\n3. Local throughput and the endpoint's overhead (the same ${run.roundTrips} round trips; the local cloud's calls all pass its one endpoint with IAM evaluated, while bare fauxqs + dynalite replay the same calls directly with ${run.mappings.maximumConcurrency} consumers per queue)`,
  );
  console.log(
    table(
      ['', 'round trips/s', 'seconds', 'CPU s', 'SQS calls', 'DynamoDB calls'],
      [
        [
          'local cloud',
          fixed(run.roundTripsPerSecond, 0),
          fixed(run.seconds, 2),
          fixed(run.cpuSeconds, 2),
          ...callTotals(run.metrics.calls),
        ],
        [
          'bare emulators',
          fixed(bare.roundTripsPerSecond, 0),
          fixed(bare.seconds, 2),
          fixed(bare.cpuSeconds, 2),
          ...callTotals(bare.calls),
        ],
        [
          'bare via endpoint+IAM',
          fixed(bareViaEndpoint.roundTripsPerSecond, 0),
          fixed(bareViaEndpoint.seconds, 2),
          fixed(bareViaEndpoint.cpuSeconds, 2),
          ...callTotals(bareViaEndpoint.calls),
        ],
      ],
    ),
  );
  console.log(
    `   ratio ${fixed(ratio, 2)} (endpoint + IAM + local cloud engine vs bare emulators); goal >= ${THROUGHPUT_GOAL_RATIO}: ${verdict(ratio >= THROUGHPUT_GOAL_RATIO)}`,
  );
  console.log(
    `   endpoint + IAM alone: the bare replay through the endpoint runs at ${fixed(endpointRatio, 2)}x its direct rate (the rest of the gap is the engine: worker-thread functions, pollers)`,
  );
  return {
    mappings: run.mappings,
    localCloud: {
      roundTripsPerSecond: run.roundTripsPerSecond,
      seconds: run.seconds,
      cpuSeconds: run.cpuSeconds,
      calls: run.metrics.calls,
    },
    bareEmulators: bare,
    ratio,
    goal: THROUGHPUT_GOAL_RATIO,
    bareViaEndpoint,
    endpointRatio,
  };
}
