// Which requests are a person's browser opening a page rather than an AWS API call: the endpoint
// sends those to the console, so any address of it opened in a browser shows something useful.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { LAMBDA_PATH_PREFIX } from './lambda/operation';

/** Where the console is served on the endpoint, when a session mounts it. */
export const CONSOLE_PATH = '/_console';

/** Query parameters only API calls carry: the query protocol's action, a presigned URL's signature. */
const API_QUERY_PARAMETERS = [
  'Action',
  'X-Amz-Signature',
  'X-Amz-Credential',
  'AWSAccessKeyId',
  'Signature',
];

/**
 * Whether a request is a browser asking for a page: a GET or HEAD that accepts HTML, with no
 * credentials (`Authorization`, `x-amz-*` headers, a presigned URL's parameters), no query-protocol
 * `Action` and no Lambda REST path. SDKs and CLIs sign every call and never ask for HTML.
 */
export function isPageRequest(req: IncomingMessage): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const { headers } = req;
  if (!String(headers.accept ?? '').includes('text/html')) return false;
  if (headers.authorization !== undefined) return false;
  if (Object.keys(headers).some((name) => name.startsWith('x-amz-'))) return false;
  const [path = '/', search = ''] = (req.url ?? '/').split('?');
  if (path.startsWith(`${LAMBDA_PATH_PREFIX}/`)) return false;
  const query = new URLSearchParams(search);
  return !API_QUERY_PARAMETERS.some((name) => query.has(name));
}

/** Sends the browser to the console's first page. */
export function redirectToConsole(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.writeHead(302, { location: `${CONSOLE_PATH}/`, 'cache-control': 'no-store' }).end();
}
