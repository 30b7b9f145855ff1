/**
 * `npm run event`: prints an event as a function of the stack would receive it, as
 * `sam local generate-event` does, ready to pipe into `npm run invoke -- FUNCTION -`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { sqsEventRecord } from '../local/lambda/event-source';
import { bodyProblem, sampleMessage } from '../ops/messages';
import { resolveQueue } from '../ops/queues';
import {
  type CommandMain,
  type CommandSpec,
  isMain,
  type OptionSpecs,
  runCommand,
  TARGET_OPTIONS,
  targetFrom,
  UsageError,
} from './cli';

const OPTIONS = {
  ...TARGET_OPTIONS,
  queue: {
    type: 'string',
    default: 'request',
    placeholder: 'QUEUE',
    description: 'request, response, ack (or NAME-dlq, a queue name or URL)',
  },
  body: {
    type: 'string',
    multiple: true,
    default: [],
    placeholder: 'JSON',
    description: 'a record body, repeatable (default: one valid message for the queue)',
  },
} as const satisfies OptionSpecs;

/** What `npm run event -- --help` says. */
export const EVENT: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run event --',
  summary:
    "Prints an SQS event for a queue of the stack, its records shaped as the local event source mapping builds them (the queue's real ARN, receive attributes, MD5 of the body). Bodies that are not valid messages for the queue are kept, with a warning on stderr. Target: --endpoint, else the running local cloud, else AWS.",
  options: OPTIONS,
  arguments: [{ name: 'SOURCE', description: 'the event source: sqs', required: true }],
  examples: [
    'npm run event -- sqs --queue request',
    `npm run -s event -- sqs --queue ack --body '{"v":1}' > bad-ack.json`,
    'npm run -s event -- sqs --queue request | npm run -s invoke -- generator -',
  ],
};

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const main: CommandMain<typeof OPTIONS> = async (values, [source]) => {
  if (source !== 'sqs') throw new UsageError(`Unknown event source ${source}; known: sqs`);
  const target = await targetFrom(values);
  const queue = resolveQueue(target, values.queue);
  const sqs = new SQSClient(target.clientConfig('sqs'));
  let queueArn: string;
  try {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }),
    );
    queueArn = Attributes.QueueArn ?? '';
  } finally {
    sqs.destroy();
  }
  const bodies = values.body.length > 0 ? values.body : [sampleMessage(queue.key)];
  for (const body of bodies) {
    const problem = bodyProblem(queue.key, body);
    if (problem) console.error(`warning: not a valid ${queue.label} message (${problem})`);
  }
  const now = String(Date.now());
  const event: SQSEvent = {
    Records: bodies.map((body) =>
      sqsEventRecord(
        {
          MessageId: randomUUID(),
          // Opaque on AWS; only DeleteMessage reads it, and an invoked function never does.
          ReceiptHandle: randomBytes(48).toString('base64'),
          Body: body,
          Attributes: {
            ApproximateReceiveCount: '1',
            SentTimestamp: now,
            SenderId: queueArn.split(':')[4] ?? '',
            ApproximateFirstReceiveTimestamp: now,
          },
        },
        queueArn,
        target.region,
      ),
    ),
  };
  console.log(JSON.stringify(event, null, 2));
  return 0;
};

if (isMain(import.meta.url)) runCommand(EVENT, main);
