/**
 * The resources that make Lambda invoke a function: `AWS::Lambda::EventSourceMapping` (an SQS
 * poller), `AWS::Lambda::EventInvokeConfig` (retries and on-failure destination of asynchronous
 * invocations) and `AWS::Scheduler::Schedule` (EventBridge Scheduler, invoking with its role).
 */
import { randomUUID } from 'node:crypto';
import { denialMessage, evaluate } from '../../../aws/iam/evaluator';
import { DEFAULT_ASYNC_CONFIG } from '../../lambda/async-invoke';
import { type EventSourceSpec, SqsEventSource } from '../../lambda/event-source';
import { ScheduleRunner, type ScheduleSpec } from '../../scheduler/scheduler';
import {
  type AppServices,
  appServices,
  type ResourceContext,
  type ResourceHandler,
} from './handler';

type Props = Record<string, unknown>;

/** The URL of the local queue with this ARN. */
const queueUrlOf = (app: AppServices, arn: string) => {
  const [, , , , account, name] = arn.split(':');
  return `${app.endpointUrl}/${account}/${name}`;
};

function mappingSpec(ctx: ResourceContext, id: string, props: Props): EventSourceSpec {
  const app = appServices(ctx);
  const queueArn = String(props.EventSourceArn ?? '');
  if (!queueArn.startsWith('arn:aws:sqs:'))
    throw new Error(`The local cloud emulates SQS event sources only, got ${queueArn}`);
  const scaling = props.ScalingConfig as { MaximumConcurrency?: number } | undefined;
  const types = (props.FunctionResponseTypes as string[] | undefined) ?? [];
  return {
    logicalId: id,
    queueUrl: queueUrlOf(app, queueArn),
    queueArn,
    functionName: app.compute.runner(String(props.FunctionName)).spec.name,
    batchSize: Number(props.BatchSize ?? 10),
    maximumBatchingWindowInSeconds: Number(props.MaximumBatchingWindowInSeconds ?? 0),
    reportBatchItemFailures: types.includes('ReportBatchItemFailures'),
    maximumConcurrency: Number(scaling?.MaximumConcurrency ?? 1250),
    enabled: props.Enabled !== false && props.Enabled !== 'false',
  };
}

const sourceById = (app: AppServices, id: string) =>
  app.compute.eventSources.find((s) => s.spec.logicalId === id);

export const eventSourceMapping: ResourceHandler = {
  replaceOn: ['EventSourceArn', 'FunctionName'],
  create(ctx, props) {
    const app = appServices(ctx);
    const id = randomUUID();
    const spec = mappingSpec(ctx, id, props);
    const session = app.compute.functions.get(spec.functionName)?.session;
    const source = new SqsEventSource(spec, {
      sqs: app.compute.deps.sqsAs(session),
      region: ctx.region,
      timeScale: app.compute.deps.timeScale,
      invoke: (event) => app.compute.runner(spec.functionName).invoke(event),
      wakePollers: () => app.wake(spec.queueUrl),
      log: app.compute.deps.log,
    });
    app.compute.eventSources.push(source);
    source.start();
    return { physicalId: id, attributes: { EventSourceMappingId: id } };
  },
  async update(ctx, current, props) {
    await sourceById(appServices(ctx), current.physicalId)?.update(
      mappingSpec(ctx, current.physicalId, props),
    );
    return { physicalId: current.physicalId, attributes: current.attributes };
  },
  async delete(ctx, current) {
    const app = appServices(ctx);
    const source = sourceById(app, current.physicalId);
    if (source) await app.compute.removeEventSource(source);
  },
};

function setInvokeConfig(ctx: ResourceContext, props: Props) {
  const app = appServices(ctx);
  const name = app.compute.runner(String(props.FunctionName)).spec.name;
  const destination = (
    props.DestinationConfig as { OnFailure?: { Destination?: unknown } } | undefined
  )?.OnFailure?.Destination;
  const arn = typeof destination === 'string' ? destination : undefined;
  app.compute.asyncConfigs.set(name, {
    maximumRetryAttempts: Number(
      props.MaximumRetryAttempts ?? DEFAULT_ASYNC_CONFIG.maximumRetryAttempts,
    ),
    onFailureQueueUrl: arn?.startsWith('arn:aws:sqs:') ? queueUrlOf(app, arn) : undefined,
  });
  return { physicalId: `${name}-config`, attributes: {} };
}

