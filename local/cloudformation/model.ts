/**
 * What the local CloudFormation holds, in CloudFormation's own terms: stacks with their template,
 * parameters, resources, outputs and events, and the change sets waiting to be executed.
 */
import type { CfnResource } from '../../aws/template';

/** A stack's status, as CloudFormation names them. */
export type StackStatus =
  | 'REVIEW_IN_PROGRESS'
  | 'CREATE_IN_PROGRESS'
  | 'CREATE_COMPLETE'
  | 'CREATE_FAILED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_COMPLETE'
  | 'UPDATE_IN_PROGRESS'
  | 'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_COMPLETE'
  | 'UPDATE_ROLLBACK_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS'
  | 'UPDATE_ROLLBACK_COMPLETE'
  | 'DELETE_IN_PROGRESS'
  | 'DELETE_COMPLETE'
  | 'DELETE_FAILED';

/** A template resource with the attributes CloudFormation itself reads. */
export interface TemplateResource extends CfnResource {
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** A template as CloudFormation reads it. */
export interface Template {
  readonly Description?: string;
  readonly Parameters?: Record<string, { Type?: string; Default?: unknown; NoEcho?: unknown }>;
  readonly Conditions?: Record<string, unknown>;
  readonly Rules?: Record<
    string,
    { Assertions?: { Assert: unknown; AssertDescription?: string }[] }
  >;
  readonly Resources?: Record<string, TemplateResource>;
  readonly Outputs?: Record<
    string,
    { Value: unknown; Description?: string; Export?: { Name: unknown } }
  >;
}

/** A resource as deployed. */
export interface DeployedResource {
  readonly logicalId: string;
  readonly type: string;
  readonly physicalId: string;
  /** Its `Fn::GetAtt` values. */
  readonly attributes: Record<string, string>;
  /** Its properties as resolved when it was created or last updated. */
  readonly properties: Record<string, unknown>;
  status: string;
  statusReason?: string;
  updated: Date;
}

/** One line of a stack's history, as DescribeStackEvents gives it. */
export interface StackEvent {
  readonly eventId: string;
  readonly logicalId: string;
  readonly physicalId: string;
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly timestamp: Date;
}

/** A resolved stack output. */
export interface StackOutput {
  readonly key: string;
  readonly value: string;
  readonly description?: string;
  readonly exportName?: string;
}

/** One resource's change in a change set. */
export interface ResourceChange {
  readonly action: 'Add' | 'Modify' | 'Remove';
  readonly logicalId: string;
  readonly physicalId?: string;
  readonly type: string;
  /** Whether the change replaces the resource; undefined for Add and Remove. */
  readonly replacement?: 'True' | 'False' | 'Conditional';
  /** What changed: `Properties`, `Metadata`, ... (empty for Add and Remove). */
  readonly scope: readonly string[];
  /** The properties whose values changed, for Modify. */
  readonly properties: readonly string[];
  /** Its properties before the change (Modify, Remove), for `IncludePropertyValues`. */
  readonly before?: Record<string, unknown>;
  /** Its properties after the change (Add, Modify), when they can be resolved yet. */
  readonly after?: Record<string, unknown>;
}

/** A change set, from creation to execution. */
export interface ChangeSet {
  readonly id: string;
  readonly name: string;
  readonly type: 'CREATE' | 'UPDATE';
  readonly created: Date;
  readonly description?: string;
  readonly template: Template;
  readonly templateBody: string;
  readonly parameters: Readonly<Record<string, string>>;
  readonly changes: readonly ResourceChange[];
  status: 'CREATE_COMPLETE' | 'FAILED' | 'DELETE_COMPLETE';
  statusReason?: string;
  executionStatus:
    | 'AVAILABLE'
    | 'UNAVAILABLE'
    | 'EXECUTE_IN_PROGRESS'
    | 'EXECUTE_COMPLETE'
    | 'OBSOLETE';
}

/** A stack, live or deleted. */
export interface Stack {
  readonly id: string;
  readonly name: string;
  readonly created: Date;
  updated?: Date;
  deleted?: Date;
  status: StackStatus;
  statusReason?: string;
  template: Template;
  templateBody: string;
  parameters: Record<string, string>;
  readonly resources: Map<string, DeployedResource>;
  outputs: StackOutput[];
  readonly events: StackEvent[];
  readonly changeSets: Map<string, ChangeSet>;
  terminationProtection: boolean;
  /** Settles when the operation in progress (create, update, delete) ends. */
  operation?: Promise<void>;
}
