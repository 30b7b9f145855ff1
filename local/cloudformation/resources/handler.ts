/**
 * What CloudFormation asks of a resource type: create, update in place (or say which properties
 * force a replacement) and delete, with what it needs to do so on the local cloud.
 */
import { randomBytes } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { RoleRegistry } from '../../iam/roles';
import type { RoleSessions } from '../../iam/sessions';
import type { LambdaCompute } from '../../lambda/compute';
import type { LogStore } from '../../logs/store';
import type { FauxqsBuckets } from '../../sqs/fauxqs';
import type { ParameterStore } from '../../ssm/store';
import type { DeployedResource, Template } from '../model';
import type { MonitoringServices } from './monitoring';

/** What the app's resource types (queues, tables, functions and their triggers) act on. */
export interface AppServices {
  readonly sqs: SQSClient;
  readonly dynamodb: DynamoDBClient;
  readonly compute: LambdaCompute;
  readonly logs: LogStore;
  /** Ends the pending long polls on a queue, as a mapping that starts or stops needs. */
  readonly wake: (queueUrl: string) => void;
  /** Queue URLs are `${endpointUrl}/ACCOUNT/NAME`. */
  readonly endpointUrl: string;
  /** Whether role sessions' calls are evaluated (the scheduler's invoke, for one). */
  readonly iam: boolean;
  /**
   * Whether a table that already exists is taken over instead of failing its creation: tables
   * kept in a data directory outlive the cloud that made them, its CloudFormation does not.
   */
  readonly adoptTables: boolean;
  /** The directories published deployment packages were zipped from, by `bucket/key`. */
  readonly assetDirs: ReadonlyMap<string, string>;
}

/** The local cloud's services a resource type may act on. */
export interface ResourceServices {
  readonly buckets: FauxqsBuckets;
  readonly parameters: ParameterStore;
  readonly roles: RoleRegistry;
  readonly sessions: RoleSessions;
  /** Set once the cloud's clients and functions exist; the bootstrap types need none of it. */
  app?: AppServices;
  /** Keys, topics and alarms, where the cloud evaluates alarms; else they are only recorded. */
  monitoring?: MonitoringServices;
}

/**
 * The app services, for a type that needs them.
 * @throws Error when the cloud was started without them
 */
export function appServices(ctx: ResourceContext): AppServices {
  const app = ctx.services.app;
  if (!app) throw new Error('This local cloud runs no functions, queues or tables');
  return app;
}

/** Where a resource is being provisioned. */
export interface ResourceContext {
  readonly stackName: string;
  readonly logicalId: string;
  readonly region: string;
  readonly accountId: string;
  readonly services: ResourceServices;
  /** The stack's template being deployed (or deleted). */
  readonly template: Template;
}

/** What provisioning a resource gives: its physical id (`Ref`) and `Fn::GetAtt` attributes. */
export interface Provisioned {
  readonly physicalId: string;
  readonly attributes: Record<string, string>;
}

type Props = Record<string, unknown>;

/** A resource type's lifecycle. */
export interface ResourceHandler {
  create(ctx: ResourceContext, props: Props): Promise<Provisioned> | Provisioned;
  /** Changes it in place; without it, any change replaces the resource. */
  update?(
    ctx: ResourceContext,
    current: DeployedResource,
    props: Props,
  ): Promise<Provisioned> | Provisioned;
  /** Properties whose change replaces the resource instead of updating it. @default none */
  readonly replaceOn?: readonly string[];
  delete(ctx: ResourceContext, current: DeployedResource): Promise<void> | void;
}

/**
 * A name CloudFormation would generate for a resource that names none: the stack name, the logical
 * id and a random suffix, cut to `max` characters.
 */
export function generatedName(ctx: ResourceContext, max: number, lowercase = false): string {
  const suffix = randomBytes(6).toString('hex').toUpperCase();
  const head = `${ctx.stackName}-${ctx.logicalId}`.slice(0, max - suffix.length - 1);
  const name = `${head}-${suffix}`;
  return lowercase ? name.toLowerCase() : name;
}
