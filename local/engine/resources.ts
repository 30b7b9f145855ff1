/**
 * The cloud's third phase: provisioning. The template's tables and queues are created on the
 * stores through the endpoint, its functions described and their roles' sessions issued, and its
 * outputs resolved.
 */
import { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from '../../aws/defaults';
import { IntrinsicResolver, type LocalResource, type StackArtifact } from '../../aws/template';
import type { RoleSession } from '../iam/sessions';
import type { FunctionSpec } from '../lambda/runtime';
import {
  createQueues,
  createTables,
  describeFunctions,
  type LocalQueue,
  registerInertResources,
} from '../stack/provision';
import type { EngineClients } from './clients';
import type { OpenEndpoint } from './endpoint';
import { type Diagnostic, functionSessions, roleSessions, type SessionOf } from './roles';

/** The stack's resources as provisioned. */
export interface Resources {
  readonly locals: Map<string, LocalResource>;
  readonly resolver: IntrinsicResolver;
  readonly tables: Record<string, { logicalId: string; name: string }>;
  readonly queues: Map<string, LocalQueue>;
  /** The functions in template order. */
  readonly functionSpecs: readonly FunctionSpec[];
  /** Execution role sessions by function name. */
  readonly functionSessions: ReadonlyMap<string, RoleSession>;
  readonly sessionOf: SessionOf;
  /** Stack outputs with intrinsics resolved; a stack update changes them in place. */
  readonly outputs: Record<string, string>;
}

/** Provisions `stack` on the endpoint; queue attributes are scaled by `timeScale`. */
export async function provision(
  stack: StackArtifact,
  endpoint: OpenEndpoint,
  clients: EngineClients,
  settings: { readonly timeScale: number; readonly iam: boolean; readonly log: Diagnostic },
): Promise<Resources> {
  const locals = new Map<string, LocalResource>();
  const at = { region: DEFAULT_REGION, accountId: LOCAL_ACCOUNT_ID };
  const resolver = new IntrinsicResolver(stack, locals, at);
  const [tables, queues] = await Promise.all([
    createTables(stack, clients.dynamodb, resolver, locals),
    createQueues(stack, clients.sqs, resolver, locals, settings.timeScale),
  ]);
  registerInertResources(stack, locals);
  const functionSpecs = describeFunctions(stack, resolver, locals);
  const sessionOf = roleSessions(
    stack,
    resolver,
    endpoint.sessions,
    settings.iam ? settings.log : undefined,
  );
  const outputs = Object.fromEntries(
    Object.entries(stack.outputs).map(([key, output]) => [
      key,
      resolver.string(output.Value, `Outputs.${key}`),
    ]),
  );
  return {
    locals,
    resolver,
    tables,
    queues,
    functionSpecs,
    functionSessions: functionSessions(stack, functionSpecs, sessionOf),
    sessionOf,
    outputs,
  };
}
