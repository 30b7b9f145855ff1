import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { QueueWithDlq } from '../../lib/constructs/queue-with-dlq';
import { buildApp, propertiesOf, resourcesOf, type Synthesized, synth } from './synth';

let s: Synthesized;
let pipes: Record<'request' | 'response' | 'ack', QueueWithDlq>;

beforeAll(() => {
  s = synth();
  pipes = { request: s.stack.requestQueue, response: s.stack.responseQueue, ack: s.stack.ackQueue };
});

/** The event source mapping that polls the given queue. */
function mappingOf(queue: QueueWithDlq): Record<string, unknown> {
  const queueId = s.logicalId(queue.queue);
  const mappings = Object.values(resourcesOf(s.template, 'AWS::Lambda::EventSourceMapping'))
    .map((mapping) => mapping.Properties as Record<string, unknown>)
    .filter((props) => JSON.stringify(props.EventSourceArn).includes(`"${queueId}"`));
  expect(mappings).toHaveLength(1);
  return mappings[0] as Record<string, unknown>;
}

describe.each(['request', 'response', 'ack'] as const)('the %s queue', (name) => {
  it('has a readable name and dead-letters to its own DLQ after at least 5 receives', () => {
    const pipe = pipes[name];
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: `StringPipeline-${name}`,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [s.logicalId(pipe.deadLetterQueue), 'Arn'] },
        maxReceiveCount: 5,
      },
    });
    const redrive = propertiesOf(s.template, s.logicalId(pipe.queue)).RedrivePolicy as {
      maxReceiveCount: number;
    };
    expect(redrive.maxReceiveCount).toBeGreaterThanOrEqual(5);
    s.template.hasResourceProperties('AWS::SQS::Queue', {
      QueueName: `StringPipeline-${name}-dlq`,
    });
  });

  it('keeps dead letters (14 days) longer than unprocessed messages (4 days)', () => {
    const pipe = pipes[name];
    const source = propertiesOf(s.template, s.logicalId(pipe.queue));
    const dlq = propertiesOf(s.template, s.logicalId(pipe.deadLetterQueue));
    expect(source.MessageRetentionPeriod).toBe(4 * 24 * 3600);
    expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
  });

  it('encrypts the queue and its DLQ with SQS-managed keys and refuses non-TLS requests', () => {
    const pipe = pipes[name];
    for (const queue of [pipe.queue, pipe.deadLetterQueue]) {
      const id = s.logicalId(queue);
      expect(propertiesOf(s.template, id).SqsManagedSseEnabled).toBe(true);
      s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });

  it('derives its visibility timeout from its consumer: 6 x function timeout + batching window', () => {
    const pipe = pipes[name];
    const mapping = mappingOf(pipe);
    const functionId = (mapping.FunctionName as { Ref: string }).Ref;
    const timeout = propertiesOf(s.template, functionId).Timeout as number;
    const window = mapping.MaximumBatchingWindowInSeconds as number;
    expect(propertiesOf(s.template, s.logicalId(pipe.queue)).VisibilityTimeout).toBe(
      6 * timeout + window,
    );
  });

  it('is polled with partial batch responses, batch size 10, a 1 s window and at most 5 concurrent batches', () => {
    expect(mappingOf(pipes[name])).toMatchObject({
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 1,
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it('alarms as soon as one message is in its DLQ', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [s.logicalId(pipes[name].deadLetterQueue), 'QueueName'] },
        },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('alarms when its oldest message is 300 s old', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateAgeOfOldestMessage',
      Dimensions: [
        {
          Name: 'QueueName',
          Value: { 'Fn::GetAtt': [s.logicalId(pipes[name].queue), 'QueueName'] },
        },
      ],
      Threshold: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });
});

describe('queue consumers', () => {
  it('are the generator for the request and ack queues and the requestor for the response queue', () => {
    const consumer = (pipe: QueueWithDlq) => (mappingOf(pipe).FunctionName as { Ref: string }).Ref;
    const generator = s.logicalId(s.stack.generator.function);
    const requestor = s.logicalId(s.stack.requestor.function);
    expect(consumer(pipes.request)).toBe(generator);
    expect(consumer(pipes.ack)).toBe(generator);
    expect(consumer(pipes.response)).toBe(requestor);
  });

  it('exist only for the three source queues', () => {
    expect(Object.keys(resourcesOf(s.template, 'AWS::Lambda::EventSourceMapping'))).toHaveLength(3);
  });
});

describe('a queue built with its own receive count', () => {
  it.each([4, 1001, 5.5])(
    'refuses maxReceiveCount %s with the message a bad context value gets',
    (maxReceiveCount) => {
      const { stack } = buildApp();
      expect(
        () =>
          new QueueWithDlq(stack, 'Extra', {
            queueName: 'extra',
            maxReceiveCount,
            consumer: { function: stack.generator },
          }),
      ).toThrow(`maxReceiveCount must be an integer from 5 to 1000, got ${maxReceiveCount}`);
    },
  );
});
