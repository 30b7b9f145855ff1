/**
 * The console over HTTP: the page, its script and style, and a JSON API over {@link ConsoleApi}.
 * One handler serves both the local cloud's endpoint (mounted at `/_console`) and the standalone
 * server of `npm run console`.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import {
  HostAllowlist,
  ROUTE_BODY_BOUND,
  readBoundedBody,
  refuseForeign,
} from '../local/endpoint/guard';
import { ConsoleApi, ConsoleRequestError, type ConsoleTarget, UpstreamError } from './api';

/** Handles a request under the console's base path; `body` is the request body, already read. */
export type ConsoleHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
) => Promise<void>;

/** Options of {@link createConsoleHandler}. */
export interface ConsoleHandlerOptions {
  readonly target: ConsoleTarget;
  /** Path the console is served under. @default '/_console' */
  readonly basePath?: string;
  /** Allow changes against AWS. @default false */
  readonly allowWrites?: boolean;
}

/** A console handler and the API it serves; `close` releases the API's clients. */
export interface ConsoleService {
  readonly handle: ConsoleHandler;
  readonly api: ConsoleApi;
  close(): void;
}

const APP_DIR = join(dirname(fileURLToPath(import.meta.url)), 'app');
let bundle: Promise<string> | undefined;

/** The page's script, bundled with esbuild on first use and kept for the life of the process. */
export function appBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [join(APP_DIR, 'main.tsx')],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    logLevel: 'silent',
  }).then(
    (result) => result.outputFiles[0]?.text ?? '',
    (error: unknown) => {
      bundle = undefined;
      throw error;
    },
  );
  return bundle;
}

/** The header that carries the console's per-run token on every change the page asks for. */
export const CONSOLE_TOKEN_HEADER = 'x-console-token';

const page = (base: string, token: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>string-pipeline console</title>
<link rel="stylesheet" href="${base}/style.css">
</head>
<body>
<div id="app" data-base="${base}" data-token="${token}"><p class="loading">Loading the console…</p></div>
<noscript>The console needs JavaScript.</noscript>
<script type="module" src="${base}/app.js"></script>
</body>
</html>
`;

/** Creates the console's HTTP handler for `target`. */
export function createConsoleHandler(options: ConsoleHandlerOptions): ConsoleService {
  const base = options.basePath ?? '/_console';
  const api = new ConsoleApi(options.target, { allowWrites: options.allowWrites });
  // Only the page this process served knows it: another site's page cannot read it.
  const token = randomBytes(24).toString('base64url');

  const handle: ConsoleHandler = async (req, res, body) => {
    const url = new URL(req.url ?? '/', 'http://console');
    const path = url.pathname.slice(base.length) || '/';
    const method = req.method ?? 'GET';
    try {
      if (method === 'GET' && (path === '/' || path === '/index.html')) {
        return send(res, 200, 'text/html; charset=utf-8', page(base, token));
      }
      if (method === 'GET' && path === '/app.js') {
        return send(res, 200, 'text/javascript; charset=utf-8', await appBundle());
      }
      if (method === 'GET' && path === '/style.css') {
        const css = await readFile(join(APP_DIR, 'style.css'), 'utf8');
        return send(res, 200, 'text/css; charset=utf-8', css);
      }
      if (!path.startsWith('/api/')) throw new ConsoleRequestError(`No page ${path}`, 404);
      if (method !== 'GET') requireOwnPage(req, token);
      const result = await route(api, method, path.slice('/api'.length), url.searchParams, body);
      return send(res, 200, 'application/json', JSON.stringify(result));
    } catch (error) {
      const status =
        error instanceof ConsoleRequestError
          ? error.status
          : error instanceof UpstreamError
            ? 502
            : 500;
      const message =
        error instanceof ConsoleRequestError || error instanceof UpstreamError
          ? error.message
          : `The console failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
      return send(res, status, 'application/json', JSON.stringify({ error: message }));
    }
  };
  return { handle, api, close: () => api.close() };
}

