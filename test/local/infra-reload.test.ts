import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
} from '@aws-sdk/client-lambda';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Output } from '../../contract/contract';
import { type LocalCloud, startLocalCloud } from '../../local/cloud';
import {
  applyInfraChange,
  InfraSynthError,
  synthesizeInBackground,
} from '../../local/dev/infra-reload';
import { copyAssembly } from './assembly';

type Template = {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
};

/** A copy of the pipeline's assembly with its template changed by `edit`. */
function editedAssembly(dir: string, name: string, edit: (template: Template) => void): string {
  const copy = join(dir, name);
  copyAssembly(inject('pipelineAssembly'), copy);
  const manifest = JSON.parse(readFileSync(join(copy, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const file = Object.values(manifest.artifacts).find((a) => a.type === 'aws:cloudformation:stack')
    ?.properties?.templateFile;
  const path = join(copy, file ?? '');
  const template = JSON.parse(readFileSync(path, 'utf8')) as Template;
  edit(template);
  writeFileSync(path, JSON.stringify(template));
  return copy;
}

type Resource = Template['Resources'][string];

/** The resource of `type` the predicate picks, with its logical id. */
function find(template: Template, type: string, pick: (r: Resource) => boolean = () => true) {
  const found = Object.entries(template.Resources).find(([, r]) => r.Type === type && pick(r));
  if (!found) throw new Error(`No ${type} in the template`);
  return { id: found[0], resource: found[1] };
}

const refTo = (id: string) => (r: Resource) => JSON.stringify(r.Properties).includes(`"${id}"`);

describe('an infrastructure change in npm run dev', () => {
  const dir = mkdtempSync(join(tmpdir(), 'infra-reload-'));
  const clouds: LocalCloud[] = [];
  const lines: string[] = [];
  const options = {
    dataDir: join(dir, 'data'),
    timeScale: 10,
    log: (line: string) => lines.push(line),
  };
  let cloud: LocalCloud;
  let requestor = '';
  let generator = '';
  /** Request ids whose round trip must complete. */
  const requestIds: string[] = [];
  const noRecreation = async (): Promise<LocalCloud> => {
    throw new Error('recreated the cloud');
  };
  const said: string[] = [];
  const say = (text: string) => said.push(text);

  beforeAll(async () => {
    cloud = await startLocalCloud({ assemblyDir: inject('pipelineAssembly'), ...options });
    clouds.push(cloud);
    requestor = cloud.outputs[Output.RequestorFunctionName] ?? '';
    generator = cloud.outputs[Output.GeneratorFunctionName] ?? '';
  });
  afterAll(async () => {
    for (const c of clouds) await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("applies a function's environment and timeout and a mapping's batch size in place, and a message queued before is delivered after", async () => {
    let requestorId = '';
    let mappingId = '';
    const edited = editedAssembly(dir, 'settings.out', (template) => {
      const fn = find(template, 'AWS::Lambda::Function', (r) =>
        JSON.stringify(r.Properties).includes('DEFAULT_REQUEST_COUNT'),
      );
      requestorId = fn.id;
      const env = fn.resource.Properties.Environment as { Variables: Record<string, unknown> };
      env.Variables.DEFAULT_REQUEST_COUNT = '3';
      fn.resource.Properties.Timeout = 21;
      const generatorId = find(template, 'AWS::Lambda::Function', (r) => r !== fn.resource).id;
      const mapping = find(template, 'AWS::Lambda::EventSourceMapping', refTo(generatorId));
      mappingId = mapping.id;
      mapping.resource.Properties.BatchSize = 5;
    });
    // Requests recorded in the table and waiting in the queue while the change is applied.
    await cloud.pauseConsumer(generator);
    const before = await cloud.invoke(requestor, { count: 2 });
    requestIds.push(...(before.result as { requestIds: string[] }).requestIds);

    const outcome = await applyInfraChange(cloud, edited, noRecreation, say);
    expect(outcome.kind).toBe('in-place');
    expect(outcome.cloud).toBe(cloud);
    expect(said).toEqual([]);
    const details = outcome.kind === 'in-place' ? outcome.plan.inPlace : [];
    expect(details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ logicalId: requestorId, detail: 'Environment, Timeout updated' }),
        expect.objectContaining({ logicalId: mappingId, detail: 'BatchSize updated' }),
      ]),
    );

    // A CloudFormation update of the stack, as `cdk deploy` makes one.
    const cfn = new CloudFormationClient(cloud.clientConfig('sqs'));
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: cloud.stackName }));
    cfn.destroy();
    expect(Stacks?.[0]?.StackStatus).toBe('UPDATE_COMPLETE');

    // What the Lambda API says, and what the function's new environments run with.
    const lambda = new LambdaClient(cloud.clientConfig('sqs'));
    try {
      const config = await lambda.send(
        new GetFunctionConfigurationCommand({ FunctionName: requestor }),
      );
      expect(config.Timeout).toBe(21);
      expect(config.Environment?.Variables?.DEFAULT_REQUEST_COUNT).toBe('3');
      const { EventSourceMappings = [] } = await lambda.send(
        new ListEventSourceMappingsCommand({ FunctionName: generator }),
      );
      expect(EventSourceMappings.map((m) => m.BatchSize).sort()).toEqual([10, 5]);
    } finally {
      lambda.destroy();
    }
    const after = await cloud.invoke(requestor, {});
    const defaulted = (after.result as { requestIds: string[] }).requestIds;
    expect(defaulted).toHaveLength(3);
    requestIds.push(...defaulted);

    // The requests queued before the change are still there, and every round trip completes.
    cloud.resumeConsumer(generator);
    await cloud.waitForIdle();
    for (const id of requestIds) {
      expect(lines.some((l) => l.includes('"stored response"') && l.includes(id))).toBe(true);
    }
  });

  it('creates a new queue in place, on the same cloud', async () => {
    const edited = editedAssembly(dir, 'queue.out', (template) => {
      template.Resources.ExtraQueue = {
        Type: 'AWS::SQS::Queue',
        Properties: { VisibilityTimeout: 40 },
      };
    });
    const outcome = await applyInfraChange(cloud, edited, noRecreation, say);
    expect(outcome.kind).toBe('in-place');
    // Planned against the running stack: the previous test's settings are reverted too.
    expect(outcome.kind === 'in-place' && outcome.plan.inPlace).toContainEqual({
      logicalId: 'ExtraQueue',
      type: 'AWS::SQS::Queue',
      detail: 'created',
    });
    const queue = cloud.queues.ExtraQueue;
    expect(queue?.visibilityTimeoutSeconds).toBe(4);
    const sqs = new SQSClient(cloud.clientConfig('sqs'));
    try {
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queue?.name }));
      expect(QueueUrl).toBe(queue?.url);
    } finally {
      sqs.destroy();
    }
  });

  it('recreates a table whose key changed, saying so first, and moves the queued messages to the new cloud', async () => {
    let tableId = '';
    const edited = editedAssembly(dir, 'key.out', (template) => {
      const table = find(template, 'AWS::DynamoDB::Table');
      tableId = table.id;
      table.resource.Properties.AttributeDefinitions = [
        { AttributeName: 'pk', AttributeType: 'S' },
      ];
      table.resource.Properties.KeySchema = [{ AttributeName: 'pk', KeyType: 'HASH' }];
    });
    const tableName = cloud.tables[tableId]?.name ?? '';
    await cloud.pauseConsumer(generator);
    await cloud.invoke(requestor, { count: 1 });

    const outcome = await applyInfraChange(
      cloud,
      edited,
      async () => {
        // Said before it is done.
        expect(said).toHaveLength(1);
        const next = await startLocalCloud({ assemblyDir: edited, ...options });
        clouds.push(next);
        return next;
      },
      say,
    );
    expect(said[0]).toContain(
      `${tableId} (AWS::DynamoDB::Table) replaced: AttributeDefinitions, KeySchema changed: the table is recreated empty`,
    );
    if (outcome.kind !== 'recreated') throw new Error(`not recreated: ${outcome.kind}`);
    expect(outcome.cloud).not.toBe(cloud);
    expect(outcome.droppedTables).toEqual([tableName]);
    expect({ restored: outcome.restored, lost: outcome.lost }).toEqual({ restored: 1, lost: 0 });
    const dynamodb = new DynamoDBClient(outcome.cloud.clientConfig('dynamodb'));
    try {
      const { Table } = await dynamodb.send(new DescribeTableCommand({ TableName: tableName }));
      expect(Table?.KeySchema).toEqual([{ AttributeName: 'pk', KeyType: 'HASH' }]);
    } finally {
      dynamodb.destroy();
    }
  });
});

describe('a synth error during npm run dev', () => {
  it('is reported as one error naming the problem, for the running stack to carry on', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'infra-synth-'));
    try {
      const failure = await synthesizeInBackground(outdir, { batchSize: 'lots' }).catch(
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(InfraSynthError);
      expect((failure as Error).message).toMatch(/^ConfigError: batchSize must be .*"lots"/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
