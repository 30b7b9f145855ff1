/**
 * A new template applied to a running local cloud, as a CloudFormation stack update would: what
 * can change in place does (new queues and tables created, function configuration and code,
 * event source mapping and schedule settings, IAM policies, queue attributes), keeping every
 * message and item; what CloudFormation would replace, or what the local cloud can only build
 * from scratch, is listed with the reason, for the caller to recreate the cloud.
 */

import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from '../../aws/defaults';
import type { RolePolicies } from '../../aws/iam/evaluator';
import { rolePolicies } from '../../aws/iam/policies';
import {
  type CfnResource,
  INERT_TYPES,
  IntrinsicResolver,
  type LocalResource,
  type StackArtifact,
} from '../../aws/template';
import type { SqsEventSource } from '../lambda/event-source';
import type { FunctionRunner } from '../lambda/runtime';
import type { ScheduleRunner } from '../scheduler/scheduler';
import {
  createQueues,
  createTables,
  describeEventSources,
  describeFunctions,
  describeSchedules,
  type LocalQueue,
  QUEUE_ATTRIBUTES,
  queueSettings,
  redrivePolicy,
  registerInertResources,
} from './provision';

/** One resource's part in an update. */
export interface ResourceChange {
  readonly logicalId: string;
  readonly type: string;
  /** What happens to it, for a person: `created`, `BatchSize updated`, `replaced: ...`. */
  readonly detail: string;
}

/** What applying a new template to a running cloud takes. */
export interface StackUpdatePlan {
  /** Changes the running cloud applies in place, data kept. */
  readonly inPlace: readonly ResourceChange[];
  /**
   * Changes only a new cloud can make, each with why. A table among them is recreated empty (its
   * key schema or indexes changed, or it left the template).
   */
  readonly recreate: readonly ResourceChange[];
}

/** Whether a plan changes nothing at all. */
export const isEmptyPlan = (plan: StackUpdatePlan): boolean =>
  plan.inPlace.length + plan.recreate.length === 0;

/**
 * Properties each type updates in place (as CloudFormation does without replacement, and as the
 * local cloud can apply to what runs). Anything else changing means a recreation.
 */
const UPDATABLE: Record<string, ReadonlySet<string>> = {
  'AWS::Lambda::Function': new Set([
    'Code',
    'MemorySize',
    'Timeout',
    'Environment',
    'Handler',
    'LoggingConfig',
    'Description',
    'Architectures',
    'Runtime',
    'TracingConfig',
    'EphemeralStorage',
    'Tags',
  ]),
  'AWS::Lambda::EventSourceMapping': new Set([
    'BatchSize',
    'MaximumBatchingWindowInSeconds',
    'Enabled',
    'ScalingConfig',
    'FunctionResponseTypes',
  ]),
  'AWS::SQS::Queue': new Set([
    ...QUEUE_ATTRIBUTES.filter((a) => a !== 'FifoQueue'),
    'RedrivePolicy',
    'RedriveAllowPolicy',
    'SqsManagedSseEnabled',
    'KmsMasterKeyId',
    'KmsDataKeyReusePeriodSeconds',
    'Tags',
  ]),
  // Key schema, key attributes, name and local indexes change only with a new table.
  'AWS::DynamoDB::Table': new Set([
    'BillingMode',
    'ProvisionedThroughput',
    'TimeToLiveSpecification',
    'PointInTimeRecoverySpecification',
    'StreamSpecification',
    'SSESpecification',
    'DeletionProtectionEnabled',
    'ContributorInsightsSpecification',
    'TableClass',
    'Tags',
  ]),
  'AWS::Scheduler::Schedule': new Set([
    'ScheduleExpression',
    'ScheduleExpressionTimezone',
    'State',
    'Target',
    'FlexibleTimeWindow',
    'Description',
    'StartDate',
    'EndDate',
  ]),
};

