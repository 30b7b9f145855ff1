import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { ReceiveMessageCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describe, expect, inject, it } from 'vitest';
import { patchedAssembly, shortTimeouts } from './assembly';
import { type Harness, startHarness } from './harness';

// Each case takes one grant the pipeline needs out of the synthesized template and checks that
// the local run fails as AWS would: the exact AccessDenied naming the action and the resource,
// and the message ending where AWS would put it.

type Statement = { Action: string | string[]; Resource: unknown; Effect: string };
/**
 * A copy of the pipeline's assembly whose policy `policyPrefix...` no longer grants `action` on
 * the resource with logical id `resourceId` (other grants of that statement stay).
 */
function withoutGrant(policyPrefix: string, action: string, resourceId: string): string {
  return patchedAssembly((template) => {
    const [, policy] =
      Object.entries(template.Resources).find(([id]) => id.startsWith(policyPrefix)) ?? [];
    if (!policy) throw new Error(`no policy ${policyPrefix}`);
    const document = policy.Properties.PolicyDocument as { Statement: Statement[] };
    const names = (resource: unknown): string => JSON.stringify(resource);
    const matchesResource = (r: unknown) => names(r).includes(`"${resourceId}"`);
    const statement = document.Statement.find(
      (s) => [s.Action].flat().includes(action) && [s.Resource].flat().some(matchesResource),
    );
    if (!statement) throw new Error(`${policyPrefix} grants no ${action} on ${resourceId}`);
    const resources = [statement.Resource].flat();
    statement.Resource = resources.filter((r) => !matchesResource(r));
    const otherActions = [statement.Action].flat().filter((a) => a !== action);
    if (otherActions.length > 0) {
      document.Statement.push({
        Effect: 'Allow',
        Action: otherActions,
        Resource: resources.filter(matchesResource),
      });
    }
    // The redelivery cases give the functions 2 s (time enough on a loaded machine) and
    // dead-letter after two receives. A queue's visibility timeout is never shorter than its
    // consumer's timeout, so a refused message reaches its DLQ in about 4 s.
    shortTimeouts(template, 2);
    for (const resource of Object.values(template.Resources)) {
      const redrive = resource.Properties.RedrivePolicy as { maxReceiveCount?: number } | undefined;
      if (resource.Type === 'AWS::SQS::Queue' && redrive) redrive.maxReceiveCount = 2;
    }
  });
}

async function withCloud(
  assemblyDir: string,
  options: Parameters<typeof startHarness>[0],
  body: (h: Harness) => Promise<void>,
): Promise<void> {
  const h = await startHarness({ ...options, assemblyDir });
  try {
    await body(h);
  } finally {
    await h.stop();
  }
}

const queueArn = (h: Harness, key: string) =>
  `arn:aws:sqs:us-east-1:000000000000:${(h.cloud.outputs[key] ?? '').split('/').pop()}`;
const tableArn = (h: Harness, key: string) =>
  `arn:aws:dynamodb:us-east-1:000000000000:table/${h.cloud.outputs[key]}`;
const denied = (principal: RegExp, action: string, resource: string) =>
  new RegExp(
    `User: arn:aws:sts::000000000000:assumed-role/${principal.source} is not authorized to perform: ${action} on resource: ${resource.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} because no identity-based policy allows the ${action} action`,
  );

