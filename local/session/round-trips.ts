/**
 * `npm start`'s round trips on its local cloud: asked of the requestor, paced by the request
 * queue, waited for until the pipeline is idle, and reconciled against both services' records.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Output, QUEUES, queueOutputs } from '../../contract/contract';
import { isClean, output, queueDepth, type Reconciliation, reconcile } from '../../ops/reconcile';
import type { RequestIdSet } from '../../ops/request-ids';
import { LOCAL_REQUESTS_PER_INVOKE, type LocalCloud, LocalCloudError } from '../cloud';
import { FAULT_KINDS, FAULT_SERVICES, faultErrorNames } from '../endpoint/faults';
import { describeFaults } from './fault-summary';
import { requestStrings } from './requests';

/** Attempts the run's own SDK clients make at a call (the SDK's default is 3). */
const DRIVER_ATTEMPTS = 10;

/**
 * The run's own clients of the cloud's endpoint. Their calls meet its --faults too: they retry
 * longer than the SDK's default three attempts, as a client that must not give up would.
 */
export function driverClients(cloud: LocalCloud): { sqs: SQSClient; dynamodb: DynamoDBClient } {
  return {
    sqs: new SQSClient({ ...cloud.clientConfig('sqs'), maxAttempts: DRIVER_ATTEMPTS }),
    dynamodb: new DynamoDBClient({
      ...cloud.clientConfig('dynamodb'),
      maxAttempts: DRIVER_ATTEMPTS,
    }),
  };
}

/** What a run asks for. */
export interface RoundTripOptions {
  /** Strings to ask the requestor for. */
  readonly requests: number;
  /** Whether the template's schedules run too, adding requests of their own. */
  readonly schedules: boolean;
}

/** What the run tells as it goes, for the command to print. */
export type Say = (text: string) => void;

/**
 * Asks the requestor for the strings, then waits until the pipeline is idle: with schedules,
 * stops them first (saying so) so the run can settle; with faults, turns them off once it has
 * (saying what they did), so that the reconciliation reads what the pipeline did under them.
 * Resolves with the request ids asked for.
 */
export async function requestRoundTrips(
  cloud: LocalCloud,
  sqs: SQSClient,
  options: RoundTripOptions,
  say: Say = () => {},
): Promise<RequestIdSet> {
  const requestor = output(cloud.outputs, Output.RequestorFunctionName);
  const requestQueue = output(cloud.outputs, Output.RequestQueueUrl);
  const startedAt = Date.now();
  let invocations = 0;
  const requestIds = await requestStrings(
    {
      // A key per invocation, as a client that retries must use: the requestor gives a retry
      // the ids of the first attempt. An ISO time, so the ids still sort by when they were asked.
      invoke: (count) =>
        invokeRetrying(cloud, requestor, {
          count,
          idempotencyKey: new Date(startedAt + invocations++).toISOString(),
        }),
      backlog: async () => (await queueDepth(sqs, requestQueue)).visible,
    },
    options.requests,
    LOCAL_REQUESTS_PER_INVOKE,
  );
  await waitUntilSettled(cloud, sqs);
  // Ticks keep adding requests; stop them (a tick in flight finishes) so the run can settle,
  // then every request in the tables is expected, the schedule's as well as ours.
  if (options.schedules) {
    await cloud.stopSchedules();
    say('Schedules stopped, so that the run can settle and be reconciled');
    await waitUntilSettled(cloud, sqs);
  }
  const faults = describeFaults(cloud.injectedFaults());
  if (faults) {
    cloud.setFaults(undefined);
    say(`Faults off for the reconciliation; injected: ${faults}`);
  }
  return requestIds;
}

/**
 * Requestor failures worth another attempt: the throttling and server errors the SDK retries, as
 * the requestor reports them once its own SDK calls gave up on them (SendFailedError and
 * RecordFailedError name the cause).
 */
const RETRYABLE = new RegExp(
  [
    'SendFailedError',
    'RecordFailedError',
    ...FAULT_SERVICES.flatMap((service) =>
      FAULT_KINDS.flatMap((kind) => faultErrorNames(service, kind)),
    ),
  ].join('|'),
);

/** Attempts at one requestor invocation before the run gives up. */
const MAX_INVOKE_ATTEMPTS = 10;

/** Invokes the requestor, retrying with the same payload (and so the same key) what is retryable. */
async function invokeRetrying(
  cloud: LocalCloud,
  requestor: string,
  payload: { count: number; idempotencyKey: string },
): Promise<readonly string[]> {
  for (let attempt = 1; ; attempt++) {
    const { result, error } = await cloud.invoke(requestor, payload);
    if (!error) return (result as { requestIds: string[] }).requestIds;
    const retryable = RETRYABLE.test(`${error.errorType} ${error.errorMessage}`);
    if (!retryable || attempt >= MAX_INVOKE_ATTEMPTS) {
      throw new Error(
        `The requestor failed${retryable ? ` ${attempt} times` : ''}: ${error.errorType}: ${error.errorMessage}`,
      );
    }
    // Backoff with jitter, as the SDK's own retries.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 100 * 2 ** attempt));
  }
}

/**
 * Waits until the pipeline is idle, for as long as it is still getting somewhere: a message that
 * fails comes back only after its queue's visibility timeout, so the wait gives up only when
 * nothing has moved for longer than the longest one (scaled as the cloud runs it), plus a margin.
 */
async function waitUntilSettled(cloud: LocalCloud, sqs: SQSClient): Promise<void> {
  const visibilityMs = Math.max(
    0,
    ...Object.values(cloud.queues).map((q) => q.visibilityTimeoutSeconds * 1000),
  );
  const quietLimitMs = visibilityMs + STUCK_MARGIN_MS;
  let last = await progressMark(cloud, sqs);
  let movedAt = Date.now();
  for (;;) {
    try {
      await cloud.waitForIdle({ timeoutMs: SETTLE_CHECK_MS });
      return;
    } catch (error) {
      if (!(error instanceof LocalCloudError)) throw error;
    }
    const mark = await progressMark(cloud, sqs);
    if (mark !== last) {
      last = mark;
      movedAt = Date.now();
    } else if (Date.now() - movedAt > quietLimitMs) {
      throw new LocalCloudError(
        `The pipeline made no progress for ${Math.round(quietLimitMs / 1000)} s (its longest visibility timeout and a margin) and is still not idle: ${mark}`,
      );
    }
  }
}

/** How often a settling run checks that it is still getting somewhere. */
const SETTLE_CHECK_MS = 5_000;
/** What a stuck run waits beyond the longest visibility timeout before it gives up. */
const STUCK_MARGIN_MS = 30_000;

/**
 * Something that changes whenever the pipeline does anything, for a person too: invocations so
 * far and what each source queue holds.
 */
async function progressMark(cloud: LocalCloud, sqs: SQSClient): Promise<string> {
  const invocations = Object.values(cloud.metrics().lambda).reduce((n, f) => n + f.invocations, 0);
  const depths = await Promise.all(
    QUEUES.map(async (q) => {
      const d = await queueDepth(sqs, output(cloud.outputs, queueOutputs(q).queue));
      return `${q.toLowerCase()} ${d.visible} visible, ${d.inFlight} in flight`;
    }),
  );
  return `${invocations} invocations; ${depths.join('; ')}`;
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
    peekEndpoint: cloud.endpoint,
  });
  // With schedules, the expected round trips are every request recorded, ticks' included.
  const expectedTotal = options.schedules ? summary.requested : options.requests;
  const ok = isClean(options.keptData ? { ...summary, unexpected: [] } : summary);
  return { summary, expectedTotal, ok };
}