/** Types a new resource of which the running cloud can create. */
const CREATABLE = new Set(['AWS::SQS::Queue', 'AWS::DynamoDB::Table', ...INERT_TYPES]);

/** The property names whose values differ between two versions of a resource. */
function changedProperties(before: CfnResource, after: CfnResource): string[] {
  const a = before.Properties ?? {};
  const b = after.Properties ?? {};
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key]))
    .sort();
}

/** Why removing a resource of this type cannot happen in place; undefined when it can. */
function whyRemovalRecreates(type: string): string | undefined {
  switch (type) {
    case 'AWS::SQS::Queue':
      return 'removed: its messages go with it';
    case 'AWS::DynamoDB::Table':
      return 'removed: the table and its items are deleted';
    default:
      return INERT_TYPES.has(type) ? undefined : 'removed';
  }
}

/**
 * Compares the running stack's template with a new one and says, resource by resource, what
 * the running cloud changes in place and what needs a recreation, and why.
 */
export function planStackUpdate(before: StackArtifact, after: StackArtifact): StackUpdatePlan {
  const inPlace: ResourceChange[] = [];
  const recreate: ResourceChange[] = [];
  for (const [logicalId, resource] of Object.entries(after.resources)) {
    const type = resource.Type;
    const old = before.resources[logicalId];
    if (!old) {
      if (CREATABLE.has(type)) inPlace.push({ logicalId, type, detail: 'created' });
      else
        recreate.push({
          logicalId,
          type,
          detail: 'added: the local cloud adds it by starting anew',
        });
      continue;
    }
    if (old.Type !== type) {
      recreate.push({ logicalId, type, detail: `replaced: its type was ${old.Type}` });
      continue;
    }
    const changed = changedProperties(old, resource);
    if (changed.length === 0) continue;
    const updatable = UPDATABLE[type];
    const fixed = updatable ? changed.filter((key) => !updatable.has(key)) : [];
    if (fixed.length > 0) {
      const why =
        type === 'AWS::DynamoDB::Table'
          ? `${fixed.join(', ')} changed: the table is recreated empty`
          : `${fixed.join(', ')} changed, which replaces it`;
      recreate.push({ logicalId, type, detail: `replaced: ${why}` });
    } else if (type === 'AWS::Lambda::EventInvokeConfig') {
      recreate.push({ logicalId, type, detail: `${changed.join(', ')} changed` });
    } else {
      const what = changed.filter((key) => key !== 'Code');
      const code = changed.includes('Code') ? ['code'] : [];
      inPlace.push({ logicalId, type, detail: `${[...what, ...code].join(', ')} updated` });
    }
  }
  for (const [logicalId, resource] of Object.entries(before.resources)) {
    if (after.resources[logicalId]) continue;
    const why = whyRemovalRecreates(resource.Type);
    const change = { logicalId, type: resource.Type, detail: why ?? 'removed' };
    (why ? recreate : inPlace).push(change);
  }
  return { inPlace, recreate };
}

/** The parts of a running cloud a stack update changes. */
export interface StackUpdateTarget {
  readonly stack: StackArtifact;
  readonly locals: Map<string, LocalResource>;
  readonly queues: Map<string, LocalQueue>;
  readonly tables: Record<string, { logicalId: string; name: string }>;
  readonly runners: ReadonlyMap<string, FunctionRunner>;
  readonly runner: (fn: string) => FunctionRunner;
  readonly eventSources: readonly SqsEventSource[];
  readonly schedules: readonly ScheduleRunner[];
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly timeScale: number;
  /** The stack's outputs, updated in place. */
  readonly outputs: Record<string, string>;
}

/** What a stack update asks of the cloud around the target: parts it does not hold. */
export interface StackUpdateHooks {
  /** Gives issued sessions their roles' new policies. */
  readonly updateRoles: (roles: ReadonlyMap<string, RolePolicies>) => void;
  /** Records the new template as the one running (the CloudFormation API describes it). */
  readonly commit: (stack: StackArtifact) => void;
}

