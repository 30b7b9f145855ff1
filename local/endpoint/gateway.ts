// The one HTTP endpoint every emulated service shares: it tells calls apart by protocol, knows who
// signed them, and hands each to its service.

import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ANONYMOUS_SESSION, type RoleSession, type RoleSessions } from '../iam/sessions';
import { CONSOLE_PATH, isPageRequest, redirectToConsole } from './browser-page';
import type { Call, ServiceHandler } from './call';
import {
  bodyBoundOf,
  fromBrowser,
  HostAllowlist,
  ROUTE_BODY_BOUND,
  readBoundedBody,
  refuseForeign,
} from './guard';
import { lambdaOperation } from './lambda';
import {
  parseSignature,
  type ServiceName,
  sendJson,
  sendJsonError,
  sendRestError,
  sendXmlError,
} from './protocol';

/** Counts calls by service and action (the `ApiMeter` of `local/engine/meter.ts` fits). */
export interface CallMeter {
  count(service: string, action: string): void;
}

/** Answers plain HTTP requests under a path prefix (a web page beside the AWS APIs). */
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
) => Promise<void>;

/** Options of {@link startEndpoint}. */
export interface EndpointOptions {
  /** Port on 127.0.0.1; 0 picks a free one. @default 4566, LocalStack's */
  readonly port?: number;
  /** The services served; a call for another gets an error naming it. */
  readonly services: Partial<Record<ServiceName, ServiceHandler>>;
  /** Recognises role sessions' credentials; without it every caller is an administrator. */
  readonly sessions?: RoleSessions;
  /**
   * Counts the calls the endpoint answers itself (Lambda, CloudFormation, STS, Logs). SQS and
   * DynamoDB calls are counted by the emulators they reach, with the capacity they consume, so a
   * call is never counted twice. @default not counted
   */
  readonly meter?: CallMeter;
  /** Decides whether to answer a call with an injected fault instead (see `faults.ts`). */
  readonly faults?: (call: Call) => boolean;
  /**
   * Handlers by path prefix (`/_console`), looked up on every request so they can be added while
   * the endpoint runs. A request under a prefix never reaches the AWS services. @default none
   */
  readonly routes?: ReadonlyMap<string, RouteHandler>;
  /**
   * Host names to answer to besides the loopback ones (`127.0.0.1:PORT`, `localhost:PORT`,
   * `[::1]:PORT`); a request for any other gets 403 (see `guard/`). @default none
   */
  readonly allowHosts?: readonly string[];
}

/** A running endpoint. */
export interface Endpoint {
  /** `http://127.0.0.1:PORT`, for `AWS_ENDPOINT_URL`. */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** The port is taken; the message names it and, where it can tell, the process holding it. */
export class PortInUseError extends Error {
  override readonly name = 'PortInUseError';
}

/** Display names for metering, as the rest of the project counts calls (`SQS.SendMessage`). */
const METER_NAME: Record<ServiceName, string> = {
  sqs: 'SQS',
  dynamodb: 'DynamoDB',
  lambda: 'Lambda',
  cloudformation: 'CloudFormation',
  sts: 'STS',
  logs: 'Logs',
  ssm: 'SSM',
  s3: 'S3',
};
const TARGET_PREFIX: [string, ServiceName][] = [
  ['AmazonSQS.', 'sqs'],
  ['DynamoDB_20120810.', 'dynamodb'],
  ['Logs_20140328.', 'logs'],
  ['AmazonSSM.', 'ssm'],
];
const CFN_ACTIONS =
  /^(Describe|List|Get|Create|Update|Delete|Validate|Estimate|Signal|Continue|Cancel|Execute|Detect)(Stack|Change|Template|Type|Export|Import)/;
/** The body of a call whose service reads the body itself (see `BodyBound.streamed`). */
const EMPTY_BODY = Buffer.alloc(0);
/** LocalStack's readiness check, which tools written for it call. */
const LOCALSTACK_HEALTH_PATH = '/_localstack/health';
const HEALTH_PATHS = new Set(['/', LOCALSTACK_HEALTH_PATH]);
const STS_ACTIONS = new Set([
  'GetCallerIdentity',
  'AssumeRole',
  'GetSessionToken',
  'GetAccessKeyInfo',
]);

/** Which service a request is for and in which protocol, or why it is for none we serve. */
function classify(
  req: IncomingMessage,
  body: Buffer,
):
  | { service: ServiceName; action: string; protocol: Call['protocol']; query?: URLSearchParams }
  | { unknown: string; json: boolean } {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') {
    for (const [prefix, service] of TARGET_PREFIX) {
      if (target.startsWith(prefix)) {
        return { service, action: target.slice(prefix.length), protocol: 'json' };
      }
    }
    return { unknown: target.split('.')[0] ?? target, json: true };
  }
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const lambda = lambdaOperation(req.method ?? 'GET', path);
  if (lambda) return { service: 'lambda', action: lambda, protocol: 'rest' };
  const scope = parseSignature(req.headers.authorization)?.service;
  if (scope === 's3') return { service: 's3', action: req.method ?? 'GET', protocol: 'rest' };
  const contentType = String(req.headers['content-type'] ?? '');
  const query = contentType.includes('application/x-www-form-urlencoded')
    ? new URLSearchParams(body.toString('utf8'))
    : new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
  const action = query.get('Action');
  if (action) {
    const service: ServiceName | undefined =
      scope === 'sqs' || scope === 'cloudformation' || scope === 'sts'
        ? scope
        : scope
          ? undefined
          : STS_ACTIONS.has(action)
            ? 'sts'
            : CFN_ACTIONS.test(action)
              ? 'cloudformation'
              : 'sqs';
    if (service) return { service, action, protocol: 'query', query };
  }
  // Other Lambda REST paths (layers, aliases, other API versions) are Lambda's to refuse.
  if (scope === 'lambda')
    return { service: 'lambda', action: `${req.method} ${path}`, protocol: 'rest' };
  return { unknown: scope ?? `${req.method} ${path}`, json: false };
}

