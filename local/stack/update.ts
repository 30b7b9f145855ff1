/**
 * What a new template does to a running local cloud, read from the change set CloudFormation
 * plans for it: what changes in place (anything added, updated without replacement, or removed
 * without data), keeping every message and item; and what would be replaced, or removed with its
 * messages or items, with the reason, for the caller to recreate the cloud instead.
 */
import { DeleteTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ResourceChange as PlannedChange } from '../cloudformation/model';

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

/** A template whose plan holds recreations was given to an in-place update; nothing changed. */
export class StackUpdateError extends Error {
  override readonly name = 'StackUpdateError';

  constructor(
    /** The plan, with what needs a new cloud and why. */
    readonly plan: StackUpdatePlan,
  ) {
    super(
      `These changes need a new cloud: ${plan.recreate.map((c) => `${c.logicalId} ${c.detail}`).join('; ')}`,
    );
  }
}

/** Why removing a resource of this type cannot happen in place; undefined when it can. */
function whyRemovalRecreates(type: string): string | undefined {
  if (type === 'AWS::SQS::Queue') return 'removed: its messages go with it';
  if (type === 'AWS::DynamoDB::Table') return 'removed: the table and its items are deleted';
  return undefined;
}

/** Why a replacement needs a new cloud, for a person. */
function whyReplaced(change: PlannedChange, typeBefore: string | undefined): string {
  if (typeBefore && typeBefore !== change.type) return `replaced: its type was ${typeBefore}`;
  if (change.replacement === 'Conditional')
    return 'replaced: it refers to a resource being replaced';
  const changed = change.properties.join(', ');
  return change.type === 'AWS::DynamoDB::Table'
    ? `replaced: ${changed} changed: the table is recreated empty`
    : `replaced: ${changed} changed, which replaces it`;
}

/**
 * Sorts a change set's changes into what the running cloud applies in place and what needs a new
 * one. `typeBefore` gives a resource's type in the running stack.
 */
export function planOfChanges(
  changes: readonly PlannedChange[],
  typeBefore: (logicalId: string) => string | undefined,
): StackUpdatePlan {
  const inPlace: ResourceChange[] = [];
  const recreate: ResourceChange[] = [];
  for (const change of changes) {
    const { logicalId, type } = change;
    if (change.action === 'Add') {
      inPlace.push({ logicalId, type, detail: 'created' });
    } else if (change.action === 'Remove') {
      const why = whyRemovalRecreates(type);
      (why ? recreate : inPlace).push({ logicalId, type, detail: why ?? 'removed' });
    } else if (change.replacement === 'False') {
      const what = change.properties.filter((p) => p !== 'Code');
      const code = change.properties.includes('Code') ? ['code'] : [];
      inPlace.push({ logicalId, type, detail: `${[...what, ...code].join(', ')} updated` });
    } else {
      recreate.push({ logicalId, type, detail: whyReplaced(change, typeBefore(logicalId)) });
    }
  }
  return { inPlace, recreate };
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
