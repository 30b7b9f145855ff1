/**
 * `npm run send`: puts one message on a queue of the stack, to feed the pipeline by hand or to
 * try the poison path with a body its consumer will reject.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { Output } from '../contract/contract';
import { bodyProblem, recordRequest, sampleMessage } from '../ops/messages';
import { resolveQueue } from '../ops/queues';
import {
  type CommandMain,
  type CommandSpec,
  isMain,
  type OptionSpecs,
  runCommand,
  TARGET_OPTIONS,
  targetFrom,
} from './cli';

const OPTIONS = { ...TARGET_OPTIONS } as const satisfies OptionSpecs;

/** What `npm run send -- --help` says. */
export const SEND: CommandSpec<typeof OPTIONS> = {
  invocation: 'npm run send --',
  summary:
    'Sends one message to a queue of the stack and prints its message id. A valid request message is first recorded as REQUESTED in the Requests table, as the requestor does, so its round trip completes. A body that is not a valid message for the queue is sent anyway, with a warning saying why its consumer will reject it. Target: --endpoint, else the running local cloud, else AWS.',
  options: OPTIONS,
  arguments: [
    {
      name: 'QUEUE',
      description: 'request, response, ack, NAME-dlq, a queue name or URL',
      required: true,
    },
    { name: 'BODY', description: 'the message body (default: a valid message for the queue)' },
  ],
  examples: [
    'npm run send -- request',
    `npm run send -- ack '{"v":1,"type":"ack"}'`,
    `npm run send -- response-dlq '{"note":"parked by hand"}' --endpoint http://localhost:4566`,
  ],
};

/** The command itself, given its parsed options: `runCommand` runs it as a script, tests in-process. */
export const main: CommandMain<typeof OPTIONS> = async (values, [queueName = '', given]) => {
  const target = await targetFrom(values);
  const queue = resolveQueue(target, queueName);
  const body = given ?? sampleMessage(queue.key);
  const problem = bodyProblem(queue.key, body);
  if (problem) {
    console.error(
      `warning: not a valid ${queue.key.toLowerCase()} message, sent anyway (${problem})`,
    );
  }
  const table = target.outputs[Output.RequestsTableName];
  if (queue.key === 'Request' && !problem && table) {
    const dynamodb = new DynamoDBClient(target.clientConfig('dynamodb'));
    try {
      const id = await recordRequest(dynamodb, table, body);
      console.error(`Recorded request ${id} as REQUESTED in ${table} first, as the requestor does`);
    } finally {
      dynamodb.destroy();
    }
  }
  const sqs = new SQSClient(target.clientConfig('sqs'));
  try {
    const { MessageId } = await sqs.send(
      new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }),
    );
    console.log(`Sent ${MessageId} to ${queue.label}: ${body}`);
    return 0;
  } finally {
    sqs.destroy();
  }
};

if (isMain(import.meta.url)) runCommand(SEND, main);
