import {
  CloudFormationClient,
  CreateChangeSetCommand,
  DeleteChangeSetCommand,
  DeleteStackCommand,
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ExecuteChangeSetCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CloudHost, startCloudHost } from '../../local/engine/host';

let host: CloudHost;
let cfn: CloudFormationClient;
let config: {
  region: string;
  endpoint: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
};

beforeAll(async () => {
  host = await startCloudHost();
  config = {
    region: 'us-east-1',
    endpoint: host.endpoint,
    credentials: { accessKeyId: 'a', secretAccessKey: 's' },
  };
  cfn = new CloudFormationClient(config);
});

afterAll(async () => {
  cfn.destroy();
  await host.stop();
});

/** A template with a parameter, a condition, a bucket, a role and an SSM parameter. */
const template = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    Parameters: { Stage: { Type: 'String', Default: 'dev' } },
    Conditions: { IsProd: { 'Fn::Equals': [{ Ref: 'Stage' }, 'prod'] } },
    Resources: {
      Bucket: { Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' },
      Version: {
        Type: 'AWS::SSM::Parameter',
        Properties: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
          Name: { 'Fn::Sub': '/app/${Stage}/bucket' },
          Type: 'String',
          Value: { Ref: 'Bucket' },
        },
      },
      Deployer: {
        Type: 'AWS::IAM::Role',
        Properties: {
          RoleName: 'deployer',
          AssumeRolePolicyDocument: {
            Statement: [
              {
                Effect: 'Allow',
                Action: 'sts:AssumeRole',
                Principal: { AWS: { Ref: 'AWS::AccountId' } },
              },
            ],
          },
          Policies: [
            {
              PolicyName: 'read',
              PolicyDocument: {
                Statement: [{ Effect: 'Allow', Action: 'ssm:GetParameter', Resource: '*' }],
              },
            },
          ],
        },
      },
      ProdOnly: {
        Type: 'AWS::SSM::Parameter',
        Condition: 'IsProd',
        Properties: { Type: 'String', Value: 'p' },
      },
      ...extra,
    },
    Outputs: {
      BucketName: {
        Value: { Ref: 'Bucket' },
        // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
        Export: { Name: { 'Fn::Sub': '${AWS::StackName}-bucket' } },
      },
    },
  });

/** Creates and executes a change set; resolves with the stack once it settles. */
async function deploy(name: string, body: string, type: 'CREATE' | 'UPDATE'): Promise<Stack> {
  const created = await cfn.send(
    new CreateChangeSetCommand({
      StackName: name,
      ChangeSetName: `cs-${Date.now()}`,
      ChangeSetType: type,
      TemplateBody: body,
    }),
  );
  await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: created.Id }));
  await host.cloudformation.settled();
  const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: name }));
  return Stacks?.[0] as Stack;
}

