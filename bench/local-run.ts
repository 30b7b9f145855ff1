/**
 * A few thousand round trips through the local cloud: the API calls, request units and handler
 * durations it counts (for the cost model) and the rate it sustains (for the throughput ratio).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { loadStack, resourcesOfType } from '../aws/template';
import { Output } from '../contract/contract';
import { LOCAL_REQUESTS_PER_INVOKE, type LocalCloudMetrics, startLocalCloud } from '../local/cloud';
import { output, reconcile } from '../ops/reconcile';

/** How the template's event source mappings poll; the bare-emulator replay copies it. */
export interface MappingSettings {
  readonly batchSize: number;
  readonly maximumBatchingWindowInSeconds: number;
  readonly maximumConcurrency: number;
}

/** What one run on the local cloud measured. */
export interface CloudRunResult {
  readonly roundTrips: number;
  /** Round trips asked for per requestor invocation (the requestor takes at most 10,000). */
  readonly roundTripsPerInvoke: number;
  /** From the first requestor invocation until every queue is empty and nothing runs. */
  readonly seconds: number;
  readonly roundTripsPerSecond: number;
  /** CPU time of this process (main thread and every function's worker threads) over `seconds`. */
  readonly cpuSeconds: number;
  /** Round trips found complete in both tables afterwards. */
  readonly complete: number;
  readonly metrics: LocalCloudMetrics;
  /** Configured memory in MB by function name, from the template. */
  readonly memoryMb: Record<string, number>;
  readonly mappings: MappingSettings;
}

/**
 * The polling settings every mapping in the template shares (this stack derives all three from
 * one config), failing if they differ so a replay never copies the wrong one.
 */
export function mappingSettings(assemblyDir: string): MappingSettings {
  const settings = resourcesOfType(loadStack(assemblyDir), 'AWS::Lambda::EventSourceMapping').map(
    ([, props]) => ({
      batchSize: Number(props.BatchSize ?? 10),
      maximumBatchingWindowInSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
      maximumConcurrency: Number(
        (props.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency ??
          5,
      ),
    }),
  );
  const [first] = settings;
  if (!first) throw new Error(`no event source mappings in ${assemblyDir}`);
  if (settings.some((s) => JSON.stringify(s) !== JSON.stringify(first))) {
    throw new Error(`event source mappings differ: ${JSON.stringify(settings)}`);
  }
  return first;
}

/**
 * Starts a local cloud on `assemblyDir`, warms both functions up with a few round trips (cold
 * starts are a rounding error per million round trips), then times `roundTrips` round trips from
 * the first requestor invocation to idle and reads the counters. Every round trip must complete:
 * a figure from a run that lost messages would be meaningless.
 */
export async function runOnLocalCloud(opts: {
  readonly assemblyDir: string;
  readonly roundTrips: number;
}): Promise<CloudRunResult> {
  const cloud = await startLocalCloud({ assemblyDir: opts.assemblyDir });
  try {
    const requestor = output(cloud.outputs, Output.RequestorFunctionName);
    const ask = async (count: number): Promise<string[]> => {
      const { result, error } = await cloud.invoke(requestor, { count });
      if (error) throw new Error(`the requestor failed: ${error.errorType}: ${error.errorMessage}`);
      return (result as { requestIds: string[] }).requestIds;
    };

    const warmUp = await ask(20);
    await cloud.waitForIdle();
    cloud.resetMetrics();

    const ids: string[] = [];
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let sent = 0; sent < opts.roundTrips; sent += LOCAL_REQUESTS_PER_INVOKE) {
      ids.push(...(await ask(Math.min(LOCAL_REQUESTS_PER_INVOKE, opts.roundTrips - sent))));
    }
    await cloud.waitForIdle({ timeoutMs: Math.max(120_000, opts.roundTrips * 50) });
    const seconds = (performance.now() - started) / 1000;
    const { user, system } = process.cpuUsage(cpu);
    // Counters first: the reconciliation below makes calls of its own.
    const metrics = cloud.metrics();

    const sqs = new SQSClient(cloud.clientConfig('sqs'));
    const dynamodb = new DynamoDBClient(cloud.clientConfig('dynamodb'));
    try {
      const summary = await reconcile({
        sqs,
        dynamodb,
        outputs: cloud.outputs,
        expected: [...warmUp, ...ids],
      });
      const complete = summary.complete - warmUp.length;
      if (complete !== opts.roundTrips) {
        throw new Error(
          `only ${complete} of ${opts.roundTrips} round trips completed: ${JSON.stringify(summary.incomplete.slice(0, 5))}`,
        );
      }
      return {
        roundTrips: opts.roundTrips,
        roundTripsPerInvoke: Math.min(LOCAL_REQUESTS_PER_INVOKE, opts.roundTrips),
        seconds,
        roundTripsPerSecond: opts.roundTrips / seconds,
        cpuSeconds: (user + system) / 1e6,
        complete,
        metrics,
        memoryMb: Object.fromEntries(
          Object.values(cloud.functions).map((f) => [f.name, f.memorySize]),
        ),
        mappings: mappingSettings(opts.assemblyDir),
      };
    } finally {
      sqs.destroy();
      dynamodb.destroy();
    }
  } finally {
    await cloud.stop();
  }
}
