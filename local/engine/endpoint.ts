/**
 * The cloud's second phase: the one AWS endpoint. It opens before anything is provisioned, so
 * queue URLs carry its host and port. SQS, DynamoDB, STS, Logs, SSM, S3 and CloudFormation are
 * served at once; Lambda is bound once the stack is up (a call before that finds no function).
 */
import { DEFAULT_REGION, LOCAL_ACCOUNT_ID } from '../../aws/defaults';
import { LocalCloudFormation } from '../cloudformation/engine';
import { cloudFormationService } from '../endpoint/cloudformation';
import { dynamodbService } from '../endpoint/dynamodb';
import { FaultInjector } from '../endpoint/faults';
import { type EndpointOptions, type RouteHandler, startEndpoint } from '../endpoint/gateway';
import { logsService } from '../endpoint/logs';
import { s3Service } from '../endpoint/s3';
import { sqsService } from '../endpoint/sqs';
import { PEEK_PATH, peekRoute } from '../endpoint/sqs/peek';
import { ssmService } from '../endpoint/ssm';
import { stsService } from '../endpoint/sts';
import { inProcessUpstream } from '../endpoint/upstream';
import { RoleRegistry } from '../iam/roles';
import { RoleSessions } from '../iam/sessions';
import { ParameterStore } from '../ssm/store';
import type { ApiMeter } from './meter';
import type { Stores } from './stores';
import type { Teardown } from './teardown';
import type { LocalCloudOptions } from './types';

/** The services the endpoint serves, by name; binding one later serves it from then on. */
export type Services = {
  -readonly [K in keyof EndpointOptions['services']]: EndpointOptions['services'][K];
};

/** The open endpoint and what it consults on each call. */
export interface OpenEndpoint {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  readonly services: Services;
  /** Plain HTTP handlers by path prefix (the console). */
  readonly routes: Map<string, RouteHandler>;
  readonly faults: FaultInjector;
  /** The role sessions the endpoint recognises; provisioning and AssumeRole issue them. */
  readonly sessions: RoleSessions;
  /** The local CloudFormation, which holds every stack on the endpoint. */
  readonly cloudformation: LocalCloudFormation;
}

/** Opens the endpoint on `opts.port` (any free port by default) in front of the stores. */
export async function openEndpoint(
  opts: LocalCloudOptions,
  stores: Stores,
  meter: ApiMeter,
  teardown: Teardown,
): Promise<OpenEndpoint> {
  const sessions = new RoleSessions(LOCAL_ACCOUNT_ID);
  const parameters = new ParameterStore();
  const roles = new RoleRegistry(LOCAL_ACCOUNT_ID);
  const { buckets } = stores.sqs;
  const cloudformation = new LocalCloudFormation(DEFAULT_REGION, LOCAL_ACCOUNT_ID, {
    buckets,
    parameters,
    roles,
    sessions,
  });
  const at = { region: DEFAULT_REGION, accountId: LOCAL_ACCOUNT_ID };
  const fauxqs = inProcessUpstream(stores.sqs.dispatch);
  const services: Services = {
    sqs: sqsService({ upstream: fauxqs, ...at }),
    dynamodb: dynamodbService({ upstream: inProcessUpstream(stores.dynamodb.dispatch), ...at }),
    sts: stsService(LOCAL_ACCOUNT_ID, { roles, sessions }),
    logs: logsService(stores.logs, DEFAULT_REGION, LOCAL_ACCOUNT_ID),
    ssm: ssmService(parameters, DEFAULT_REGION, LOCAL_ACCOUNT_ID),
    s3: s3Service({ upstream: fauxqs, accountId: LOCAL_ACCOUNT_ID, hasBucket: buckets.has }),
    cloudformation: cloudFormationService(cloudformation, buckets),
  };
  // Routes given by the caller (the console) are served from the first request on; so is the
  // peek that lets the tools look at a queue without adding to its messages' receive counts.
  const routes = new Map<string, RouteHandler>(opts.routes ?? []);
  routes.set(
    PEEK_PATH,
    peekRoute((url, limit) => stores.sqs.peek(url, limit)),
  );
  const faults = new FaultInjector(opts.faults);
  const endpoint = await startEndpoint({
    faults: (call) => faults.inject(call),
    port: opts.port ?? 0,
    allowHosts: opts.allowHosts,
    services,
    routes,
    sessions: opts.iam === false ? undefined : sessions,
    meter,
  });
  teardown.add(() => endpoint.stop());
  return {
    url: endpoint.url,
    port: endpoint.port,
    services,
    routes,
    faults,
    sessions,
    cloudformation,
  };
}
