/**
 * What a new template does to a running local cloud, planned before the CloudFormation update
 * applies it: what changes in place (new queues and tables, function configuration and code,
 * event source mapping and schedule settings, IAM policies, queue attributes), keeping every
 * message and item; and what would be replaced, or what the local cloud only builds from
 * scratch, with the reason, for the caller to recreate the cloud.
 */

import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type CfnResource, INERT_TYPES, type StackArtifact } from '../../aws/template';
import { QUEUE_ATTRIBUTES } from '../cloudformation/resources/sqs-queue';

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

/** A template whose plan holds recreations was given to an in-place update. */
export class StackUpdateError extends Error {
  override readonly name = 'StackUpdateError';
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