describe('CloudFormation on the local cloud', () => {
  it('creates a stack from a change set in dependency order, with its outputs and exports', async () => {
    const stack = await deploy('App', template(), 'CREATE');
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    const bucket = stack.Outputs?.[0]?.OutputValue ?? '';
    expect(bucket).toMatch(/^app-bucket-/);
    const ssm = new SSMClient(config);
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: '/app/dev/bucket' }));
    expect(Parameter?.Value).toBe(bucket);
    ssm.destroy();
    const { StackEvents = [] } = await cfn.send(
      new DescribeStackEventsCommand({ StackName: 'App' }),
    );
    const order = StackEvents.filter((e) => e.ResourceStatus === 'CREATE_COMPLETE')
      .map((e) => e.LogicalResourceId)
      .reverse();
    expect(order.indexOf('Bucket')).toBeLessThan(order.indexOf('Version'));
    expect(order).not.toContain('ProdOnly');
    expect(order.at(-1)).toBe('App');
  });

  it('lets a caller of the account assume a role it made, and evaluates the session against its policies', async () => {
    const sts = new STSClient(config);
    const { Credentials } = await sts.send(
      new AssumeRoleCommand({
        RoleArn: 'arn:aws:iam::000000000000:role/deployer',
        RoleSessionName: 'me',
      }),
    );
    const credentials = {
      accessKeyId: Credentials?.AccessKeyId ?? '',
      secretAccessKey: Credentials?.SecretAccessKey ?? '',
      sessionToken: Credentials?.SessionToken ?? '',
    };
    const asRole = new STSClient({ ...config, credentials });
    const identity = await asRole.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe('arn:aws:sts::000000000000:assumed-role/deployer/me');
    const cfnAsRole = new CloudFormationClient({ ...config, credentials });
    await expect(cfnAsRole.send(new DescribeStacksCommand({}))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    await expect(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: 'arn:aws:iam::000000000000:role/nobody',
          RoleSessionName: 'me',
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied' });
    for (const c of [sts, asRole, cfnAsRole]) c.destroy();
  });

  it('answers a change set without changes as FAILED with the reason the CDK CLI looks for', async () => {
    const { Id } = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'App',
        ChangeSetName: 'same',
        ChangeSetType: 'UPDATE',
        TemplateBody: template(),
      }),
    );
    const described = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: Id }));
    expect(described.Status).toBe('FAILED');
    expect(described.StatusReason).toMatch(/^The submitted information didn't contain changes\./);
    // The CLI deletes its change set by name before making one: a missing one is no error.
    await cfn.send(new DeleteChangeSetCommand({ StackName: 'App', ChangeSetName: 'never-made' }));
  });

  it('plans and applies an update, and rolls back one whose resource fails, keeping the old stack', async () => {
    const { Id } = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'App',
        ChangeSetName: 'broken',
        ChangeSetType: 'UPDATE',
        TemplateBody: template({ Stream: { Type: 'AWS::Kinesis::Stream', Properties: {} } }),
      }),
    );
    const described = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: Id }));
    expect(
      described.Changes?.map((c) => [
        c.ResourceChange?.Action,
        c.ResourceChange?.LogicalResourceId,
      ]),
    ).toEqual([['Add', 'Stream']]);
    await cfn.send(new ExecuteChangeSetCommand({ ChangeSetName: Id }));
    await host.cloudformation.settled();
    const { Stacks } = await cfn.send(new DescribeStacksCommand({ StackName: 'App' }));
    expect(Stacks?.[0]?.StackStatus).toBe('UPDATE_ROLLBACK_COMPLETE');
    const { StackEvents = [] } = await cfn.send(
      new DescribeStackEventsCommand({ StackName: 'App' }),
    );
    expect(
      StackEvents.find((e) => e.ResourceStatus === 'CREATE_FAILED')?.ResourceStatusReason,
    ).toBe('The local cloud does not support resource type AWS::Kinesis::Stream');
    expect(Stacks?.[0]?.Outputs?.[0]?.OutputValue).toMatch(/^app-bucket-/);
  });

  it('refuses a deploy whose SSM-typed parameter names no parameter, and says which', async () => {
    const body = JSON.stringify({
      Parameters: {
        Version: { Type: 'AWS::SSM::Parameter::Value<String>', Default: '/missing/version' },
      },
      Resources: {
        P: {
          Type: 'AWS::SSM::Parameter',
          Properties: { Type: 'String', Value: { Ref: 'Version' } },
        },
      },
    });
    await expect(
      cfn.send(
        new CreateChangeSetCommand({
          StackName: 'Other',
          ChangeSetName: 'c',
          ChangeSetType: 'CREATE',
          TemplateBody: body,
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationError',
      message:
        'Unable to fetch parameters [/missing/version] from parameter store for this account.',
    });
  });

  it('lists every stack without a StackName, and refuses an empty one as CloudFormation does', async () => {
    const { Stacks = [] } = await cfn.send(new DescribeStacksCommand({}));
    expect(Stacks.length).toBeGreaterThan(0);
    const refusal = {
      name: 'ValidationError',
      message: expect.stringContaining(
        "Value '' at 'stackName' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    };
    await expect(cfn.send(new DescribeStacksCommand({ StackName: '' }))).rejects.toMatchObject(
      refusal,
    );
    // Any action's, before the action runs.
    await expect(cfn.send(new DescribeStackEventsCommand({ StackName: '' }))).rejects.toMatchObject(
      refusal,
    );
  });

  it('deletes a stack in reverse order, keeping what its DeletionPolicy retains', async () => {
    const bucket =
      (await cfn.send(new DescribeStacksCommand({ StackName: 'App' }))).Stacks?.[0]?.Outputs?.[0]
        ?.OutputValue ?? '';
    await cfn.send(new DeleteStackCommand({ StackName: 'App' }));
    await host.cloudformation.settled();
    await expect(cfn.send(new DescribeStacksCommand({ StackName: 'App' }))).rejects.toThrow(
      'Stack with id App does not exist',
    );
    const deleted = host.cloudformation.registry.all().find((s) => s.name === 'App');
    expect(deleted?.status).toBe('DELETE_COMPLETE');
    expect(
      deleted?.events.find((e) => e.logicalId === 'Bucket' && e.status === 'DELETE_SKIPPED'),
    ).toBeDefined();
    expect(bucket).not.toBe('');
  });
  it('pages a large change set by the megabyte, with the values before and after when asked', async () => {
    const parameters = (value: string) =>
      JSON.stringify({
        Resources: Object.fromEntries(
          Array.from({ length: 100 }, (_, i) => [
            `Setting${i}`,
            { Type: 'AWS::SSM::Parameter', Properties: { Type: 'String', Value: value } },
          ]),
        ),
      });
    await deploy('Settings', parameters('a'.repeat(4000)), 'CREATE');
    const { Id } = await cfn.send(
      new CreateChangeSetCommand({
        StackName: 'Settings',
        ChangeSetName: 'bigger',
        ChangeSetType: 'UPDATE',
        TemplateBody: parameters('b'.repeat(4000)),
      }),
    );
    const first = await cfn.send(
      new DescribeChangeSetCommand({ ChangeSetName: Id, IncludePropertyValues: true }),
    );
    expect(first.NextToken).toBeDefined();
    const rest = await cfn.send(
      new DescribeChangeSetCommand({
        ChangeSetName: Id,
        IncludePropertyValues: true,
        NextToken: first.NextToken,
      }),
    );
    expect(rest.NextToken).toBeUndefined();
    const changes = [...(first.Changes ?? []), ...(rest.Changes ?? [])];
    expect(changes).toHaveLength(100);
    const change = changes[0]?.ResourceChange;
    expect(JSON.parse(change?.BeforeContext ?? '{}').Properties.Value).toBe('a'.repeat(4000));
    expect(JSON.parse(change?.AfterContext ?? '{}').Properties.Value).toBe('b'.repeat(4000));
    expect(change?.Details?.[0]?.Target).toMatchObject({
      Name: 'Value',
      BeforeValue: 'a'.repeat(4000),
      AfterValue: 'b'.repeat(4000),
    });
    const plain = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: Id }));
    expect(plain.NextToken).toBeUndefined();
    expect(plain.Changes?.[0]?.ResourceChange?.BeforeContext).toBeUndefined();
  });
});
