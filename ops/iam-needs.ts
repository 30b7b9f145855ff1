/**
 * What each role of a stack needs, read from its template: the functions' SDK calls (declared per
 * environment variable below, and checked against the code by a unit test), each event source
 * mapping's poller, each function's on-failure destination and DLQ, its logs and traces, and each
 * schedule's invoke and dead-letter send. Whether the policies grant it is iam-table.ts's part.
 */

import { dynamodbPermissions, type Permission, sqsPermissions } from '../aws/iam/actions';
import { roleLogicalId } from '../aws/iam/policies';
import type { IntrinsicResolver, LocalResource, StackArtifact } from '../aws/template';
import { Env, POLLER_ACTIONS } from '../contract/contract';

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
  const { region, accountId } = env;
  const reading: Reading = {
    resolver,
    region,
    accountId,
    needs: new Needs(),
    functions: new Map(),
  };
  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    const name = locals.get(logicalId)?.ref ?? logicalId;
    functionNeeds(reading, logicalId, name, resource.Properties ?? {});
  }
  // Mappings, destinations and schedules name their function, read in the first pass.
  for (const [logicalId, resource] of Object.entries(stack.resources)) {
    NEEDS_BY_TYPE.get(resource.Type)?.(reading, logicalId, resource.Properties ?? {});
  }
  return reading.needs.list();
}

/** The needs found so far, once per role, action and resource, with every reason for each. */
class Needs {
  private readonly rows = new Map<string, Need>();

  /** Adds `permissions` for the role that `roleProperty` names (as the template writes it). */
  add(roleProperty: unknown, principal: string, permissions: Permission[], by: string): void {
    const role = roleLogicalId(roleProperty) ?? String(roleProperty);
    for (const p of permissions) {
      const key = `${role}\n${p.action}\n${p.resource}`;
      const row = this.rows.get(key) ?? { role, principal, ...p, by: [] };
      if (!row.by.includes(by)) row.by.push(by);
      this.rows.set(key, row);
    }
  }

  list(): Need[] {
    return [...this.rows.values()];
  }
}

/** A function's role property and deployed name. */
interface FunctionRole {
  readonly role: unknown;
  readonly name: string;
}

/** What reading a stack's needs works with and collects into. */
interface Reading {
  readonly resolver: IntrinsicResolver;
  readonly region: string;
  readonly accountId: string;
  readonly needs: Needs;
  /** The stack's functions by deployed name. */
  readonly functions: Map<string, FunctionRole>;
}

type Properties = Record<string, unknown>;

/** A function's own needs: its code's calls, its logs, its traces and its async DLQ. */
function functionNeeds(reading: Reading, logicalId: string, name: string, props: Properties) {
  const { resolver, region, accountId, needs } = reading;
  reading.functions.set(name, { role: props.Role, name });
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
    needs.add(props.Role, name, permissions, `code (${variable})`);
  }
  const logging = props.LoggingConfig as { LogGroup?: unknown } | undefined;
  const logGroup = logging?.LogGroup
    ? resolver.string(logging.LogGroup, `${logicalId}.LoggingConfig.LogGroup`)
    : `/aws/lambda/${name}`;
  const stream = `arn:aws:logs:${region}:${accountId}:log-group:${logGroup}:log-stream:*`;
  needs.add(
    props.Role,
    name,
    ['logs:CreateLogStream', 'logs:PutLogEvents'].map((action) => ({ action, resource: stream })),
    'logs',
  );
  if ((props.TracingConfig as { Mode?: unknown } | undefined)?.Mode === 'Active') {
    needs.add(
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
    needs.add(props.Role, name, [sendTo(arn)], 'async DLQ');
  }
}

/** The function a name or ARN in the template names, if the stack holds it. */
function functionOf(reading: Reading, value: unknown, where: string): FunctionRole | undefined {
  const nameOrArn = reading.resolver.string(value, where);
  return reading.functions.get(nameOrArn.split(':function:').pop()?.split(':')[0] ?? nameOrArn);
}

/** An SQS event source mapping's poller, which runs with its function's role. */
function eventSourceNeeds(reading: Reading, logicalId: string, props: Properties) {
  const fn = functionOf(reading, props.FunctionName, `${logicalId}.FunctionName`);
  const source = reading.resolver.string(props.EventSourceArn, `${logicalId}.EventSourceArn`);
  if (!fn || !source.startsWith('arn:aws:sqs:')) return;
  reading.needs.add(
    fn.role,
    fn.name,
    POLLER_ACTIONS.map((action) => ({ action, resource: source })),
    'event source poller',
  );
}

/** An asynchronous invocation's destinations, which its function's role delivers to. */
function destinationNeeds(reading: Reading, logicalId: string, props: Properties) {
  const fn = functionOf(reading, props.FunctionName, `${logicalId}.FunctionName`);
  const destinations = props.DestinationConfig as
    | Record<'OnFailure' | 'OnSuccess', { Destination?: unknown } | undefined>
    | undefined;
  for (const kind of ['OnFailure', 'OnSuccess'] as const) {
    const destination = destinations?.[kind]?.Destination;
    if (!fn || !destination) continue;
    const arn = reading.resolver.string(destination, `${logicalId}.DestinationConfig.${kind}`);
    reading.needs.add(
      fn.role,
      fn.name,
      [sendTo(arn)],
      kind === 'OnFailure' ? 'on-failure destination' : 'on-success destination',
    );
  }
}

/** A schedule's delivery to its target and its dead-letter queue, with the schedule's role. */
function scheduleNeeds(reading: Reading, logicalId: string, props: Properties) {
  const { resolver, needs } = reading;
  const target = props.Target as
    | { Arn?: unknown; RoleArn?: unknown; DeadLetterConfig?: { Arn?: unknown } }
    | undefined;
  if (!target?.RoleArn) return;
  const name = resolver.string(props.Name ?? logicalId, `${logicalId}.Name`);
  const arn = resolver.string(target.Arn, `${logicalId}.Target.Arn`);
  needs.add(target.RoleArn, name, [sendTo(arn)], 'schedule target');
  if (target.DeadLetterConfig?.Arn) {
    const dlq = resolver.string(
      target.DeadLetterConfig.Arn,
      `${logicalId}.Target.DeadLetterConfig`,
    );
    needs.add(target.RoleArn, name, [sendTo(dlq)], 'schedule DLQ');
  }
}

/** The needs that resources other than functions give their function's role or their own. */
const NEEDS_BY_TYPE: ReadonlyMap<
  string,
  (reading: Reading, logicalId: string, props: Properties) => void
> = new Map([
  ['AWS::Lambda::EventSourceMapping', eventSourceNeeds],
  ['AWS::Lambda::EventInvokeConfig', destinationNeeds],
  ['AWS::Scheduler::Schedule', scheduleNeeds],
]);

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