async function route(
  api: ConsoleApi,
  method: string,
  path: string,
  query: URLSearchParams,
  body: Buffer,
): Promise<unknown> {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [resource, id, action] = parts;
  const json = () => parseJson(body);
  if (method === 'GET') {
    switch (resource) {
      case 'meta':
        return api.meta();
      case 'overview':
        return api.overview();
      case 'queues':
        if (id && action === 'peek') {
          return api.peek(id, boundedInt(query.get('n'), 10, 1, 50), query.get('fresh') === '1');
        }
        if (id && action === 'redrive') return api.redriveProgress(id);
        if (!id) return api.queues();
        break;
      case 'tables':
        if (id) {
          return api.table(id, {
            status: query.get('status') || undefined,
            limit: boundedInt(query.get('limit'), 25, 1, 100),
            start: query.get('start') || undefined,
          });
        }
        break;
      case 'journey':
        if (id) return api.journey(id);
        break;
      case 'functions':
        return api.functions();
      case 'alarms':
        return api.alarms();
      case 'alarm-notifications':
        return api.alarmNotifications();
    }
  }
  if (method === 'POST' && id) {
    if (resource === 'queues' && action === 'send') {
      const { body: message, allowInvalid } = json() as { body?: unknown; allowInvalid?: unknown };
      if (typeof message !== 'string') throw new ConsoleRequestError('body must be a string', 400);
      return api.send(id, message, allowInvalid === true);
    }
    if (resource === 'queues' && action === 'purge') {
      return api.purge(id, (json() as { confirm?: unknown }).confirm);
    }
    if (resource === 'queues' && action === 'redrive') {
      const { max, confirmRejected } = json() as { max?: unknown; confirmRejected?: unknown };
      if (max !== undefined && (!Number.isInteger(max) || (max as number) < 1)) {
        throw new ConsoleRequestError('max must be a positive integer', 400);
      }
      return api.redrive(id, max as number | undefined, confirmRejected === true);
    }
    if (resource === 'functions' && action === 'invoke') {
      return api.invoke(id, (json() as { payload?: unknown }).payload ?? {});
    }
  }
  throw new ConsoleRequestError(`No API ${method} ${path}`, 404);
}

/**
 * Lets a change through only from the console's own page: sent from its origin, as JSON (which a
 * form or a plain cross-site fetch cannot send without a preflight), with the per-run token the
 * page got from this process.
 *
 * @throws ConsoleRequestError (403, or 415 for another content type) saying which is missing
 */
function requireOwnPage(req: IncomingMessage, token: string): void {
  const { origin, host } = req.headers;
  let originHost: string | undefined;
  try {
    originHost = origin ? new URL(origin).host : undefined;
  } catch {
    originHost = undefined;
  }
  if (!originHost || originHost !== host?.toLowerCase()) {
    throw new ConsoleRequestError(
      `Refused: console changes are accepted only from the console's own page (origin ${origin ?? 'missing'}, host ${host ?? 'missing'})`,
      403,
    );
  }
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    ?.trim()
    .toLowerCase();
  if (type !== 'application/json') {
    throw new ConsoleRequestError(
      `Refused: console changes must be sent as application/json, not ${type || 'no content type'}`,
      415,
    );
  }
  const given = Buffer.from(String(req.headers[CONSOLE_TOKEN_HEADER] ?? ''));
  const expected = Buffer.from(token);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new ConsoleRequestError(
      `Refused: console changes need the token of this run's console page (${CONSOLE_TOKEN_HEADER}); reload the page`,
      403,
    );
  }
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8') || '{}');
  } catch {
    throw new ConsoleRequestError('The request body is not JSON', 400);
  }
}

function boundedInt(value: string | null, fallback: number, min: number, max: number): number {
  const n = value === null ? fallback : Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConsoleRequestError(`Expected an integer from ${min} to ${max}, got ${value}`, 400);
  }
  return n;
}

function send(res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(text);
}

/** A standalone console server. */
export interface ConsoleServer {
  /** The page's address, `http://127.0.0.1:PORT/_console/`. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Serves the console for `target` on 127.0.0.1 (`port` 0: any free port). */
export async function startConsoleServer(
  options: ConsoleHandlerOptions & {
    readonly port?: number;
    /** Host names to answer to besides 127.0.0.1, localhost and [::1] on its port. @default none */
    readonly allowHosts?: readonly string[];
  },
): Promise<ConsoleServer> {
  const base = options.basePath ?? '/_console';
  const service = createConsoleHandler({ ...options, basePath: base });
  const underBase = (path: string) => path === base || path.startsWith(`${base}/`);
  // Known once listening, which is before any request arrives.
  let hosts = new HostAllowlist(options.port ?? 0, options.allowHosts);
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    // The same guard as the endpoint's, against any target: no other Host, no other site.
    if (refuseForeign(req, res, hosts, underBase)) return;
    const body = await readBoundedBody(req, res, ROUTE_BODY_BOUND);
    if (!body) return;
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (path === '/' || path === '') {
      res.writeHead(302, { location: `${base}/` }).end();
      return;
    }
    if (!underBase(path)) {
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`Not found; the console is at ${base}/`);
      return;
    }
    await service.handle(req, res, body);
  };
  const server = createServer((req, res) => {
    // Only a request that broke off (a socket error while reading it) gets here.
    serve(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  hosts = new HostAllowlist(port, options.allowHosts);
  return {
    url: `http://127.0.0.1:${port}${base}/`,
    stop: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      service.close();
    },
  };
}