describe.concurrent('IAM enforced from the template', () => {
  it("answers a function's call outside its grants with AWS's AccessDenied for each service", async () => {
    await withCloud(inject('pipelineAssembly'), {}, async (h) => {
      const generator = h.cloud.outputs.GeneratorFunctionName ?? '';
      const config = {
        region: h.cloud.region,
        endpoint: h.cloud.endpoint,
        credentials: h.cloud.roleCredentials(generator),
      };
      const sqs = new SQSClient(config);
      // The generator may send to the response queue but not to the request queue.
      await expect(
        sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: h.cloud.outputs.RequestQueueUrl,
            Entries: [{ Id: '1', MessageBody: 'x' }],
          }),
        ),
      ).rejects.toMatchObject({
        name: 'AccessDenied',
        $metadata: { httpStatusCode: 403 },
        message: expect.stringMatching(
          denied(
            /StringPipeline-GeneratorRole[^/]*\/StringPipeline-generator/,
            'sqs:SendMessage',
            queueArn(h, 'RequestQueueUrl'),
          ),
        ),
      });
      const dynamodb = new DynamoDBClient(config);
      await expect(
        dynamodb.send(
          new PutItemCommand({
            TableName: h.cloud.outputs.RequestsTableName,
            Item: { requestId: { S: 'x' } },
          }),
        ),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 400 },
        message: expect.stringMatching(
          denied(
            /StringPipeline-GeneratorRole[^/]*\/StringPipeline-generator/,
            'dynamodb:PutItem',
            tableArn(h, 'RequestsTableName'),
          ),
        ),
      });
      const lambda = new LambdaClient(config);
      await expect(
        lambda.send(new InvokeCommand({ FunctionName: h.cloud.outputs.RequestorFunctionName })),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      });
      for (const c of [sqs, dynamodb, lambda]) c.destroy();
    });
  });

  it('fails the requestor with AccessDeniedException when it may not write its table', async () => {
    const dir = withoutGrant(
      'RequestorRoleDefaultPolicy',
      'dynamodb:PutItem',
      'RequestsTable419243C7',
    );
    await withCloud(dir, {}, async (h) => {
      const { error } = await h.cloud.invoke(h.cloud.outputs.RequestorFunctionName ?? '', {
        count: 1,
      });
      expect(error?.errorMessage).toMatch(
        denied(
          /StringPipeline-RequestorRole[^/]*\/StringPipeline-requestor/,
          'dynamodb:PutItem',
          tableArn(h, 'RequestsTableName'),
        ),
      );
      // Nothing was sent: the request is recorded before it is sent.
      expect(await h.depth('RequestQueueUrl')).toEqual({ visible: 0, inFlight: 0 });
    });
  });

  it('dead-letters a request the generator may not answer, after its receives', async () => {
    const dir = withoutGrant(
      'GeneratorRoleDefaultPolicy',
      'sqs:SendMessage',
      'ResponseQueueE59664DA',
    );
    // Visibility timeouts / 60, but never below the generator's 2 s: two receives take ~4 s.
    await withCloud(dir, { timeScale: 60 }, async (h) => {
      await h.requestStrings(1);
      await h.nextLog((line) =>
        denied(
          /StringPipeline-GeneratorRole[^/]*\/StringPipeline-generator/,
          'sqs:SendMessage',
          queueArn(h, 'ResponseQueueUrl'),
        ).test(line),
      );
      await h.until(
        'the request reaches the request DLQ',
        async () => (await h.depth('RequestDlqUrl')).visible === 1,
      );
      expect(await h.depth('ResponseQueueUrl')).toEqual({ visible: 0, inFlight: 0 });
    });
  });

  it("leaves messages on the queue when the poller may not receive them with the function's role", async () => {
    const dir = withoutGrant(
      'GeneratorRoleDefaultPolicy',
      'sqs:ReceiveMessage',
      'RequestQueue5926CB32',
    );
    await withCloud(dir, {}, async (h) => {
      await h.requestStrings(1);
      const line = await h.nextLog((l) => l.includes('Event source poller failed'));
      expect(line).toMatch(
        denied(
          /StringPipeline-GeneratorRole[^/]*\/StringPipeline-generator/,
          'sqs:ReceiveMessage',
          queueArn(h, 'RequestQueueUrl'),
        ),
      );
      expect(await h.depth('RequestQueueUrl')).toEqual({ visible: 1, inFlight: 0 });
    });
  });

  it('redelivers and finally dead-letters messages the poller may not delete', async () => {
    const dir = withoutGrant(
      'GeneratorRoleDefaultPolicy',
      'sqs:DeleteMessage',
      'RequestQueue5926CB32',
    );
    await withCloud(dir, { timeScale: 60 }, async (h) => {
      await h.requestStrings(1);
      await h.nextLog((line) =>
        denied(
          /StringPipeline-GeneratorRole[^/]*\/StringPipeline-generator/,
          'sqs:DeleteMessage',
          queueArn(h, 'RequestQueueUrl'),
        ).test(line),
      );
      await h.until(
        'the request reaches the request DLQ',
        async () => (await h.depth('RequestDlqUrl')).visible === 1,
      );
    });
  });

  it('puts a bad request in the DLQ by redrive when the generator may not dead-letter it itself', async () => {
    const dir = withoutGrant('GeneratorRoleDefaultPolicy', 'sqs:SendMessage', 'RequestDlq52473D66');
    await withCloud(dir, { timeScale: 60 }, async (h) => {
      await h.send('RequestQueueUrl', [{ body: 'not json' }]);
      await h.nextLog((line) =>
        denied(
          /StringPipeline-GeneratorRole[^/]*\/StringPipeline-generator/,
          'sqs:SendMessage',
          queueArn(h, 'RequestDlqUrl'),
        ).test(line),
      );
      const [message] = await h.drain('RequestDlqUrl', 1);
      // SQS moved it after maxReceiveCount; the generator's failure attributes never made it.
      expect(message?.Body).toBe('not json');
      expect(message?.MessageAttributes?.FailureCode).toBeUndefined();
    });
  });

  it("sends the schedule's event to its DLQ when its role may not invoke the function", async () => {
    const dir = withoutGrant(
      'ScheduleRoleDefaultPolicy',
      'lambda:InvokeFunction',
      'RequestorFunction2747811D',
    );
    // One minute / 600: the schedule fires every 100 ms.
    await withCloud(dir, { timeScale: 600, schedules: true }, async (h) => {
      const line = await h.nextLog((l) =>
        l.includes('Scheduled invocation could not be delivered'),
      );
      await h.cloud.stopSchedules();
      expect(JSON.parse(line)).toMatchObject({
        errorType: 'AccessDeniedException',
        errorMessage: expect.stringMatching(
          /assumed-role\/StringPipeline-ScheduleRole[^/]*\/StringPipeline-schedule is not authorized to perform: lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:000000000000:function:StringPipeline-requestor because/,
        ),
      });
      const dlq = Object.values(h.cloud.queues).find((q) => q.name.endsWith('schedule-dlq'));
      const { Messages = [] } = await h.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlq?.url,
          WaitTimeSeconds: 5,
          MessageAttributeNames: ['All'],
        }),
      );
      expect(Messages[0]?.MessageAttributes?.ERROR_CODE?.StringValue).toBe('AccessDeniedException');
      expect(
        h.cloud.metrics().lambda[h.cloud.outputs.RequestorFunctionName ?? '']?.invocations,
      ).toBe(0);
    });
  });
});
