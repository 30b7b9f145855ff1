/**
 * The bench's cost section: the measured run priced per million round trips beside the design's
 * floor and a naive design, with the gap to the floor explained line by line.
 */
import { cpus } from 'node:os';
import {
  type Cost,
  costPerMillionRoundTrips,
  explainGap,
  floorUsage,
  gapPercent,
  idlePollingRequests,
  naiveUsage,
  perRoundTrip,
  priceUsage,
  scaleUsage,
  US_EAST_1_PRICES,
  usageFromMetrics,
} from './cost-model';
import type { CloudRunResult } from './local-run';
import { fixed, table, verdict } from './util';

/** The goal: the measured cost within this many percent of the floor's. */
export const COST_GAP_GOAL_PERCENT = 10;

const usd = (n: number) => `$${n.toFixed(4)}`;

function costRow(label: string, pick: (c: Cost) => number, columns: Cost[]): string[] {
  return [label, ...columns.map((c) => usd(pick(c)))];
}

/** Dollars per million round trips, line by line, for the measured run and its references. */
function costTable(columns: Cost[]): string {
  return table(
    ['line', 'measured', 'floor', 'naive'],
    [
      costRow('SQS requests', (c) => c.sqs, columns),
      costRow('Lambda invocations', (c) => c.lambdaInvocations, columns),
      costRow('Lambda compute (arm64)', (c) => c.lambdaCompute, columns),
      costRow('DynamoDB writes', (c) => c.dynamoDbWrites, columns),
      costRow('DynamoDB reads', (c) => c.dynamoDbReads, columns),
      costRow('total', (c) => c.total, columns),
    ],
  );
}

type PerRoundTrip = ReturnType<typeof perRoundTrip>;

/** Calls and request units per round trip: measured, floor and naive. */
function perRoundTripTable(measured: PerRoundTrip, floor: PerRoundTrip, naive: PerRoundTrip) {
  const perRt = (n: number) => fixed(n, 4);
  const actions = new Set([
    ...Object.keys(measured.sqsRequests),
    ...Object.keys(floor.sqsRequests),
    ...Object.keys(naive.sqsRequests),
  ]);
  return table(
    ['per round trip', 'measured', 'floor', 'naive'],
    [
      ...[...actions].map((action) => [
        `SQS ${action}`,
        ...[measured, floor, naive].map((u) => perRt(u.sqsRequests[action] ?? 0)),
      ]),
      ['Lambda invocations', ...[measured, floor, naive].map((u) => perRt(u.lambdaInvocations))],
      ['DynamoDB WRU', perRt(measured.writeRequestUnits), '4.0000', '4.0000'],
      ['DynamoDB RRU', perRt(measured.readRequestUnits), '0.0000', '0.0000'],
    ],
  );
}

/** Prints the cost section for `run` and returns its figures for the results. */
export function reportCost(run: CloudRunResult) {
  const usage = usageFromMetrics(run.metrics, run.memoryMb);
  const measuredPerRoundTrip = perRoundTrip(usage, run.roundTrips);
  // The references get the run's workload (round trips per requestor call, compute per round
  // trip), so the gap shows what the design's batching and record keeping cost, nothing else.
  const design = {
    batchSize: run.mappings.batchSize,
    roundTripsPerRequestorInvoke: run.roundTripsPerInvoke,
    gbSecondsPerRoundTrip: measuredPerRoundTrip.lambdaGbSeconds,
  };
  const floorPerRoundTrip = floorUsage(design);
  const naivePerRoundTrip = naiveUsage(design);
  const measured = costPerMillionRoundTrips(usage, run.roundTrips);
  const floor = priceUsage(scaleUsage(floorPerRoundTrip, 1e6));
  const naive = priceUsage(scaleUsage(naivePerRoundTrip, 1e6));
  const gap = gapPercent(measured.total, floor.total);
  const invocations = Object.values(run.metrics.lambda).reduce((n, f) => n + f.invocations, 0);
  const durationMs = Object.values(run.metrics.lambda).reduce((n, f) => n + f.totalDurationMs, 0);
  const idleRequests = idlePollingRequests({ mappings: 3 });
  const explained = explainGap(measuredPerRoundTrip, floorPerRoundTrip);

  console.log(
    `\n2. Cost per million round trips, us-east-1 (${run.roundTrips} round trips on the local cloud; batch size ${run.mappings.batchSize}, batching window ${run.mappings.maximumBatchingWindowInSeconds} s, max concurrency ${run.mappings.maximumConcurrency})`,
  );
  console.log(costTable([measured, floor, naive]));
  console.log(perRoundTripTable(measuredPerRoundTrip, floorPerRoundTrip, naivePerRoundTrip));
  console.log(
    `   gap to floor ${gap >= 0 ? '+' : ''}${fixed(gap, 2)}%; naive is ${fixed(gapPercent(naive.total, floor.total), 0)}% above the floor`,
  );
  const perRt = (n: number) => fixed(n, 4);
  // Lines under a hundredth of a cent per million round trips explain nothing.
  for (const line of explained.filter((l) => Math.abs(l.dollarsPerMillion) >= 0.0001)) {
    console.log(
      `   ${line.item} ${perRt(line.measuredPerRoundTrip)} vs ${perRt(line.floorPerRoundTrip)} per round trip (${line.dollarsPerMillion >= 0 ? '+' : ''}${usd(line.dollarsPerMillion)}/M): ${line.reason}`,
    );
  }
  console.log(
    `   compute in every column is the measured ${fixed(measuredPerRoundTrip.lambdaGbSeconds * 1000, 3)} mGB-s per round trip (${invocations} invocations, mean ${fixed(durationMs / invocations, 1)} ms locally on ${cpus().length} cores, ${Object.values(run.memoryMb)[0] ?? '?'} MB)`,
  );
  console.log(
    `   not per round trip: idle ESM polling, ${fixed(idleRequests / 1e6, 2)}M requests = ${usd(idleRequests * US_EAST_1_PRICES.sqsRequest)} a month for 3 queues, traffic or not`,
  );
  console.log(
    `   goal within ${COST_GAP_GOAL_PERCENT}% of floor: ${verdict(gap <= COST_GAP_GOAL_PERCENT)}`,
  );

  return {
    prices: US_EAST_1_PRICES,
    calls: run.metrics.calls,
    lambda: run.metrics.lambda,
    writeRequestUnits: run.metrics.writeRequestUnits,
    readRequestUnits: run.metrics.readRequestUnits,
    perRoundTrip: {
      measured: measuredPerRoundTrip,
      floor: floorPerRoundTrip,
      naive: naivePerRoundTrip,
    },
    perMillionRoundTrips: { measured, floor, naive },
    gapToFloorPercent: gap,
    gapExplained: explained,
    idlePollingPerMonth: {
      requests: idleRequests,
      dollars: idleRequests * US_EAST_1_PRICES.sqsRequest,
    },
    goalPercent: COST_GAP_GOAL_PERCENT,
  };
}
