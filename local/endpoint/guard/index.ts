// What a local server checks before it reads a request: that it is addressed to this server by one
// of its own names (no DNS rebinding), and that a browser sends it from the server's own pages (no
// cross-site request forgery). The endpoint and the standalone console both guard with it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { LAMBDA_PATH_PREFIX } from '../lambda/operation';
import { sendJsonError, sendRestError, sendXmlError } from '../protocol';
import { crossSiteReason } from './cross-site';
import type { HostAllowlist } from './host-allowlist';
import { answerBeforeBody } from './lingering-close';

export { type BodyBound, bodyBoundOf, ROUTE_BODY_BOUND } from './body-limits';
export { readBoundedBody } from './bounded-body';
export { fromBrowser, isOwnOrigin } from './cross-site';
export { AllowHostError, HostAllowlist, parseAllowedHost } from './host-allowlist';

/**
 * Refuses, with 403 and a one-line reason, a request whose `Host` is not one of the server's
 * names, or that a browser sends from another site. Returns true when it answered.
 *
 * @param navigable paths a link from another site may open (the console's pages)
 */
export function refuseForeign(
  req: IncomingMessage,
  res: ServerResponse,
  hosts: HostAllowlist,
  navigable: (path: string) => boolean = () => false,
): boolean {
  const { host } = req.headers;
  const reason = hosts.allows(host)
    ? crossSiteReason(req, hosts, navigable)
    : `Refused: Host ${JSON.stringify(host ?? '')} is not one of this server's names (${hosts.describe()}), as a page on a DNS-rebinding name would send; allow a name of yours with --allow-host NAME`;
  if (reason === undefined) return false;
  answerBeforeBody(req, res);
  sendRefusal(req, res, reason);
  return true;
}

/**
 * A 403 in the error shape the request's client reads: AWS JSON for an `X-Amz-Target` call, REST
 * JSON for Lambda, query-protocol XML for any other signed call, plain text for anyone else.
 */
function sendRefusal(req: IncomingMessage, res: ServerResponse, message: string): void {
  if (typeof req.headers['x-amz-target'] === 'string') {
    sendJsonError(res, 403, 'AccessDeniedException', message);
  } else if ((req.url ?? '').startsWith(`${LAMBDA_PATH_PREFIX}/`)) {
    sendRestError(res, 403, 'AccessDeniedException', message);
  } else if (req.headers.authorization) {
    sendXmlError(res, 403, 'AccessDenied', message);
  } else {
    res.writeHead(403, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${message}\n`);
  }
}
