/**
 * The console on a session's endpoint, served from the endpoint's first request: mounted before
 * the cloud starts, it answers "starting" until the cloud is up, and loads the console's modules
 * (its SDK clients, esbuild) only when someone first opens it, so a run nobody watches does not
 * carry them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleTarget } from '../../console/context';
import type { ConsoleHandler } from '../../console/server';
import type { LocalCloud } from '../cloud';
import { CONSOLE_PATH } from '../endpoint/browser-page';
import type { RouteHandler } from '../endpoint/gateway';

export { CONSOLE_PATH } from '../endpoint/browser-page';

/** What the console shows beyond what it reads through the AWS APIs. */
export type ConsoleExtras = Pick<ConsoleTarget, 'liveStageCounts' | 'tablesStartedEmpty'>;

/** The route, and how it learns of the cloud it shows. */
export interface ConsoleRoute {
  readonly handle: RouteHandler;
  /** From now on the route serves the console of `cloud`. */
  attach(cloud: LocalCloud, extras?: ConsoleExtras): void;
}

const STARTING_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="1">
<title>string-pipeline console</title></head>
<body><p>The local cloud is starting; this page reloads itself in a second.</p></body></html>
`;

/** A console route with no cloud yet. */
export function consoleRoute(): ConsoleRoute {
  let attached: { cloud: LocalCloud; extras?: ConsoleExtras } | undefined;
  let loaded: Promise<{ handle: ConsoleHandler }> | undefined;
  const load = async (cloud: LocalCloud, extras?: ConsoleExtras) => {
    const [{ localCloudTarget }, { createConsoleHandler }] = await Promise.all([
      import('../../console/local-target'),
      import('../../console/server'),
    ]);
    const target = { ...localCloudTarget(cloud), ...extras };
    return createConsoleHandler({ target, basePath: CONSOLE_PATH });
  };
  return {
    async handle(req, res, body) {
      const path = (req.url ?? '/').split('?')[0];
      // Relative links resolve from the slash: send `/_console` there.
      if (path === CONSOLE_PATH) return redirect(res, `${CONSOLE_PATH}/`);
      if (!attached) return starting(req, res);
      const { cloud, extras } = attached;
      loaded ??= load(cloud, extras);
      return (await loaded).handle(req, res, body);
    },
    attach(cloud, extras) {
      attached = { cloud, extras };
    },
  };
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { location, 'cache-control': 'no-store' }).end();
}

/** Until the cloud is up: a page that reloads itself, or a 503 the page's script shows. */
function starting(req: IncomingMessage, res: ServerResponse): void {
  const api = (req.url ?? '').startsWith(`${CONSOLE_PATH}/api/`);
  res.writeHead(503, {
    'content-type': api ? 'application/json' : 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'retry-after': '1',
  });
  res.end(api ? JSON.stringify({ error: 'The local cloud is starting' }) : STARTING_PAGE);
}
