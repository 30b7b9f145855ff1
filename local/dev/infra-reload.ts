/**
 * Infrastructure changes for `npm run dev`: synthesize the changed app without blocking the
 * running cloud, say what differs, and move to the new stack keeping queued messages (tables
 * are kept by the cloud's data directory).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { LocalCloud } from '../cloud';
import { SynthError, synthesizeAsync } from '../synth';

/** The app did not synthesize; `message` is the whole report, to print as one block. */
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
): Promise<string> {
  try {
    return await synthesizeAsync(outdir, context);
  } catch (error) {
    if (!(error instanceof SynthError)) throw error;
    const output = error.output.trim();
    throw new InfraSynthError(`${error.name}: ${error.message}${output ? `\n${output}` : ''}`);
  }
}

/** How two templates differ, by logical id; function code alone is the hot reload's business. */
export interface TemplateChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

type Resources = Record<string, { Type?: string; Properties?: Record<string, unknown> }>;

function resources(assemblyDir: string): Resources {
  const manifest = JSON.parse(readFileSync(join(assemblyDir, 'manifest.json'), 'utf8')) as {
    artifacts?: Record<string, { type?: string; properties?: { templateFile?: string } }>;
  };
  const stack = Object.values(manifest.artifacts ?? {}).find(
    (a) => a.type === 'aws:cloudformation:stack',
  );
  const file = stack?.properties?.templateFile;
  if (!file) throw new Error(`No stack template in ${assemblyDir}`);
  const template = JSON.parse(readFileSync(join(assemblyDir, file), 'utf8')) as {
    Resources?: Resources;
  };
  return template.Resources ?? {};
}

/** A resource without what changes with every code edit (the asset's key), to compare settings. */
function settings(resource: Resources[string]): string {
  const props = { ...(resource.Properties ?? {}) };
  if (resource.Type === 'AWS::Lambda::Function') delete props.Code;
  return JSON.stringify({ type: resource.Type, props });
}

/** What differs between the running stack's template and a new one. */
export function templateChange(oldAssembly: string, newAssembly: string): TemplateChange {
  const before = resources(oldAssembly);
  const after = resources(newAssembly);
  const label = (id: string, r: Resources[string] | undefined) => `${id} (${r?.Type ?? '?'})`;
  return {
    added: Object.keys(after)
      .filter((id) => !before[id])
      .map((id) => label(id, after[id])),
    removed: Object.keys(before)
      .filter((id) => !after[id])
      .map((id) => label(id, before[id])),
    changed: Object.keys(after)
      .filter((id) => {
        const old = before[id];
        const now = after[id];
        return old && now && settings(old) !== settings(now);
      })
      .map((id) => label(id, after[id])),
  };
}

/** Whether a change touches anything but function code. */
export const isEmptyChange = (c: TemplateChange): boolean =>
  c.added.length + c.removed.length + c.changed.length === 0;

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
