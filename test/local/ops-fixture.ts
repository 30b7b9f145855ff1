import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { expect } from 'vitest';
import { DEFAULT_REGION } from '../../aws/defaults';
import { Output, QUEUES, queueOutputs } from '../../contract/contract';
import { startDynamoDb } from '../../local/dynamodb/emulator';
import { startSqs } from '../../local/sqs/emulator';
import { resolveTarget, type Target } from '../../ops/target';

export const REGION = DEFAULT_REGION;
export const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** A string message attribute. */
export const string = (value: string): MessageAttributeValue => ({
  DataType: 'String',
  StringValue: value,
});

/** Bare fauxqs and dynalite, with helpers to lay out a pipeline's queues and tables on them. */
export interface OpsFixture {
  readonly endpoints: { readonly sqs: string; readonly dynamodb: string };
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  /** Where state files go; removed by `stop`. */
  readonly dir: string;
  /**
   * Creates the stack's queues (each with a DLQ and a redrive policy) and tables under a fresh
   * prefix, writes a local cloud state file `<dir>/<prefix>.json` naming them, and resolves it.
   */
  pipeline(prefix: string, options?: { ackMaxMessageSize?: number }): Promise<Target>;
  /** Sends messages, 10 per call, expecting none to fail. */
  send(
    url: string,
    messages: { body: string; attributes?: Record<string, MessageAttributeValue> }[],
  ): Promise<void>;
  /** Takes every visible message off a queue (fauxqs counts exactly, so an empty receive means empty). */
  drain(url: string): Promise<Message[]>;
  visible(url: string): Promise<number>;
  stop(): Promise<void>;
}

/** Starts the emulators the way the local cloud does (local/sqs/emulator.ts, local/dynamodb/emulator.ts), without metering. */
export async function startOpsFixture(): Promise<OpsFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'string-pipeline-ops-'));
  const sqsEmulator = await startSqs({ region: REGION });
  const dynamoEmulator = await startDynamoDb();
  const endpoints = { sqs: sqsEmulator.endpoint, dynamodb: dynamoEmulator.endpoint };
  const sqs = new SQSClient({ region: REGION, endpoint: endpoints.sqs, credentials: CREDENTIALS });
  const dynamodb = new DynamoDBClient({
    region: REGION,
    endpoint: endpoints.dynamodb,
    credentials: CREDENTIALS,
  });

  const queueArn = async (url: string): Promise<string> => {
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    return Attributes?.QueueArn ?? '';
  };

  return {
    endpoints,
    sqs,
    dynamodb,
    dir,
    async pipeline(prefix, options = {}) {
      const outputs: Record<string, string> = {};
      for (const queue of QUEUES) {
        const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${queue}-dlq` }));
        const dlqArn = await queueArn(dlq.QueueUrl ?? '');
        const source = await sqs.send(
          new CreateQueueCommand({
            QueueName: `${prefix}-${queue}`,
            Attributes: {
              RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
              ...(queue === 'Ack' && options.ackMaxMessageSize
                ? { MaximumMessageSize: String(options.ackMaxMessageSize) }
                : {}),
            },
          }),
        );
        outputs[queueOutputs(queue).queue] = source.QueueUrl ?? '';
        outputs[queueOutputs(queue).dlq] = dlq.QueueUrl ?? '';
      }
      for (const key of [Output.RequestsTableName, Output.StringsTableName]) {
        const name = `${prefix}-${key}`;
        await dynamodb.send(
          new CreateTableCommand({
            TableName: name,
            KeySchema: [{ AttributeName: 'requestId', KeyType: 'HASH' }],
            AttributeDefinitions: [{ AttributeName: 'requestId', AttributeType: 'S' }],
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
        outputs[key] = name;
      }
      const stateFile = join(dir, `${prefix}.json`);
      writeFileSync(
        stateFile,
        JSON.stringify({ region: REGION, endpoints, stackName: 'StringPipeline', outputs }),
      );
      return resolveTarget({ stateFile });
    },
    async send(url, messages) {
      for (let i = 0; i < messages.length; i += 10) {
        const { Failed = [] } = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: url,
            Entries: messages.slice(i, i + 10).map((m, j) => ({
              Id: String(j),
              MessageBody: m.body,
              MessageAttributes: m.attributes,
            })),
          }),
        );
        expect(Failed).toEqual([]);
      }
    },
    async drain(url) {
      const messages: Message[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 10,
            MessageAttributeNames: ['All'],
          }),
        );
        if (Messages.length === 0) return messages;
        messages.push(...Messages);
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: url,
            Entries: Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    },
    async visible(url) {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages'],
        }),
      );
      return Number(Attributes?.ApproximateNumberOfMessages);
    },
    async stop() {
      sqs.destroy();
      dynamodb.destroy();
      await sqsEmulator.stop();
      await dynamoEmulator.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
