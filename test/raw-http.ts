/**
 * A request with exactly the headers a test gives, `Host` and `Origin` included, as a browser, a
 * page on a DNS-rebinding name or a hostile local client would send them (fetch sets `Host`
 * itself); and a body streamed until the server answers, as a client sending more than a server
 * takes would.
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

/** What the server answered to a streamed body, and how much of it was sent by then. */
export interface StreamedAnswer extends RawAnswer {
  /** Bytes written before the answer's headers arrived. */
  readonly sentBeforeAnswer: number;
  /** How much this process's RSS grew from the first byte sent to the answer's end. */
  readonly rssGrowth: number;
}

/**
 * Sends `chunk` to `url` over and over, up to `total` bytes (chunked transfer encoding unless the
 * headers give a length), until the server answers; the same buffer each time, so the client
 * holds none of the body.
 */
export function streamUntilAnswered(
  url: string,
  options: { method?: string; headers: Record<string, string>; chunk: Buffer; total: number },
): Promise<StreamedAnswer> {
  const { hostname, port, pathname, search } = new URL(url);
  const { method = 'POST', headers, chunk, total } = options;
  const rssBefore = process.memoryUsage().rss;
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = request(
      { host: hostname, port, path: `${pathname}${search}`, method, headers },
      (res) => {
        answered = true;
        const sentBeforeAnswer = sent;
        let text = '';
        res.on('data', (c) => {
          text += c;
        });
        res.on('end', () => {
          req.destroy();
          const rssGrowth = process.memoryUsage().rss - rssBefore;
          const status = res.statusCode ?? 0;
          resolve({ status, headers: res.headers, text, sentBeforeAnswer, rssGrowth });
        });
      },
    );
    // The server closes the connection after its answer: writing on is the client's problem.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && sent < total) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}
