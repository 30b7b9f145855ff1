/**
 * A request with exactly the headers a test gives, `Host` and `Origin` included, as a browser, a
 * page on a DNS-rebinding name or a hostile local client would send them (fetch sets `Host`
 * itself).
 */
import { type IncomingHttpHeaders, request } from 'node:http';

/** What the server answered. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/** Sends `body` to `url` (`http://127.0.0.1:PORT/path`) with `headers`; POST unless told. */
export function rawRequest(
  url: string,
  headers: Record<string, string>,
  body = '',
  method = 'POST',
): Promise<RawAnswer> {
  const { hostname, port, pathname, search } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path: `${pathname}${search}`,
        method,
        headers: { host: `${hostname}:${port}`, ...headers },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