/** A template whose plan holds recreations was given to an in-place update. */
export class StackUpdateError extends Error {
  override readonly name = 'StackUpdateError';
}

/** What each step of an in-place update reads. */
interface UpdateScope {
  readonly cloud: StackUpdateTarget;
  readonly after: StackArtifact;
  readonly resolver: IntrinsicResolver;
  /** The resources of `type` the plan changes in place, created ones included. */
  readonly touched: (type: string) => Set<string>;
  /** The resources the plan creates. */
  readonly created: ReadonlySet<string>;
}

/**
 * Applies `after` to the running cloud in place: creates the new queues and tables, sets changed
 * queue attributes, gives changed functions their new configuration (new environments get it;
 * invocations in progress finish on the old), applies mapping and schedule settings, re-reads the
 * IAM policies and the outputs. Messages and items stay where they are.
 *
 * @throws StackUpdateError when the plan needs a recreation; nothing is changed then
 */
export async function applyStackUpdate(
  cloud: StackUpdateTarget,
  after: StackArtifact,
  hooks: StackUpdateHooks,
): Promise<StackUpdatePlan> {
  const plan = planStackUpdate(cloud.stack, after);
  if (plan.recreate.length > 0) {
    throw new StackUpdateError(
      `These changes need a new cloud: ${plan.recreate.map((c) => `${c.logicalId} ${c.detail}`).join('; ')}`,
    );
  }
  const scope = updateScope(cloud, after, plan);
  // New tables and queues first: functions' environments and mappings may name them.
  await createAddedTables(scope);
  const newQueueIds = await createAddedQueues(scope);
  for (const id of scope.touched('AWS::SQS::Queue')) {
    const queue = cloud.queues.get(id);
    if (newQueueIds.has(id) || !queue) continue;
    await updateQueue(scope, id, queue);
  }
  registerInertResources(after, cloud.locals);
  await updateFunctionsAndTriggers(scope);
  if (scope.touched('AWS::IAM::Policy').size + scope.touched('AWS::IAM::Role').size > 0)
    hooks.updateRoles(rolePolicies(after, scope.resolver, LOCAL_ACCOUNT_ID));
  replaceOutputs(scope);
  hooks.commit(after);
  return plan;
}

/** The scope of applying `plan`, whose template is `after`, to `cloud`. */
function updateScope(
  cloud: StackUpdateTarget,
  after: StackArtifact,
  plan: StackUpdatePlan,
): UpdateScope {
  return {
    cloud,
    after,
    resolver: new IntrinsicResolver(after, cloud.locals, {
      region: DEFAULT_REGION,
      accountId: LOCAL_ACCOUNT_ID,
    }),
    touched: (type) => new Set(plan.inPlace.filter((c) => c.type === type).map((c) => c.logicalId)),
    created: new Set(plan.inPlace.filter((c) => c.detail === 'created').map((c) => c.logicalId)),
  };
}

/** `after` with, of the resources of `type`, only those in `ids`. */
function only(after: StackArtifact, type: string, ids: ReadonlySet<string>): StackArtifact {
  return {
    ...after,
    resources: Object.fromEntries(
      Object.entries(after.resources).filter(([id, r]) => r.Type !== type || ids.has(id)),
    ),
  };
}

/** Creates the tables the new template adds. */
async function createAddedTables({
  cloud,
  after,
  resolver,
  touched,
  created,
}: UpdateScope): Promise<void> {
  const tableIds = new Set([...touched('AWS::DynamoDB::Table')].filter((id) => created.has(id)));
  if (tableIds.size === 0) return;
  const tables = await createTables(
    only(after, 'AWS::DynamoDB::Table', tableIds),
    cloud.dynamodb,
    resolver,
    cloud.locals,
  );
  Object.assign(cloud.tables, tables);
}

