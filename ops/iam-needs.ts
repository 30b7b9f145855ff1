/**
 * What each role of a stack needs, read from its template: the functions' SDK calls (declared per
 * environment variable below, and checked against the code by a unit test), each event source
 * mapping's poller, each function's on-failure destination and DLQ, its logs and traces, and each
 * schedule's invoke and dead-letter send. Whether the policies grant it is iam-table.ts's part.
 */

import { dynamodbPermissions, type Permission, sqsPermissions } from '../aws/iam/actions';
import { roleLogicalId } from '../aws/iam/policies';
import type { IntrinsicResolver, LocalResource, StackArtifact } from '../aws/template';
import { Env } from '../contract/contract';

/** An SDK client and the operations a function's code sends with it, to one resource. */
interface Calls {
  readonly service: 'sqs' | 'dynamodb';
  readonly operations: readonly string[];
}

const SENDS: Calls = { service: 'sqs', operations: ['SendMessageBatch'] };
const RECORDS: Calls = { service: 'dynamodb', operations: ['PutItem', 'UpdateItem', 'GetItem'] };

/**
 * What the functions' code calls on the resource each environment variable names: sends go
 * through `sendAll` (SendMessageBatch), records through a store's conditional PutItem/UpdateItem
 * and the GetItem that reads a conflicting item. Variables not listed name nothing called.
 */
export const CALLS_BY_ENV: Readonly<Record<string, Calls>> = {
  [Env.RequestQueueUrl]: SENDS,
  [Env.ResponseQueueUrl]: SENDS,
  [Env.AckQueueUrl]: SENDS,
  [Env.RequestDlqUrl]: SENDS,
  [Env.ResponseDlqUrl]: SENDS,
  [Env.AckDlqUrl]: SENDS,
  [Env.RequestsTableName]: RECORDS,
  [Env.StringsTableName]: RECORDS,
};

/** The Lambda poller's calls on an SQS event source, made with the function's role. */
const POLLER_ACTIONS = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'];

/** A permission a role needs, who uses the role and what needs it. */
export interface Need extends Permission {
  /** The role's logical id (or the role property as written, for a role from outside the template). */
  readonly role: string;
  /** A function's or a schedule's name. */
  readonly principal: string;
  /** Why: `code (REQUEST_QUEUE_URL)`, `event source poller`, `on-failure destination`, ... */
  readonly by: string[];
}

/**
 * Every permission each role of `stack` needs, once per role, action and resource. `locals` holds
 * the resources' deployed `Ref`/`Fn::GetAtt` values that `resolver` resolves against.
 */
