/**
 * The cloud's fifth phase: what invokes the functions without being asked. SQS event source
 * mappings poll their queues, Lambda's asynchronous invoker retries and dead-letters events, and
 * EventBridge Scheduler's schedules fire on their rates. They are built here and started last,
 * once the endpoint serves Lambda.
 */
import { DEFAULT_REGION } from '../../aws/defaults';
import { denialMessage, evaluate } from '../../aws/iam/evaluator';
import type { StackArtifact } from '../../aws/template';
import type { RoleSession } from '../iam/sessions';
import { arnOf } from '../lambda/api';
import { AsyncInvoker, describeAsyncInvokeConfigs } from '../lambda/async-invoke';
import { SqsEventSource } from '../lambda/event-source';
import { ScheduleRunner } from '../scheduler/scheduler';
import type { SqsEmulator } from '../sqs/emulator';
import { describeEventSources, describeSchedules } from '../stack/provision';
import type { EngineClients } from './clients';
import type { Functions } from './functions';
import type { Resources } from './resources';
import type { Diagnostic } from './roles';
import type { Teardown } from './teardown';

/** The built triggers, not yet started. */
export interface Triggers {
  readonly eventSources: readonly SqsEventSource[];
  readonly asyncInvoker: AsyncInvoker;
  readonly schedules: readonly ScheduleRunner[];
}

/** What the triggers act on, and how they act. */
export interface TriggerContext {
  readonly stack: StackArtifact;
  readonly resources: Resources;
  readonly functions: Functions;
  readonly clients: EngineClients;
  readonly sqs: SqsEmulator;
  readonly timeScale: number;
  /** Whether the endpoint and the scheduler enforce IAM. */
  readonly iam: boolean;
  readonly log: Diagnostic;
}

/** Builds the mappings, the asynchronous invoker and the schedules; each stops at teardown. */
export function buildTriggers(ctx: TriggerContext, teardown: Teardown): Triggers {
  const { stack, resources, functions, clients } = ctx;
  const { runner } = functions;
  const sessionOfFunction = (fn: string) => resources.functionSessions.get(fn);
  const eventSources = describeEventSources(
    stack,
    resources.resolver,
    resources.queues,
    runner,
  ).map(
    (spec) =>
      new SqsEventSource(spec, {
        sqs: clients.sqsAs(sessionOfFunction(spec.functionName)),
        region: DEFAULT_REGION,
        timeScale: ctx.timeScale,
        invoke: (event) => runner(spec.functionName).invoke(event),
        wakePollers: () => ctx.sqs.wake(spec.queueUrl),
        log: ctx.log,
      }),
  );
  teardown.add(() => Promise.all(eventSources.map((s) => s.stop())).then(() => {}));
  const asyncInvoker = new AsyncInvoker({
    configs: describeAsyncInvokeConfigs(
      stack,
      resources.resolver,
      resources.queues,
      (fn) => runner(fn).spec.name,
    ),
    invoke: (fn, payload, requestId) => runner(fn).invoke(payload, requestId),
    functionArn: (fn) => arnOf(runner(fn).spec),
    sqsFor: (fn) => clients.sqsAs(sessionOfFunction(runner(fn).spec.name)),
    timeScale: ctx.timeScale,
    log: ctx.log,
  });
  teardown.add(() => asyncInvoker.stop());
  const schedules = describeSchedules(stack, resources.resolver, resources.queues, runner).map(
    (spec) => scheduleRunner(ctx, spec, asyncInvoker),
  );
  teardown.add(() => Promise.all(schedules.map((s) => s.stop())).then(() => {}));
  return { eventSources, asyncInvoker, schedules };
}

/**
 * A schedule that invokes its function asynchronously with the schedule's role, as EventBridge
 * Scheduler does. Its session name is the schedule's, not the function's.
 */
function scheduleRunner(
  ctx: TriggerContext,
  spec: ReturnType<typeof describeSchedules>[number],
  asyncInvoker: AsyncInvoker,
): ScheduleRunner {
  const target = ctx.stack.resources[spec.logicalId]?.Properties?.Target as
    | { RoleArn?: unknown }
    | undefined;
  const session = ctx.resources.sessionOf(
    target?.RoleArn,
    spec.name,
    `${spec.logicalId}.Target.RoleArn`,
  );
  const functionArn = arnOf(ctx.functions.runner(spec.functionName).spec);
  return new ScheduleRunner(spec, {
    sqs: ctx.clients.sqsAs(session),
    timeScale: ctx.timeScale,
    targetArn: functionArn,
    invoke: async (payload) => {
      const refused = ctx.iam ? invokeDenial(session, functionArn) : undefined;
      if (refused) return refused;
      // Scheduler's delivery succeeds once Lambda accepts the event; Lambda's async retries and
      // on-failure destination take it from there.
      asyncInvoker.invoke(spec.functionName, payload);
      return {};
    },
    log: ctx.log,
  });
}

/**
 * The failed attempt the scheduler records when its role may not invoke the function: it is
 * retried and dead-lettered like any failed invocation.
 */
function invokeDenial(session: RoleSession, functionArn: string) {
  const decision = evaluate(session.role, 'lambda:InvokeFunction', functionArn);
  if (decision.allowed) return undefined;
  const errorMessage = denialMessage(
    session.principalArn,
    'lambda:InvokeFunction',
    functionArn,
    decision,
  );
  return { error: { errorType: 'AccessDeniedException', errorMessage } };
}
