/**
 * The cloud's fourth phase: the functions. Each gets a runner that starts execution environments
 * on demand, with its execution role's credentials and the endpoint in its environment, and its
 * logs going to the log store.
 */
import { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from '../../aws/defaults';
import type { RoleSession } from '../iam/sessions';
import { arnOf } from '../lambda/api';
import { callerEnvironment } from '../lambda/caller-environment';
import { FunctionRunner, type FunctionSpec } from '../lambda/runtime';
import type { LogStore } from '../logs/store';
import type { Resources } from './resources';
import type { Teardown } from './teardown';
import { LocalCloudError, type LocalCloudOptions } from './types';

/** The running functions. */
export interface Functions {
  /** Runners by logical id. */
  readonly runners: ReadonlyMap<string, FunctionRunner>;
  /**
   * The runner of a function named by logical id, name or ARN.
   * @throws LocalCloudError naming the stack's functions when there is none
   */
  runner(fn: string): FunctionRunner;
}

/**
 * Starts a runner per function. Function logs feed the Logs API whenever someone reads them: a log
 * sink, or an endpoint on a chosen port. Otherwise the lines are dropped at the source, which
 * saves a good share of CPU. In debug mode each inspector is open from the start, for a debugger
 * to attach before invoking.
 */
export async function startFunctions(
  opts: LocalCloudOptions,
  resources: Resources,
  endpointUrl: string,
  logs: LogStore,
  teardown: Teardown,
): Promise<Functions> {
  const captureLogs = opts.log !== undefined || opts.port !== undefined;
  const runners = new Map<string, FunctionRunner>();
  for (const [index, spec] of resources.functionSpecs.entries()) {
    const session = opts.iam === false ? undefined : resources.functionSessions.get(spec.name);
    const group = `/aws/lambda/${spec.name}`;
    if (captureLogs) logs.createGroup(group);
    const log = captureLogs
      ? (line: string) => {
          logs.append(group, line);
          opts.log?.(line, spec.name);
        }
      : undefined;
    const inspectPort = opts.inspectPort === undefined ? undefined : opts.inspectPort + index;
    runners.set(spec.logicalId, newRunner(spec, session, endpointUrl, log, inspectPort));
  }
  warnOfHostNode(runners, opts.log);
  teardown.add(() => Promise.all([...runners.values()].map((r) => r.stop())).then(() => {}));
  if (opts.inspectPort !== undefined) await Promise.all([...runners.values()].map((r) => r.warm()));
  return { runners, runner: (fn) => findRunner(runners, fn) };
}

/** A function's runner, its code calling the endpoint as its role session (or the administrator). */
function newRunner(
  spec: FunctionSpec,
  session: RoleSession | undefined,
  endpointUrl: string,
  log: ((line: string) => void) | undefined,
  inspectPort: number | undefined,
): FunctionRunner {
  return new FunctionRunner(spec, {
    region: DEFAULT_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    inspectPort,
    environment: callerEnvironment(session, endpointUrl),
    log,
  });
}

/**
 * Says once per runtime, at start, when functions run on the tools' Node rather than the one
 * their runtime names (no binary for it on this machine).
 */
function warnOfHostNode(
  runners: ReadonlyMap<string, FunctionRunner>,
  log: LocalCloudOptions['log'],
): void {
  const warnings = new Set([...runners.values()].flatMap((r) => r.node.warning ?? []));
  for (const message of warnings) {
    log?.(
      JSON.stringify({
        timestamp: new Date().toISOString(),
        source: 'local-cloud',
        level: 'WARN',
        message,
      }),
    );
  }
}

function findRunner(runners: ReadonlyMap<string, FunctionRunner>, fn: string): FunctionRunner {
  const found =
    runners.get(fn) ??
    [...runners.values()].find((r) => r.spec.name === fn || arnOf(r.spec) === fn);
  if (!found) {
    const known = [...runners.values()].map((r) => `${r.spec.name} (${r.spec.logicalId})`);
    throw new LocalCloudError(`No function ${fn}; this stack has ${known.join(', ')}`);
  }
  return found;
}
