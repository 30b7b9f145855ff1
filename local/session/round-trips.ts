/**
 * `npm start`'s round trips on its local cloud: asked of the requestor, paced by the request
 * queue, waited for until the pipeline is idle, and reconciled against both services' records.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { Output } from '../../contract/contract';
import { isClean, output, queueDepth, type Reconciliation, reconcile } from '../../ops/reconcile';
import type { RequestIdSet } from '../../ops/request-ids';
import { LOCAL_REQUESTS_PER_INVOKE, type LocalCloud } from '../cloud';
import { requestStrings } from './requests';

/** What a run asks for. */
export interface RoundTripOptions {
  /** Strings to ask the requestor for. */
  readonly requests: number;
  /** Whether the template's schedules run too, adding requests of their own. */
  readonly schedules: boolean;
}

/**
 * Asks the requestor for the strings, then waits until the pipeline is idle; resolves with the
 * request ids asked for.
 */
export async function requestRoundTrips(
  cloud: LocalCloud,
  sqs: SQSClient,
  options: RoundTripOptions,
): Promise<RequestIdSet> {
  const requestor = output(cloud.outputs, Output.RequestorFunctionName);
  const requestQueue = output(cloud.outputs, Output.RequestQueueUrl);
  const requestIds = await requestStrings(
    {
      invoke: async (count) => {
        const { result, error } = await cloud.invoke(requestor, { count });
        if (error) {
          throw new Error(`The requestor failed: ${error.errorType}: ${error.errorMessage}`);
        }
        return (result as { requestIds: string[] }).requestIds;
      },
      backlog: async () => (await queueDepth(sqs, requestQueue)).visible,
    },
    options.requests,
    LOCAL_REQUESTS_PER_INVOKE,
  );
  const idle = { timeoutMs: Math.max(60_000, options.requests * 20) };
  await cloud.waitForIdle(idle);
  // Ticks keep adding requests; stop them (a tick in flight finishes) so the run can settle,
  // then every request in the tables is expected, the schedule's as well as ours.
  if (options.schedules) {
    await cloud.stopSchedules();
    await cloud.waitForIdle(idle);
  }
  return requestIds;
}

/** How a run's round trips ended. */
export interface RoundTripResult {
  readonly summary: Reconciliation;
  /** Round trips the run expected: its own, or with schedules every request recorded. */
  readonly expectedTotal: number;
  /** Every expected round trip completed and nothing is left anywhere. */
  readonly ok: boolean;
}

/**
 * Reconciles both services' records against the ids asked for. With `keptData` (tables kept
 * across runs) records of earlier runs are expected in the tables.
 */
export async function reconcileRoundTrips(
  cloud: LocalCloud,
  clients: { readonly sqs: SQSClient; readonly dynamodb: DynamoDBClient },
  options: RoundTripOptions & { readonly keptData: boolean },
  requestIds: RequestIdSet,
): Promise<RoundTripResult> {
  const summary = await reconcile({
    ...clients,
    outputs: cloud.outputs,
    expected: options.schedules ? undefined : requestIds,
  });
  // With schedules, the expected round trips are every request recorded, ticks' included.
  const expectedTotal = options.schedules ? summary.requested : options.requests;
  const ok = isClean(options.keptData ? { ...summary, unexpected: [] } : summary);
  return { summary, expectedTotal, ok };
}