export const eventInvokeConfig: ResourceHandler = {
  create: setInvokeConfig,
  update: (ctx, _current, props) => setInvokeConfig(ctx, props),
  delete(ctx, current) {
    appServices(ctx).compute.asyncConfigs.delete(current.physicalId.replace(/-config$/, ''));
  },
};

function scheduleSpec(ctx: ResourceContext, name: string, props: Props): ScheduleSpec {
  const app = appServices(ctx);
  const target = props.Target as {
    Arn: string;
    Input?: string;
    RetryPolicy?: { MaximumRetryAttempts?: number };
    DeadLetterConfig?: { Arn?: string };
  };
  const dlq = target.DeadLetterConfig?.Arn;
  return {
    logicalId: ctx.logicalId,
    name,
    expression: String(props.ScheduleExpression),
    enabled: props.State !== 'DISABLED',
    functionName: app.compute.runner(target.Arn).spec.name,
    input: target.Input === undefined ? {} : (JSON.parse(target.Input) as unknown),
    maximumRetryAttempts: Number(target.RetryPolicy?.MaximumRetryAttempts ?? 185),
    deadLetterQueueUrl: dlq ? queueUrlOf(app, dlq) : undefined,
  };
}

function startSchedule(ctx: ResourceContext, name: string, props: Props): ScheduleRunner {
  const app = appServices(ctx);
  const spec = scheduleSpec(ctx, name, props);
  const roleArn = String((props.Target as { RoleArn?: unknown }).RoleArn ?? '');
  const role = ctx.services.roles.find(roleArn);
  const session = role
    ? ctx.services.sessions.issue(ctx.services.roles.policiesOf(role), name)
    : undefined;
  const functionArn = app.compute.arnOf(spec.functionName);
  const schedule = new ScheduleRunner(spec, {
    sqs: app.compute.deps.sqsAs(session),
    timeScale: app.compute.deps.timeScale,
    targetArn: functionArn,
    invoke: async (payload) => {
      if (app.iam) {
        // The role's policies as they are now: a policy may be attached after the schedule.
        const current = session && ctx.services.sessions.lookup(session.credentials.accessKeyId);
        const decision = current
          ? evaluate(current.role, 'lambda:InvokeFunction', functionArn)
          : undefined;
        if (!decision?.allowed) {
          const principal = session?.principalArn ?? roleArn;
          const errorMessage = decision
            ? denialMessage(principal, 'lambda:InvokeFunction', functionArn, decision)
            : `The schedule's role ${roleArn} does not exist`;
          return { error: { errorType: 'AccessDeniedException', errorMessage } };
        }
      }
      app.compute.asyncInvoker.invoke(spec.functionName, payload);
      return {};
    },
    log: app.compute.deps.log,
  });
  app.compute.schedules.push(schedule);
  if (app.compute.schedulesRunning) schedule.start();
  return schedule;
}

export const schedulerSchedule: ResourceHandler = {
  replaceOn: ['Name', 'GroupName'],
  create(ctx, props) {
    const name = typeof props.Name === 'string' ? props.Name : `${ctx.stackName}-${ctx.logicalId}`;
    startSchedule(ctx, name, props);
    return {
      physicalId: name,
      attributes: {
        Arn: `arn:aws:scheduler:${ctx.region}:${ctx.accountId}:schedule/${typeof props.GroupName === 'string' ? props.GroupName : 'default'}/${name}`,
      },
    };
  },
  async update(ctx, current, props) {
    const app = appServices(ctx);
    const old = app.compute.schedules.find((s) => s.spec.name === current.physicalId);
    if (old) await app.compute.removeSchedule(old);
    startSchedule(ctx, current.physicalId, props);
    return { physicalId: current.physicalId, attributes: current.attributes };
  },
  async delete(ctx, current) {
    const app = appServices(ctx);
    const schedule = app.compute.schedules.find((s) => s.spec.name === current.physicalId);
    if (schedule) await app.compute.removeSchedule(schedule);
  },
};
