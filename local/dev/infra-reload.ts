/**
 * Infrastructure changes for `npm run dev`: synthesize the changed app without blocking the
 * running cloud, apply the difference in place where the running cloud can (keeping messages and
 * items), and otherwise say what must be recreated and why, then move to a new cloud keeping the
 * queued messages (tables are kept by the cloud's data directory, except those being replaced).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalCloud } from '../cloud';
import { SynthError, synthesizeAsync } from '../stack/synth';
import {
  dropReplacedTables,
  isEmptyPlan,
  type ResourceChange,
  StackUpdateError,
  type StackUpdatePlan,
} from '../stack/update';

/** The app did not synthesize; `message` is the whole report, to print as one short block. */
export class InfraSynthError extends Error {
  override readonly name = 'InfraSynthError';
}

/**
 * Runs the (cached) synth in a child process and resolves with the assembly directory; the
 * caller's event loop, and the cloud on it, keep running meanwhile.
 *
 * @throws InfraSynthError with the app's error and output
 */
export async function synthesizeInBackground(
  outdir: string,
  context: Record<string, string>,
  root?: string,
): Promise<string> {
  try {
    return await synthesizeAsync(outdir, context, { root });
  } catch (error) {
    if (!(error instanceof SynthError)) throw error;
    // The message names the app's error, or ends with the end of the synth's output: the rest of
    // the output (bundling progress, the same stack again) would only bury it.
    throw new InfraSynthError(`${error.name}: ${error.message}`);
  }
}

/** Messages taken off the old cloud's queues, by queue logical id. */
export type QueuedMessages = Map<string, Message[]>;

/**
 * Stops the functions' consumers (after their batches in progress) and takes every visible and
 * delayed-no-more message off every queue, to be put back on the new stack's queues.
 */
export async function takeQueuedMessages(cloud: LocalCloud): Promise<QueuedMessages> {
  await Promise.all(Object.values(cloud.functions).map((f) => cloud.pauseConsumer(f.name)));
  const sqs = new SQSClient(cloud.clientConfig('sqs'));
  const taken: QueuedMessages = new Map();
  try {
    for (const queue of Object.values(cloud.queues)) {
      const messages: Message[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queue.url,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 3600,
            MessageAttributeNames: ['All'],
            WaitTimeSeconds: 0,
          }),
        );
        if (Messages.length === 0) break;
        messages.push(...Messages);
      }
      if (messages.length > 0) taken.set(queue.logicalId, messages);
    }
  } finally {
    sqs.destroy();
  }
  return taken;
}

/**
 * Puts the messages back on the queues of the same logical id; returns how many had no queue to
 * go to (their queue was removed from the template).
 */
export async function restoreQueuedMessages(
  cloud: LocalCloud,
  taken: QueuedMessages,
): Promise<{ restored: number; lost: number }> {
  const sqs = new SQSClient(cloud.clientConfig('sqs'));
  let restored = 0;
  let lost = 0;
  try {
    for (const [logicalId, messages] of taken) {
      const queue = cloud.queues[logicalId];
      if (!queue) {
        lost += messages.length;
        continue;
      }
      for (let i = 0; i < messages.length; i += 10) {
        const chunk = messages.slice(i, i + 10);
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queue.url,
            Entries: chunk.map((m, index) => ({
              Id: String(index),
              MessageBody: m.Body ?? '',
              MessageAttributes: m.MessageAttributes as
                | Record<string, MessageAttributeValue>
                | undefined,
            })),
          }),
        );
        restored += chunk.length;
      }
    }
  } finally {
    sqs.destroy();
  }
  return { restored, lost };
}

/** What moving to a new stack did. */
export interface Recreated {
  readonly cloud: LocalCloud;
  /** Messages put back on the new stack's queues. */
  readonly restored: number;
  /** Messages whose queue the new template no longer has. */
  readonly lost: number;
}

/**
 * Replaces a running cloud with one `start` makes (the new template on the same port and data
 * directory): consumers stop after their batches in progress, queued messages are moved to the
 * queues of the same logical id, tables stay in the data directory.
 */
export async function recreateCloud(
  cloud: LocalCloud,
  start: () => Promise<LocalCloud>,
): Promise<Recreated> {
  const taken = await takeQueuedMessages(cloud);
  await cloud.stop();
  const next = await start();
  const { restored, lost } = await restoreQueuedMessages(next, taken);
  return { cloud: next, restored, lost };
}

/** What an infrastructure change did to the running cloud. */
export type InfraOutcome =
  | { readonly kind: 'unchanged'; readonly cloud: LocalCloud }
  | { readonly kind: 'in-place'; readonly cloud: LocalCloud; readonly plan: StackUpdatePlan }
  | {
      readonly kind: 'recreated';
      /** The new cloud; the old one is stopped. */
      readonly cloud: LocalCloud;
      readonly plan: StackUpdatePlan;
      readonly restored: number;
      readonly lost: number;
      /** Tables deleted so the new cloud builds them anew, by name. */
      readonly droppedTables: readonly string[];
    };

/** `Id (Type) detail; ...`, for a person. */
export const describeChanges = (changes: readonly ResourceChange[]): string =>
  changes.map((c) => `${c.logicalId} (${c.type}) ${c.detail}`).join('; ');

/**
 * Moves a running cloud to the template of `toAssembly`, as the change set CloudFormation plans
 * for it says: in place when every change allows it (the same cloud, every message and item
 * kept); otherwise, after telling `say` what will be recreated and why, the tables being replaced
 * are deleted and the cloud is recreated by `start` with the queued messages moved over.
 */
export async function applyInfraChange(
  cloud: LocalCloud,
  toAssembly: string,
  start: () => Promise<LocalCloud>,
  say: (text: string) => void,
): Promise<InfraOutcome> {
  let plan: StackUpdatePlan;
  try {
    plan = await cloud.updateStack(toAssembly);
  } catch (error) {
    if (!(error instanceof StackUpdateError)) throw error;
    return recreateFor(cloud, error.plan, start, say);
  }
  return isEmptyPlan(plan) ? { kind: 'unchanged', cloud } : { kind: 'in-place', cloud, plan };
}

/** Recreates the cloud for a plan that needs it, saying why first. */
async function recreateFor(
  cloud: LocalCloud,
  plan: StackUpdatePlan,
  start: () => Promise<LocalCloud>,
  say: (text: string) => void,
): Promise<InfraOutcome> {
  say(
    `Recreating the local cloud on the same endpoint, because: ${describeChanges(plan.recreate)}` +
      (plan.inPlace.length > 0 ? `. Also: ${describeChanges(plan.inPlace)}` : '') +
      '. Queued messages move to the new cloud; tables stay unless replaced',
  );
  const dynamodb = new DynamoDBClient(cloud.clientConfig('dynamodb'));
  let droppedTables: string[];
  try {
    droppedTables = await dropReplacedTables(plan, cloud.tables, dynamodb);
  } finally {
    dynamodb.destroy();
  }
  const { cloud: next, restored, lost } = await recreateCloud(cloud, start);
  return { kind: 'recreated', cloud: next, plan, restored, lost, droppedTables };
}
