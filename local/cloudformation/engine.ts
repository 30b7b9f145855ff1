/**
 * The local CloudFormation: stacks made from change sets (or CreateStack and UpdateStack, which
 * make one themselves), executed in the background as CloudFormation does, and deleted. The
 * endpoint's CloudFormation face calls it; so can code in the same process.
 */
import { assertIdle, type ChangeSetRequest, createChangeSet, findChangeSet } from './change-sets';
import { deleteStack } from './delete';
import { deploy } from './deploy';
import type { ChangeSet, Stack } from './model';
import { CloudFormationError, StackRegistry } from './registry';
import type { ResourceServices } from './resources';

export class LocalCloudFormation {
  readonly registry: StackRegistry;

  constructor(
    region: string,
    accountId: string,
    /** What resources are made on; the host adds the app services once they exist. */
    readonly services: ResourceServices,
  ) {
    this.registry = new StackRegistry(region, accountId);
  }

  createChangeSet(request: ChangeSetRequest): { changeSet: ChangeSet; stack: Stack } {
    return createChangeSet(this.registry, this.services, request);
  }

  /** Starts executing a change set; the stack's status tells how it goes. */
  executeChangeSet(nameOrArn: string, stackName: string | null): void {
    const { changeSet, stack } = findChangeSet(this.registry, nameOrArn, stackName);
    if (changeSet.executionStatus !== 'AVAILABLE') {
      throw new CloudFormationError(
        'InvalidChangeSetStatus',
        `ChangeSet [${changeSet.id}] cannot be executed in its current status of [${changeSet.status}]`,
      );
    }
    assertIdle(stack);
    changeSet.executionStatus = 'EXECUTE_IN_PROGRESS';
    for (const other of stack.changeSets.values())
      if (other !== changeSet) other.executionStatus = 'OBSOLETE';
    this.run(stack, async () => {
      await deploy(this.registry, this.services, stack, changeSet);
      changeSet.executionStatus = 'EXECUTE_COMPLETE';
      stack.changeSets.clear();
    });
  }

  /** Deletes a change set; deleting one that does not exist succeeds, as on AWS. */
  deleteChangeSet(nameOrArn: string, stackName: string | null): void {
    let found: ReturnType<typeof findChangeSet>;
    try {
      found = findChangeSet(this.registry, nameOrArn, stackName);
    } catch (error) {
      if (error instanceof CloudFormationError && error.code === 'ChangeSetNotFound') return;
      throw error;
    }
    const { changeSet, stack } = found;
    if (changeSet.executionStatus === 'EXECUTE_IN_PROGRESS')
      throw new CloudFormationError(
        'InvalidChangeSetStatus',
        `ChangeSet [${changeSet.id}] is being executed`,
      );
    stack.changeSets.delete(changeSet.name);
    // A stack that only ever held this change set goes with it.
    if (
      stack.status === 'REVIEW_IN_PROGRESS' &&
      stack.changeSets.size === 0 &&
      stack.resources.size === 0
    )
      this.registry.retire(stack);
  }

  /** Starts deleting a stack; deleting one that does not exist succeeds, as on AWS. */
  deleteStack(nameOrId: string): void {
    const stack = this.registry.find(nameOrId);
    if (!stack || stack.deleted) return;
    if (stack.terminationProtection) {
      throw new CloudFormationError(
        'ValidationError',
        `Stack [${stack.name}] cannot be deleted while TerminationProtection is enabled`,
      );
    }
    assertIdle(stack);
    this.run(stack, () => deleteStack(this.registry, this.services, stack));
  }

  /** CreateStack or UpdateStack: a change set made and executed at once. */
  deployStack(request: Omit<ChangeSetRequest, 'changeSetName'>): Stack {
    const { changeSet, stack } = this.createChangeSet({
      ...request,
      changeSetName: `direct-${Date.now()}`,
    });
    if (changeSet.status === 'FAILED') {
      stack.changeSets.delete(changeSet.name);
      throw new CloudFormationError('ValidationError', 'No updates are to be performed.');
    }
    this.executeChangeSet(changeSet.id, stack.name);
    return stack;
  }

  /** Resolves when no stack operation is in progress. */
  async settled(): Promise<void> {
    while (true) {
      const pending = this.registry.all().flatMap((s) => (s.operation ? [s.operation] : []));
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }

  private run(stack: Stack, operation: () => Promise<void>): void {
    const done = operation()
      .catch((error: unknown) => {
        // Operations record their own failures as statuses; anything else is a bug worth seeing.
        stack.statusReason = `Internal error: ${(error as Error).message}`;
      })
      .finally(() => {
        if (stack.operation === done) stack.operation = undefined;
      });
    stack.operation = done;
  }
}
