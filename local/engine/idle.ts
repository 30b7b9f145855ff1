/**
 * When the cloud is idle: no source queue holds a visible, delayed or in-flight message, and no
 * batch, invocation or scheduled run is in progress. Tests, benchmarks and commands wait for it.
 */
import type { AsyncInvoker } from '../lambda/async-invoke';
import type { SqsEventSource } from '../lambda/event-source';
import type { FunctionRunner } from '../lambda/runtime';
import type { ScheduleRunner } from '../scheduler/scheduler';
import type { SqsEmulator } from '../sqs/emulator';
import { LocalCloudError } from './types';

/** What is watched for work. */
export interface Workload {
  readonly sqs: SqsEmulator;
  readonly runners: ReadonlyMap<string, FunctionRunner>;
  readonly eventSources: readonly SqsEventSource[];
  readonly schedules: readonly ScheduleRunner[];
  readonly asyncInvoker: AsyncInvoker;
}

/** How much work is pending now, and whether none is. */
function pending(work: Workload) {
  const depths = work.eventSources.map(({ spec: { queueUrl: url } }) => ({
    url,
    ...(work.sqs.depth(url) ?? { visible: 0, delayed: 0, inFlight: 0 }),
  }));
  const busy =
    work.eventSources.reduce((n, s) => n + s.inFlight, 0) +
    [...work.runners.values()].reduce((n, r) => n + r.active, 0) +
    work.schedules.reduce((n, s) => n + s.active, 0) +
    work.asyncInvoker.active;
  const idle = busy === 0 && depths.every((d) => d.visible + d.delayed + d.inFlight === 0);
  return { idle, busy, depths };
}

/**
 * Resolves once the work is idle twice in a row, so a message handed from one function to the
 * next is not missed.
 * @throws LocalCloudError saying what is still busy after `timeoutMs`
 */
export async function waitForIdle(
  work: Workload,
  { timeoutMs = 60_000 }: { timeoutMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let quietChecks = 0;
  while (quietChecks < 2) {
    const state = pending(work);
    quietChecks = state.idle ? quietChecks + 1 : 0;
    if (Date.now() > deadline) {
      throw new LocalCloudError(
        `Still busy after ${timeoutMs} ms: ${state.busy} batches/invocations running, queues ${JSON.stringify(state.depths)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