/**
 * Starts the single endpoint that serves every emulated service on 127.0.0.1, LocalStack-style:
 * it tells services apart by protocol (the `X-Amz-Target` prefix for SQS, DynamoDB and Logs, the
 * REST path for Lambda, the `Action` parameter and the SigV4 credential scope for the query
 * protocol of CloudFormation, STS and SQS), identifies role sessions by their access key, and hands
 * each call to its service. A call for a service or operation we do not serve gets that service's
 * own error shape, never a hang.
 *
 * @throws PortInUseError when the port is taken
 */
export async function startEndpoint(opts: EndpointOptions): Promise<Endpoint> {
  const requested = opts.port ?? 4566;
  // Known once listening, which is before any request arrives.
  let hosts = new HostAllowlist(requested, opts.allowHosts);
  const server = createServer((req, res) => {
    answer(opts, hosts, req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendJsonError(
        res,
        500,
        'InternalFailure',
        `Local endpoint error: ${(error as Error).message}`,
      );
    });
  });
  // SQS long polls last 20 s; Node's default request timeout (5 min) is fine, keep-alive is not.
  server.keepAliveTimeout = 60_000;
  await listen(server, requested);
  const port = (server.address() as AddressInfo).port;
  hosts = new HostAllowlist(port, opts.allowHosts);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/**
 * Answers one request: refuses it if it is foreign (another Host, another site) or its body is
 * over its service's bound, else sends a browser asking for a page to the console, or answers a
 * health check, a route's page, or a call for one of the services.
 */
async function answer(
  opts: EndpointOptions,
  hosts: HostAllowlist,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const routeHandler = routeOf(opts.routes, path);
  // A browser opening any other page of the endpoint is shown the console, when there is one.
  const page =
    !routeHandler &&
    path !== LOCALSTACK_HEALTH_PATH &&
    opts.routes?.has(CONSOLE_PATH) === true &&
    isPageRequest(req);
  const navigable = (p: string) => page || routeOf(opts.routes, p) !== undefined;
  if (refuseForeign(req, res, hosts, navigable)) return;
  if (page) return redirectToConsole(req, res);
  const bound = routeHandler ? ROUTE_BODY_BOUND : bodyBoundOf(serviceOfHeaders(req), req);
  const body = bound.streamed ? EMPTY_BODY : await readBoundedBody(req, res, bound);
  if (!body) return;
  if (req.method === 'GET' && HEALTH_PATHS.has(req.url ?? '')) {
    // What LocalStack answers, so readiness checks written for it work here too.
    const running = Object.fromEntries(Object.keys(opts.services).map((s) => [s, 'running']));
    sendJson(res, 200, { services: running, edition: 'local-cloud' }, {}, 'application/json');
    return;
  }
  if (routeHandler) return routeHandler(req, res, body);
  const route = classify(req, body);
  if ('unknown' in route) {
    const message = `The local cloud does not serve ${route.unknown}; it serves SQS, DynamoDB, Lambda, CloudFormation, STS, SSM, S3 and CloudWatch Logs`;
    if (route.json) sendJsonError(res, 400, 'UnknownOperationException', message);
    else sendXmlError(res, 400, 'InvalidAction', message);
    return;
  }
  const call: Call = { req, res, body, ...route, session: callerOf(opts, req) };
  if (opts.faults?.(call)) return;
  const service = opts.services[route.service];
  if (!service) return refuseUnserved(call);
  if (route.service !== 'sqs' && route.service !== 'dynamodb') {
    opts.meter?.count(METER_NAME[route.service], route.action);
  }
  await service(call);
}

