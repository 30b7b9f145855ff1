/**
 * A request with exactly the headers a test gives, `Host` and `Origin` included, as a browser, a
 * page on a DNS-rebinding name or a hostile local client would send them (fetch sets `Host`
 * itself); and a body streamed until the server answers, as a client sending more than a server
 * takes would; and a raw connection that goes on sending a body after the answer.
 */
import { once } from 'node:events';
import { type IncomingHttpHeaders, request } from 'node:http';
import { connect, type Socket } from 'node:net';

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

/**
 * Connects to 127.0.0.1:`port`, sends `head` (a request line and headers, ended by a blank line)
 * and resolves with the first chunk of the answer, the socket still open both ways: a client that
 * means to send a body after it, as one that sent a large one would still be doing.
 */
export async function answeredBeforeBody(port: number, head: string) {
  const client = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await once(client, 'connect');
  client.write(head);
  const [answer] = (await once(client, 'data')) as [Buffer];
  return { client, answer: answer.toString() };
}

/**
 * Writes `total` bytes of one reused chunk to `client`, waiting for each to drain, then ends it
 * and resolves once it has closed, with the errors it had (none when the server read it all).
 */
export async function sendToTheEnd(client: Socket, total: number): Promise<Error[]> {
  const errors: Error[] = [];
  client.on('error', (error) => errors.push(error));
  const chunk = Buffer.alloc(64 * 1024, 'a');
  for (let sent = 0; sent < total && errors.length === 0; sent += chunk.length) {
    if (!client.write(chunk)) await drainedOrClosed(client);
  }
  client.end();
  await closed(client);
  return errors;
}

/** Resolves once `socket` has closed, with or without an error. */
export function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) =>
    socket.closed ? resolve() : socket.once('close', () => resolve()),
  );
}

/** Resolves when `socket` drains or closes (an error closes it), never rejecting. */
function drainedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      socket.off('drain', done);
      socket.off('close', done);
      resolve();
    };
    socket.on('drain', done);
    socket.on('close', done);
  });
}
