import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteStackCommand,
  DescribeStackResourceCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
} from '@aws-sdk/client-cloudformation';
import {
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type CloudHost, startCloudHost } from '../../local/engine/host';
import { formatAlarmNotifications, readAlarmNotifications } from '../../ops/alarm-notifications';
import type { Template } from './assembly';

// Alarm periods (60 s) divided by 600: the alarms are evaluated every 100 ms.
const TIME_SCALE = 600;
const DLQ_ALARM = 'StringPipeline-request-dlq-not-empty';

let host: CloudHost;
let cfn: CloudFormationClient;
let sqs: SQSClient;

beforeAll(async () => {
  host = await startCloudHost({ timeScale: TIME_SCALE });
  const config = {
    region: 'us-east-1',
    endpoint: host.endpoint,
    credentials: { accessKeyId: 'a', secretAccessKey: 's' },
  };
  cfn = new CloudFormationClient(config);
  sqs = new SQSClient(config);
});

afterAll(async () => {
  cfn.destroy();
  sqs.destroy();
  await host.stop();
});

/**
 * The pipeline template's alarm topic (key, topic, topic policy), request queue, its DLQ and the
 * DLQ's alarm, as synthesized, plus an `Inbox` queue subscribed to the topic.
 */
function alarmTemplate(change: (template: Template) => void = () => {}): string {
  const file = join(inject('pipelineAssembly'), 'StringPipeline.template.json');
  const full = JSON.parse(readFileSync(file, 'utf8')) as Template;
  const kept = /^(Alarms(Key|Topic)|Request(Queue|Dlq))/;
  const resources = Object.fromEntries(
    Object.entries(full.Resources).filter(
      ([id, r]) =>
        kept.test(id) && (r.Type !== 'AWS::CloudWatch::Alarm' || id.startsWith('RequestDlq')),
    ),
  );
  const topic = Object.keys(resources).find((id) => resources[id]?.Type === 'AWS::SNS::Topic');
  const template: Template = {
    Resources: {
      ...resources,
      Inbox: { Type: 'AWS::SQS::Queue', Properties: {} },
      InboxSubscription: {
        Type: 'AWS::SNS::Subscription',
        Properties: {
          Protocol: 'sqs',
          TopicArn: { Ref: topic },
          Endpoint: { 'Fn::GetAtt': ['Inbox', 'Arn'] },
        },
      },
    },
  };
  change(template);
  return JSON.stringify(template);
}

/** Creates the stack through CloudFormation, as `cdk deploy` does. */
async function deploy(name: string, body: string): Promise<void> {
  const created = await cfn.send(
    new CreateChangeSetCommand({
      StackName: name,
      ChangeSetName: 'create',
      ChangeSetType: 'CREATE',
      TemplateBody: body,
    }),
  );
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: created.Id }));
  await host.cloudformation.settled();
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: name }));
  expect(Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
}

/** The URL of the queue named `name`. */
const queueUrl = (name: string) => `${host.endpoint}/000000000000/${name}`;

/** Sends a message the consumer never deletes, and receives it until SQS dead-letters it. */
async function poison(queue: string): Promise<void> {
  await sqs.send(new SendMessageCommand({ QueueUrl: queue, MessageBody: '{"v":99}' }));
  // maxReceiveCount is 5: the sixth receive moves it to the DLQ instead of returning it.
  for (let receive = 1; receive <= 6; receive++) {
    await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue, VisibilityTimeout: 0, WaitTimeSeconds: 0 }),
    );
  }
}

/** Long-polls `queue` until an SNS notification of `state` for `alarm` arrives. */
async function notification(queue: string, alarm: string, state: string) {
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queue, WaitTimeSeconds: 5, MaxNumberOfMessages: 10 }),
    );
    const found = Messages.map(parse).find(
      (m) => m.message.AlarmName === alarm && m.message.NewStateValue === state,
    );
    if (found) return found;
  }
}

function parse(m: Message) {
  const envelope = JSON.parse(m.Body ?? '{}') as { Subject: string; Message: string };
  return {
    subject: envelope.Subject,
    message: JSON.parse(envelope.Message) as Record<string, unknown>,
  };
}

describe('alarm notifications on the local cloud', () => {
  it('publishes the DLQ alarm to the topic as CloudWatch when a poisoned message is dead-lettered', async () => {
    await deploy('StringPipeline', alarmTemplate());
    const inbox = await inboxQueue('StringPipeline');
    // The first evaluation finds the DLQ empty: INSUFFICIENT_DATA to OK notifies too, as on AWS.
    await notification(inbox, DLQ_ALARM, 'OK');
    await poison(queueUrl('StringPipeline-request'));
    const { subject, message } = await notification(inbox, DLQ_ALARM, 'ALARM');
    expect(subject).toBe(`ALARM: "${DLQ_ALARM}" in us-east-1`);
    expect(message).toMatchObject({
      AlarmArn: `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${DLQ_ALARM}`,
      OldStateValue: 'OK',
      NewStateReason: 'Visible messages in StringPipeline-request-dlq: 1 (alarm at ≥ 1)',
    });
    expect(host.cloudformation.services.monitoring?.alarms.history()).toContainEqual(
      expect.objectContaining({ alarm: DLQ_ALARM, state: 'ALARM', delivered: true }),
    );
  });

  it('refuses the delivery, saying why, when the topic policy does not let CloudWatch publish', async () => {
    // Destroy and deploy again: the stack's fixed names do not collide with anything left behind.
    await cfn.send(new DeleteStackCommand({ StackName: 'StringPipeline' }));
    await host.cloudformation.settled();
    const alarms = host.cloudformation.services.monitoring?.alarms;
    const refused = alarms?.next((n) => n.alarm === DLQ_ALARM && n.state === 'OK');
    await deploy(
      'StringPipeline',
      alarmTemplate((template) => {
        const policy = Object.values(template.Resources).find(
          (r) => r.Type === 'AWS::SNS::TopicPolicy',
        );
        const document = policy?.Properties.PolicyDocument as { Statement: { Effect: string }[] };
        document.Statement = document.Statement.filter((s) => s.Effect !== 'Allow');
      }),
    );
    expect(await refused).toMatchObject({
      delivered: false,
      detail: expect.stringMatching(
        /^cloudwatch\.amazonaws\.com may not perform sns:Publish on arn:aws:sns:us-east-1:000000000000:StringPipeline-alarms: no statement of the topic policy of .* allows it$/,
      ),
    });
    // What `npm run inspect` reads from the endpoint and prints: both outcomes, the reason too.
    const target = {
      kind: 'local' as const,
      clientConfig: () => ({ endpoint: host.endpoint }) as never,
    };
    const printed = formatAlarmNotifications(await readAlarmNotifications(target)).join('\n');
    expect(printed).toMatch(/Alarm notifications: [1-9]\d* delivered, [1-9]\d* refused/);
    expect(printed).toContain(`${DLQ_ALARM} -> ALARM: delivered to StringPipeline-alarms`);
    expect(printed).toContain(`${DLQ_ALARM} -> OK: REFUSED: cloudwatch.amazonaws.com may not`);
  });
});

/** The URL of the stack's Inbox queue, from CloudFormation. */
async function inboxQueue(stackName: string): Promise<string> {
  const { StackResourceDetail } = await cfn.send(
    new DescribeStackResourceCommand({ StackName: stackName, LogicalResourceId: 'Inbox' }),
  );
  return StackResourceDetail?.PhysicalResourceId ?? '';
}