export function neededPermissions(
  stack: StackArtifact,
  locals: ReadonlyMap<string, LocalResource>,
  resolver: IntrinsicResolver,
  env: { region: string; accountId: string },
): Need[] {
  const needs = new Map<string, Need>();
  const need = (
    roleProperty: unknown,
    principal: string,
    permissions: Permission[],
    by: string,
  ) => {
    const role = roleLogicalId(roleProperty) ?? String(roleProperty);
    for (const p of permissions) {
      const key = `${role}\n${p.action}\n${p.resource}`;
      const row = needs.get(key) ?? { role, principal, ...p, by: [] };
      if (!row.by.includes(by)) row.by.push(by);
      needs.set(key, row);
    }
  };
  const functionRoles = new Map<string, { role: unknown; name: string }>();
  const { region, accountId } = env;

  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const props = resource.Properties ?? {};
    const name = locals.get(logicalId)?.ref ?? logicalId;
    functionRoles.set(name, { role: props.Role, name });
    const variables =
      (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
    for (const [variable, value] of Object.entries(variables)) {
      const calls = CALLS_BY_ENV[variable];
      if (!calls) continue;
      const named = resolver.string(value, `${logicalId}.Environment.Variables.${variable}`);
      const permissions = calls.operations.flatMap((operation) =>
        calls.service === 'sqs'
          ? sqsPermissions(operation, { QueueUrl: named }, region, accountId)
          : dynamodbPermissions(operation, { TableName: named }, region, accountId),
      );
      need(props.Role, name, permissions, `code (${variable})`);
    }
    const logging = props.LoggingConfig as { LogGroup?: unknown } | undefined;
    const logGroup = logging?.LogGroup
      ? resolver.string(logging.LogGroup, `${logicalId}.LoggingConfig.LogGroup`)
      : `/aws/lambda/${name}`;
    const stream = `arn:aws:logs:${region}:${accountId}:log-group:${logGroup}:log-stream:*`;
    need(
      props.Role,
      name,
      ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({ action, resource: stream })),
      'logs',
    );
    if ((props.TracingConfig as { Mode?: unknown } | undefined)?.Mode === 'Active') {
      need(
        props.Role,
        name,
        ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'].map((action) => ({
          action,
          resource: '*',
        })),
        'active tracing',
      );
    }
    const dlq = (props.DeadLetterConfig as { TargetArn?: unknown } | undefined)?.TargetArn;
    if (dlq) {
      const arn = resolver.string(dlq, `${logicalId}.DeadLetterConfig.TargetArn`);
      need(props.Role, name, [sendTo(arn)], 'async DLQ');
    }
  }

  const functionOf = (value: unknown, where: string) => {
    const nameOrArn = resolver.string(value, where);
    return functionRoles.get(nameOrArn.split(':function:').pop()?.split(':')[0] ?? nameOrArn);
  };
  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    const props = resource.Properties ?? {};
    if (resource.Type === 'AWS::Lambda::EventSourceMapping') {
      const fn = functionOf(props.FunctionName, `${logicalId}.FunctionName`);
      const source = resolver.string(props.EventSourceArn, `${logicalId}.EventSourceArn`);
      if (!fn || !source.startsWith('arn:aws:sqs:')) continue;
      need(
        fn.role,
        fn.name,
        POLLER_ACTIONS.map((action) => ({ action, resource: source })),
        'event source poller',
      );
    }
    if (resource.Type === 'AWS::Lambda::EventInvokeConfig') {
      const fn = functionOf(props.FunctionName, `${logicalId}.FunctionName`);
      const destinations = props.DestinationConfig as
        | Record<'OnFailure' | 'OnSuccess', { Destination?: unknown } | undefined>
        | undefined;
      for (const kind of ['OnFailure', 'OnSuccess'] as const) {
        const destination = destinations?.[kind]?.Destination;
        if (!fn || !destination) continue;
        const arn = resolver.string(destination, `${logicalId}.DestinationConfig.${kind}`);
        need(
          fn.role,
          fn.name,
          [sendTo(arn)],
          kind === 'OnFailure' ? 'on-failure destination' : 'on-success destination',
        );
      }
    }
    if (resource.Type === 'AWS::Scheduler::Schedule') {
      const target = props.Target as
        | { Arn?: unknown; RoleArn?: unknown; DeadLetterConfig?: { Arn?: unknown } }
        | undefined;
      if (!target?.RoleArn) continue;
      const name = resolver.string(props.Name ?? logicalId, `${logicalId}.Name`);
      const arn = resolver.string(target.Arn, `${logicalId}.Target.Arn`);
      need(target.RoleArn, name, [sendTo(arn)], 'schedule target');
      if (target.DeadLetterConfig?.Arn) {
        const dlq = resolver.string(
          target.DeadLetterConfig.Arn,
          `${logicalId}.Target.DeadLetterConfig`,
        );
        need(target.RoleArn, name, [sendTo(dlq)], 'schedule DLQ');
      }
    }
  }

  return [...needs.values()];
}

/** The permission that delivers to a target ARN: an SQS send, a Lambda invoke, an SNS publish. */
function sendTo(arn: string): Permission {
  const service = arn.split(':')[2];
  const action =
    service === 'lambda'
      ? 'lambda:InvokeFunction'
      : service === 'sns'
        ? 'sns:Publish'
        : service === 'events'
          ? 'events:PutEvents'
          : 'sqs:SendMessage';
  return { action, resource: arn };
}