/** The route whose prefix `path` is under, if any. */
function routeOf(
  routes: ReadonlyMap<string, RouteHandler> | undefined,
  path: string,
): RouteHandler | undefined {
  for (const [prefix, handler] of routes ?? []) {
    if (path === prefix || path.startsWith(`${prefix}/`)) return handler;
  }
  return undefined;
}

/**
 * Which service a request is for, as far as its headers tell (the body is not read yet): the
 * `X-Amz-Target` prefix, a Lambda REST path, or the SigV4 credential scope.
 */
function serviceOfHeaders(req: IncomingMessage): string | undefined {
  const target = req.headers['x-amz-target'];
  if (typeof target === 'string') return TARGET_PREFIX.find(([p]) => target.startsWith(p))?.[1];
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  if (lambdaOperation(req.method ?? 'GET', path)) return 'lambda';
  return parseSignature(req.headers.authorization)?.service;
}

/**
 * Who the caller is: a role session by its access key; otherwise the administrator, except for a
 * request from a web browser, which is anonymous (it may do nothing a policy does not allow).
 */
function callerOf(opts: EndpointOptions, req: IncomingMessage): RoleSession | undefined {
  const session = opts.sessions?.lookup(parseSignature(req.headers.authorization)?.accessKeyId);
  return session ?? (fromBrowser(req) ? ANONYMOUS_SESSION : undefined);
}

/** Answers a call for a service this endpoint was started without, in its protocol's error shape. */
function refuseUnserved({ res, service, protocol }: Call): void {
  const message = `The local cloud does not serve ${METER_NAME[service]} on this endpoint`;
  if (protocol === 'rest') sendRestError(res, 400, 'UnsupportedOperationException', message);
  else if (protocol === 'json') sendJsonError(res, 400, 'UnknownOperationException', message);
  else sendXmlError(res, 400, 'InvalidAction', message);
}

/** Listens on 127.0.0.1; a taken port rejects with a PortInUseError naming who holds it. */
function listen(server: Server, requested: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new PortInUseError(portTakenMessage(requested)));
      else reject(error);
    });
    server.listen(requested, '127.0.0.1', () => resolve());
  });
}

/** Why `port` cannot be listened on, naming who holds it where the system tells. */
export function portTakenMessage(port: number): string {
  const holder = portHolder(port);
  return `Port ${port} on 127.0.0.1 is already in use${holder ? ` by ${holder}` : ''}; stop it or choose another port (--port N, 0 for any free one)`;
}

/**
 * Best effort, Linux only: which process listens on `port` (`pid 123 (node server.js)`), found
 * through /proc; undefined when it cannot tell (another OS, another user's process).
 */
export function portHolder(port: number): string | undefined {
  try {
    const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
    const inodes = new Set<string>();
    for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
        const fields = line.trim().split(/\s+/);
        // local_address is field 1 (ADDR:PORT), state 0A is LISTEN, inode is field 9.
        if (fields[1]?.endsWith(`:${hexPort}`) && fields[3] === '0A' && fields[9]) {
          inodes.add(fields[9]);
        }
      }
    }
    if (inodes.size === 0) return undefined;
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let fds: string[];
      try {
        fds = readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        let link: string;
        try {
          link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        } catch {
          continue;
        }
        const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
        if (inode && inodes.has(inode)) {
          const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
          return `pid ${pid} (${cmd.slice(0, 120)})`;
        }
      }
    }
  } catch {
    // Not Linux, or /proc unreadable: the port number alone has to do.
  }
  return undefined;
}