/** Creates the queues the new template adds; returns their logical ids. */
async function createAddedQueues({
  cloud,
  after,
  resolver,
  touched,
  created,
}: UpdateScope): Promise<Set<string>> {
  const newQueueIds = new Set([...touched('AWS::SQS::Queue')].filter((id) => created.has(id)));
  if (newQueueIds.size === 0) return newQueueIds;
  const queues = await createQueues(
    only(after, 'AWS::SQS::Queue', newQueueIds),
    cloud.sqs,
    resolver,
    cloud.locals,
    cloud.timeScale,
  );
  for (const [id, queue] of queues) cloud.queues.set(id, queue);
  return newQueueIds;
}

/** Sets an existing queue's attributes and redrive policy as the new template has them. */
async function updateQueue(
  { cloud, after, resolver }: UpdateScope,
  id: string,
  queue: LocalQueue,
): Promise<void> {
  const { attributes, visibility } = queueSettings(after, id, resolver, cloud.timeScale);
  const { FifoQueue: _fifo, ...settable } = attributes;
  const policy = redrivePolicy(after, id, resolver);
  await cloud.sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queue.url,
      Attributes: {
        ...settable,
        // An empty policy removes the one the queue had, as SQS takes it.
        ...(policy || queue.dlqArn ? { RedrivePolicy: policy ? JSON.stringify(policy) : '' } : {}),
      },
    }),
  );
  cloud.queues.set(id, {
    logicalId: id,
    name: queue.name,
    url: queue.url,
    arn: queue.arn,
    visibilityTimeoutSeconds: visibility,
    ...(policy
      ? { dlqArn: policy.deadLetterTargetArn, maxReceiveCount: policy.maxReceiveCount }
      : {}),
  });
}

/** Gives changed functions, event source mappings and schedules their new settings. */
async function updateFunctionsAndTriggers({
  cloud,
  after,
  resolver,
  touched,
}: UpdateScope): Promise<void> {
  const functionIds = touched('AWS::Lambda::Function');
  for (const spec of describeFunctions(after, resolver, cloud.locals)) {
    if (functionIds.has(spec.logicalId))
      await cloud.runners.get(spec.logicalId)?.updateConfiguration(spec);
  }
  const mappingIds = touched('AWS::Lambda::EventSourceMapping');
  for (const spec of describeEventSources(after, resolver, cloud.queues, cloud.runner)) {
    if (!mappingIds.has(spec.logicalId)) continue;
    await cloud.eventSources.find((s) => s.spec.logicalId === spec.logicalId)?.update(spec);
  }
  const scheduleIds = touched('AWS::Scheduler::Schedule');
  for (const spec of describeSchedules(after, resolver, cloud.queues, cloud.runner)) {
    if (!scheduleIds.has(spec.logicalId)) continue;
    await cloud.schedules.find((s) => s.spec.logicalId === spec.logicalId)?.update(spec);
  }
}

/** Replaces the stack's outputs, in place, with the new template's. */
function replaceOutputs({ cloud, after, resolver }: UpdateScope): void {
  const outputs = Object.fromEntries(
    Object.entries(after.outputs).map(([key, output]) => [
      key,
      resolver.string(output.Value, `Outputs.${key}`),
    ]),
  );
  for (const key of Object.keys(cloud.outputs)) if (!(key in outputs)) delete cloud.outputs[key];
  Object.assign(cloud.outputs, outputs);
}

/**
 * Deletes the tables a recreation must build anew (their key schema or indexes changed, or they
 * left the template): a data directory would otherwise hand the new cloud the old table.
 * Returns their names.
 */
export async function dropReplacedTables(
  plan: StackUpdatePlan,
  tables: Record<string, { readonly name: string }>,
  dynamodb: DynamoDBClient,
): Promise<string[]> {
  const names: string[] = [];
  for (const change of plan.recreate) {
    const table = tables[change.logicalId];
    if (change.type !== 'AWS::DynamoDB::Table' || !table) continue;
    await dynamodb.send(new DeleteTableCommand({ TableName: table.name }));
    names.push(table.name);
  }
  return names;
}
