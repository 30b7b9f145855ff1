// Cross-site requests from a browser. Any page may send a form post or a `text/plain` fetch to a
// local server without a preflight, and need not read the answer to change state; browsers say
// where such a request comes from in `Origin` and `Sec-Fetch-Site`. SDKs and CLIs send neither.

import type { IncomingMessage } from 'node:http';
import type { HostAllowlist } from './host-allowlist';

/** Whether a request came from a web browser: only browsers send `Origin` or `Sec-Fetch-*`. */
export function fromBrowser(req: IncomingMessage): boolean {
  const h = req.headers;
  return h.origin !== undefined || h['sec-fetch-site'] !== undefined;
}

/** Whether `origin` (`http://host:port`) is one of the server's own: its scheme and an allowed host. */
export function isOwnOrigin(origin: string, hosts: HostAllowlist): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && hosts.allows(`${url.hostname}:${url.port || '80'}`);
}

/**
 * Why a browser request must be refused, or undefined when it may go on: an `Origin` other than
 * the server's own, or `Sec-Fetch-Site` other than `same-origin` or `none` (typed by the person).
 * A top-level navigation (a link followed, GET) to a path `navigable` accepts is let through: it
 * shows a page to the person, not its answer to the page that linked it.
 */
export function crossSiteReason(
  req: IncomingMessage,
  hosts: HostAllowlist,
  navigable: (path: string) => boolean,
): string | undefined {
  const { origin } = req.headers;
  const own = `http://127.0.0.1:${hosts.port}`;
  if (origin !== undefined && !isOwnOrigin(origin, hosts)) {
    return `Refused a request from the web page at ${origin}: only this server's own pages (${own}) may call it from a browser`;
  }
  const site = req.headers['sec-fetch-site'];
  if (site === undefined || site === 'same-origin' || site === 'none') return undefined;
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const navigation = req.headers['sec-fetch-mode'] === 'navigate' && req.method === 'GET';
  if (navigation && navigable(path)) return undefined;
  return `Refused a ${site} request from a browser (Sec-Fetch-Site: ${site}): only this server's own pages (${own}) may call it`;
}
