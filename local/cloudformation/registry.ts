/**
 * The stacks of the local CloudFormation, live and deleted, found by name or id as the API finds
 * them, with the events each records and the exports the live ones publish.
 */
import { randomUUID } from 'node:crypto';
import type { DeployedResource, Stack, StackStatus } from './model';

/** A CloudFormation call refused with CloudFormation's error code and message. */
export class CloudFormationError extends Error {
  constructor(
    readonly code:
      | 'ValidationError'
      | 'AlreadyExistsException'
      | 'ChangeSetNotFound'
      | 'InvalidChangeSetStatus'
      | 'TokenAlreadyExistsException',
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

export class StackRegistry {
  private readonly live = new Map<string, Stack>();
  private readonly deleted: Stack[] = [];

  constructor(
    readonly region: string,
    readonly accountId: string,
  ) {}

  /** A new stack in `status`, registered under its name. */
  create(name: string, status: StackStatus): Stack {
    if (this.live.has(name))
      throw new CloudFormationError('AlreadyExistsException', `Stack [${name}] already exists`);
    const stack: Stack = {
      id: `arn:aws:cloudformation:${this.region}:${this.accountId}:stack/${name}/${randomUUID()}`,
      name,
      created: new Date(),
      status,
      template: {},
      templateBody: '{}',
      parameters: {},
      resources: new Map(),
      outputs: [],
      events: [],
      changeSets: new Map(),
      terminationProtection: false,
    };
    this.live.set(name, stack);
    return stack;
  }

  /** The live stack named (or with the id) `nameOrId`, or a deleted one by id. */
  find(nameOrId: string): Stack | undefined {
    return (
      this.live.get(nameOrId) ??
      [...this.live.values()].find((s) => s.id === nameOrId) ??
      this.deleted.find((s) => s.id === nameOrId)
    );
  }

  /**
   * Like {@link find}, failing as CloudFormation does.
   * @throws CloudFormationError "Stack with id X does not exist"
   */
  get(nameOrId: string): Stack {
    const stack = this.find(nameOrId);
    if (!stack)
      throw new CloudFormationError('ValidationError', `Stack with id ${nameOrId} does not exist`);
    return stack;
  }

  /** The live stacks, then the deleted ones. */
  all(): Stack[] {
    return [...this.live.values(), ...this.deleted];
  }

  /** Moves a stack to the deleted ones, freeing its name. */
  retire(stack: Stack): void {
    if (this.live.get(stack.name) === stack) this.live.delete(stack.name);
    stack.deleted = new Date();
    this.deleted.push(stack);
  }

  /** Every live stack's exports, by export name. */
  exports(): Map<string, { value: string; stackId: string }> {
    const found = new Map<string, { value: string; stackId: string }>();
    for (const stack of this.live.values()) {
      for (const output of stack.outputs) {
        if (output.exportName)
          found.set(output.exportName, { value: output.value, stackId: stack.id });
      }
    }
    return found;
  }

  /** Records an event for the stack itself. */
  stackEvent(stack: Stack, status: StackStatus, reason?: string): void {
    stack.status = status;
    stack.statusReason = reason;
    record(stack, {
      logicalId: stack.name,
      physicalId: stack.id,
      type: 'AWS::CloudFormation::Stack',
      status,
      ...(reason ? { reason } : {}),
    });
  }

  /** Records an event for one of the stack's resources and sets its status. */
  resourceEvent(stack: Stack, resource: DeployedResource, status: string, reason?: string): void {
    resource.status = status;
    resource.statusReason = reason;
    resource.updated = new Date();
    record(stack, {
      logicalId: resource.logicalId,
      physicalId: resource.physicalId,
      type: resource.type,
      status,
      ...(reason ? { reason } : {}),
    });
  }
}

function record(
  stack: Stack,
  event: { logicalId: string; physicalId: string; type: string; status: string; reason?: string },
): void {
  // Strictly increasing, so that readers sorting by time see the order things happened in.
  const last = stack.events.at(-1)?.timestamp.getTime() ?? 0;
  const timestamp = new Date(Math.max(Date.now(), last + 1));
  stack.events.push({ eventId: randomUUID(), timestamp, ...event });
}
